//! The extractor every handler under `/store/{store_id}/…` takes: the store
//! of the URL, authorised for the signed-in account by the one check
//! (`app::auth::ssr::authorize`), so a handler cannot forget it. Refused
//! as the server functions refuse: 401 signed out, 404 for a store the
//! account may not open or that does not exist.

use app::{auth::ssr::Authorized, error::AppError, state::AppState};
use axum::{
    extract::{FromRef, FromRequestParts, RawPathParams},
    http::request::Parts,
};
use db::{accounts::Account, stores::Store};
use tower_sessions::Session;

pub struct StoreAccess {
    pub account: Account,
    pub store: Store,
}

impl<S> FromRequestParts<S> for StoreAccess
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let state = AppState::from_ref(state);
        let params = RawPathParams::from_request_parts(parts, &state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let store_id = params
            .iter()
            .find(|(name, _)| *name == "store_id")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .ok_or(AppError::NotFound)?;
        let checked = parts
            .extensions
            .get::<Authorized>()
            .filter(|authorized| authorized.store_id == store_id)
            .map(|authorized| authorized.account.clone());
        let account = match checked {
            // The page gate has asked already (a GET of a page).
            Some(account) => account,
            None => {
                let session =
                    Session::from_request_parts(parts, &state)
                        .await
                        .map_err(|(_, message)| {
                            tracing::error!(message, "no session layer");
                            AppError::Internal
                        })?;
                app::auth::ssr::authorize(&state.db, &session, store_id).await?
            }
        };
        let store = db::stores::get_store(&state.db, store_id).await?;
        Ok(StoreAccess { account, store })
    }
}
