//! The extractor every handler under `/store/{store_id}/…` takes: the store
//! of the URL and the signed-in account's role in it, found by the one check
//! (`app::auth::ssr::authorize`), so a handler cannot forget it. The handler
//! then names the right it exercises ([`StoreAccess::require`]), checked
//! against the one table. Refused as the server functions refuse: 401
//! signed out, 404 for a store the account may not open or that does not
//! exist, 403 for a right the role lacks.

use app::{
    auth::{Right, ssr::Authorized},
    error::AppError,
    state::AppState,
};
use axum::{
    extract::{FromRef, FromRequestParts, RawPathParams},
    http::request::Parts,
};
use db::stores::Store;
use tower_sessions::Session;

#[derive(Clone)]
pub struct StoreAccess {
    pub authorized: Authorized,
    pub store: Store,
}

impl StoreAccess {
    /// 403 unless the account's role in the store has `right`.
    pub fn require(&self, right: Right) -> Result<&Self, AppError> {
        self.authorized.require(right)?;
        Ok(self)
    }
}

impl<S> FromRequestParts<S> for StoreAccess
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        // The route's right was checked by `routes::require` for this
        // request already: reuse its answer.
        if let Some(access) = parts.extensions.get::<StoreAccess>() {
            return Ok(access.clone());
        }
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
            .cloned();
        let authorized = match checked {
            // The page gate has asked already (a GET of a page).
            Some(authorized) => authorized,
            None => {
                let session =
                    Session::from_request_parts(parts, &state)
                        .await
                        .map_err(|(_, message)| {
                            tracing::error!(message, "no session layer");
                            AppError::Internal
                        })?;
                // Opening the store is reading it; the handler asks for more.
                app::auth::ssr::authorize(&state.db, &session, store_id, Right::ReadCustomers)
                    .await?
            }
        };
        let store = db::stores::get_store(&state.db, store_id).await?;
        Ok(StoreAccess { authorized, store })
    }
}
