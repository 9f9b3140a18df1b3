//! Who is signed in, and which stores they may open: the one check,
//! [`ssr::authorize`]. Server functions call it through
//! [`ssr::authorize_store`] with the store id they were given; the server's
//! handlers through its `StoreAccess` extractor; the page gate before
//! rendering. The session says who asks, `db::accounts` says what they may
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
        account_of(&app_state()?.db, &session().await?).await
    }

    /// The account `session` is signed in as, if any.
    pub async fn account_of(db: &db::Db, session: &Session) -> Result<Option<Account>, AppError> {
        let Some(id) = session.get::<i64>(ACCOUNT_ID_KEY).await.map_err(internal)? else {
            return Ok(None);
        };
        Ok(db::accounts::get_account(db, id).await?)
    }

    /// The one check: the account `session` is signed in as, if it may open
    /// `store_id`; 401 when signed out, 404 (never 403: no hint that the
    /// store exists) otherwise.
    pub async fn authorize(
        db: &db::Db,
        session: &Session,
        store_id: i64,
    ) -> Result<Account, AppError> {
        let account = account_of(db, session)
            .await?
            .ok_or(AppError::Unauthorized)?;
        if db::accounts::can_open_store(db, &account, store_id).await? {
            Ok(account)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The signed-in account, or 401.
    pub async fn require_account() -> Result<Account, AppError> {
        current_account().await?.ok_or(AppError::Unauthorized)
    }

    /// What [`authorize`] answered for a request, kept in its extensions
    /// (the page gate puts it there) so a handler of the same request does
    /// not ask the database again.
    #[derive(Clone, Debug)]
    pub struct Authorized {
        pub store_id: i64,
        pub account: Account,
    }

    /// [`authorize`] for the server function being answered.
    pub async fn authorize_store(store_id: i64) -> Result<Account, AppError> {
        authorize(&app_state()?.db, &session().await?, store_id).await
    }
}
