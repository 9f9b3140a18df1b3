use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{error::AppError, model::Me};

/// Failed sign-ins allowed per account email, then per client address,
/// within [`THROTTLE_WINDOW_MS`].
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Signs in with email and password, then goes to `next` (a path of this
/// app; anything else goes home). An unknown email and a wrong password get
/// the same answer, in the same time.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use crate::{
        auth::{ACCOUNT_ID_KEY, ssr::session},
        state::app_state,
    };
    use db::{accounts, sign_in_throttle as throttle, time::now_ms};

    let db = app_state()?.db;
    let now = now_ms();
    let email_subject = format!("email:{}", email.trim().to_lowercase());
    let address_subject = format!("address:{}", client_address().await);
    let since = now - THROTTLE_WINDOW_MS;
    if throttle::failures_since(&db, &email_subject, since).await? >= MAX_FAILURES_PER_EMAIL
        || throttle::failures_since(&db, &address_subject, since).await? >= MAX_FAILURES_PER_ADDRESS
    {
        return Err(AppError::TooManyRequests);
    }

    let account = match accounts::find_for_sign_in(&db, &email).await? {
        Some((account, hash)) => accounts::verify_password(&password, &hash)
            .await
            .then_some(account),
        None => {
            accounts::verify_password(&password, accounts::decoy_hash().await).await;
            None
        }
    };
    let Some(account) = account else {
        throttle::record_failure(&db, &[&email_subject, &address_subject], now, since).await?;
        return Err(AppError::SignInFailed);
    };

    let session = session().await?;
    // A new session id on sign-in: a planted id is worth nothing.
    session.cycle_id().await.map_err(|_| AppError::Internal)?;
    session
        .insert(ACCOUNT_ID_KEY, account.id)
        .await
        .map_err(|_| AppError::Internal)?;
    throttle::clear(&db, &email_subject).await?;
    tracing::info!(account = account.id, "signed in");
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// Ends the session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::auth::ssr::session()
        .await?
        .flush()
        .await
        .map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in account and its stores, or `None`. One call serves the whole
/// top bar, so the layout holds a single resource.
#[server(endpoint = "who_am_i", input = GetUrl)]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    let Some(account) = crate::auth::ssr::current_account().await? else {
        return Ok(None);
    };
    let state = crate::state::app_state()?;
    let stores = db::accounts::stores_for(&state.db, &account, "").await?;
    Ok(Some(Me {
        email: account.email,
        is_admin: account.is_admin,
        stores: stores
            .into_iter()
            .map(crate::model::StoreSummary::from)
            .collect(),
    }))
}

/// Only a path of this app: `/x`, never `//host` or `https://host`.
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(feature = "ssr")]
async fn client_address() -> String {
    use axum::extract::ConnectInfo;
    leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/store/3"), "/store/3");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
