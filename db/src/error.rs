/// Errors of the data layer. Callers decide what the user sees: the database
/// error itself is logged on the server and never sent to a browser.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("unsupported database url (expected sqlite: or postgres:): {0}")]
    UnsupportedUrl(String),
    #[error("could not create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Too much password work queued: try again shortly.
    #[error("busy: too many password checks at once")]
    Busy,
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<domain::Invalid> for Error {
    fn from(invalid: domain::Invalid) -> Self {
        Error::Invalid {
            field: invalid.field,
            message: invalid.message,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
