//! The one error type server functions return. It carries only what is safe to
//! show in a browser: internals are logged on the server and replaced by a
//! generic message before they leave it.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("please sign in")]
    Unauthorized,
    #[error("email or password is incorrect")]
    SignInFailed,
    #[error("too many attempts; wait a few minutes and try again")]
    TooManyRequests,
    #[error("something went wrong on our side; please try again")]
    Internal,
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function answers with for this error (set by
    /// the server's `status_from_app_error` middleware).
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 400,
            AppError::Unauthorized | AppError::SignInFailed => 401,
            AppError::TooManyRequests => 429,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<db::Error> for AppError {
    fn from(error: db::Error) -> Self {
        match error {
            db::Error::NotFound(_) => AppError::NotFound,
            db::Error::Invalid { field, message } => AppError::Invalid {
                field: field.to_string(),
                message,
            },
            other => {
                tracing::error!(error = %other, "data layer error");
                AppError::Internal
            }
        }
    }
}
