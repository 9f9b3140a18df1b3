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
    #[error("your role in this store does not allow that")]
    Forbidden,
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
    /// The HTTP status a server function answers with for this error (set
    /// through the response options when the error is encoded: see `ser`).
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 400,
            AppError::Unauthorized | AppError::SignInFailed => 401,
            AppError::Forbidden => 403,
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

    /// Encoding the error is the one moment every failing server function
    /// passes through on the server: it sets the answer's status there.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        self.set_response_status();
        <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(self)
            .unwrap_or_else(|_| leptos::server_fn::Bytes::from_static(br#""Internal""#))
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Gives the server function's answer this error's status, except for a
    /// plain form post, which Leptos answers by redirecting back (the error
    /// travels in the URL).
    fn set_response_status(&self) {
        use leptos::prelude::use_context;
        let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
            return;
        };
        let redirected = use_context::<http::request::Parts>().is_some_and(|parts| {
            let accepts_html = parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.contains("text/html"));
            accepts_html && parts.headers.contains_key(http::header::REFERER)
        });
        if let (false, Ok(status)) = (redirected, http::StatusCode::from_u16(self.status())) {
            response.set_status(status);
        }
    }
}

#[cfg(feature = "ssr")]
impl From<db::Error> for AppError {
    fn from(error: db::Error) -> Self {
        match error {
            db::Error::NotFound(_) => AppError::NotFound,
            db::Error::Busy => AppError::TooManyRequests,
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

/// Handlers outside Leptos answer with the same statuses and the same safe
/// messages as the server functions.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, self.to_string()).into_response()
    }
}
