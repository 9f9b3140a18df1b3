//! Who is signed in, and which stores they may open. Every server function
//! that touches a store calls [`ssr::authorize_store`] with the store id it
//! was given: the session says who asks, `db::accounts` says what they may
//! see, and a store they may not open answers exactly like a missing one.

/// The session key holding the signed-in account's id.
pub const ACCOUNT_ID_KEY: &str = "account_id";

#[cfg(feature = "ssr")]
pub mod ssr {
    use db::accounts::Account;
    use tower_sessions::Session;

    use super::ACCOUNT_ID_KEY;
    use crate::{error::AppError, state::app_state};

    fn internal(error: impl std::fmt::Display) -> AppError {
        tracing::error!(%error, "session");
        AppError::Internal
    }

    /// The request's session (the session layer puts it there).
    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(internal)
    }

    /// The signed-in account, if any.
    pub async fn current_account() -> Result<Option<Account>, AppError> {
        let Some(id) = session()
            .await?
            .get::<i64>(ACCOUNT_ID_KEY)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        Ok(db::accounts::get_account(&app_state()?.db, id).await?)
    }

    /// The signed-in account, or 401.
    pub async fn require_account() -> Result<Account, AppError> {
        current_account().await?.ok_or(AppError::Unauthorized)
    }

    /// The signed-in account if it may open `store_id`; 401 when signed out,
    /// 404 (never 403: no hint that the store exists) otherwise.
    pub async fn authorize_store(store_id: i64) -> Result<Account, AppError> {
        let account = require_account().await?;
        if db::accounts::can_open_store(&app_state()?.db, &account, store_id).await? {
            Ok(account)
        } else {
            Err(AppError::NotFound)
        }
    }
}
