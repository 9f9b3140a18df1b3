//! What the server hands every server function through Leptos context.

use crate::error::AppError;

/// Shared by every request; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: db::Db,
}

/// The app state of the current request. Provided by the server for page
/// renders and server function calls alike.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
