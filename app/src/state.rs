//! What the server hands every server function through Leptos context.

use crate::error::AppError;

/// Shared by every request; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: db::Db,
    /// The built site's file names (hashed in release builds).
    pub assets: crate::assets::AssetNames,
    /// Where the built site is and how it is named.
    pub options: leptos::config::LeptosOptions,
    /// How campaigns are sent (`None`: this server does not send, as in
    /// most tests).
    pub mail: Option<std::sync::Arc<mail::Setup>>,
}

impl AppState {
    pub fn new(db: db::Db, options: leptos::config::LeptosOptions) -> AppState {
        AppState {
            db,
            assets: crate::assets::AssetNames::from_options(&options),
            options,
            mail: None,
        }
    }

    pub fn with_mail(mut self, setup: mail::Setup) -> AppState {
        self.mail = Some(std::sync::Arc::new(setup));
        self
    }
}

/// The app state of the current request. Provided by the server through
/// Leptos context for page renders and server function calls alike, and as a
/// request extension: on rare occasions a server-side resource ran where the
/// context lookup came back empty while the request's parts were still
/// reachable, so the extension is the fallback.
pub fn app_state() -> Result<AppState, AppError> {
    use leptos::prelude::use_context;
    if let Some(state) = use_context::<AppState>() {
        return Ok(state);
    }
    if let Some(state) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<AppState>().cloned())
    {
        return Ok(state);
    }
    tracing::error!("AppState missing from the Leptos context");
    Err(AppError::Internal)
}

/// Leptos' route handlers read their options from the router's state.
impl axum::extract::FromRef<AppState> for leptos::config::LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.options.clone()
    }
}
