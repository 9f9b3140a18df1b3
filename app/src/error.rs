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
    #[error("something went wrong on our side; please try again")]
    Internal,
    #[error("could not reach the server: {0}")]
    Transport(String),
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
