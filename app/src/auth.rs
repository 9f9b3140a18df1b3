//! Who is signed in, and what they may do in a store: the one check,
//! [`ssr::authorize`], against the one table of rights
//! ([`domain::access::Role::may`]). Server functions call it through
//! [`ssr::authorize_store`] with the store id they were given and the right
//! they exercise; the server's handlers through its `StoreAccess` extractor;
//! the page gate before rendering. A store the account may not open answers
//! exactly like a missing one (404); a right its role lacks answers 403.

use serde::{Deserialize, Serialize};

pub use domain::access::{Right, Role};

/// The session key holding [`SignedIn`].
pub const SIGNED_IN_KEY: &str = "signed_in";

/// What a session remembers of its sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account_id: i64,
    /// The account's session generation at sign-in: a password change bumps
    /// the account's, which ends this session.
    pub generation: i64,
    /// When (unix ms): the session store ends the session an absolute
    /// lifetime after it, however active it is.
    pub at_ms: i64,
    /// When the session was last seen in use, to the hour: refreshing it
    /// saves the session, which slides its idle expiry (and the cookie's)
    /// forward. Once an hour, so reads do not each write a session row.
    pub seen_at_ms: i64,
}

impl SignedIn {
    /// How stale `seen_at_ms` may get before a request refreshes it.
    pub const SEEN_RESOLUTION_MS: i64 = 60 * 60 * 1000;
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use db::accounts::Account;
    use tower_sessions::Session;

    use super::{Right, Role, SIGNED_IN_KEY, SignedIn};
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

    /// The account `session` is signed in as, if it still exists and its
    /// password has not changed since.
    pub async fn account_of(db: &db::Db, session: &Session) -> Result<Option<Account>, AppError> {
        let Some(signed_in) = session
            .get::<SignedIn>(SIGNED_IN_KEY)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let account = db::accounts::get_account(db, signed_in.account_id)
            .await?
            .filter(|account| account.session_generation == signed_in.generation);
        let now = db::time::now_ms();
        if account.is_some() && now - signed_in.seen_at_ms >= SignedIn::SEEN_RESOLUTION_MS {
            let seen = SignedIn {
                seen_at_ms: now,
                ..signed_in
            };
            session
                .insert(SIGNED_IN_KEY, seen)
                .await
                .map_err(internal)?;
        }
        Ok(account)
    }

    /// Remembers in `session` that `account` signed in now.
    pub async fn remember(session: &Session, account: &Account) -> Result<(), AppError> {
        let now = db::time::now_ms();
        let signed_in = SignedIn {
            account_id: account.id,
            generation: account.session_generation,
            at_ms: now,
            seen_at_ms: now,
        };
        session
            .insert(SIGNED_IN_KEY, signed_in)
            .await
            .map_err(internal)
    }

    /// An account's standing in one store, as [`authorize`] found it. Kept
    /// in the request's extensions by the page gate, so a handler of the same
    /// request does not ask the database again.
    #[derive(Clone, Debug)]
    pub struct Authorized {
        pub store_id: i64,
        pub account: Account,
        pub role: Role,
    }

    impl Authorized {
        /// 403 unless the role has `right` (the one table).
        pub fn require(&self, right: Right) -> Result<(), AppError> {
            if self.role.may(right) {
                Ok(())
            } else {
                tracing::info!(
                    account = self.account.id,
                    store = self.store_id,
                    ?right,
                    "refused"
                );
                Err(AppError::Forbidden)
            }
        }
    }

    /// The one check: the account `session` is signed in as, its role in
    /// `store_id`, and that the role has `right`. 401 when signed out; 404
    /// (never a hint that the store exists) when it may not open the store;
    /// 403 when it may open it but not do this.
    pub async fn authorize(
        db: &db::Db,
        session: &Session,
        store_id: i64,
        right: Right,
    ) -> Result<Authorized, AppError> {
        let account = account_of(db, session)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let role = db::accounts::role_in_store(db, &account, store_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let authorized = Authorized {
            store_id,
            account,
            role,
        };
        authorized.require(right)?;
        Ok(authorized)
    }

    /// The signed-in account, or 401.
    pub async fn require_account() -> Result<Account, AppError> {
        current_account().await?.ok_or(AppError::Unauthorized)
    }

    /// A right outside any one store ([`Right::AllStores`]): the signed-in
    /// account, if its platform role has it; 401 or 403 otherwise.
    pub async fn authorize_platform(right: Right) -> Result<Account, AppError> {
        let account = require_account().await?;
        let role = if account.is_admin {
            Role::PlatformAdmin
        } else {
            Role::Member
        };
        if role.may(right) {
            Ok(account)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// [`authorize`] for the server function being answered.
    pub async fn authorize_store(store_id: i64, right: Right) -> Result<Authorized, AppError> {
        authorize(&app_state()?.db, &session().await?, store_id, right).await
    }
}
