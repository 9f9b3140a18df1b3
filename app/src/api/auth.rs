use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{error::AppError, model::Me};

/// Sign-in attempts allowed per account email (until one succeeds), and
/// failed ones per client address, within [`THROTTLE_WINDOW_MS`]. Each
/// attempt is counted before its password is checked.
pub const MAX_ATTEMPTS_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Signs in with email and password, then goes to `next` (a path of this
/// app; anything else goes home). An unknown email and a wrong password get
/// the same answer, in the same time.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use crate::{auth::ssr, state::app_state};
    use db::{accounts, sign_in_throttle as throttle, time::now_ms};

    let db = app_state()?.db;
    let now = now_ms();
    let email_subject = format!("email:{}", email.trim().to_lowercase());
    let address_subject = format!("address:{}", client_address().await);
    // Counted first, atomically: of a burst of parallel attempts only the
    // first few ever reach the password check.
    let by_email = throttle::count_attempt(&db, &email_subject, now, THROTTLE_WINDOW_MS).await?;
    let by_address =
        throttle::count_attempt(&db, &address_subject, now, THROTTLE_WINDOW_MS).await?;
    if by_email > MAX_ATTEMPTS_PER_EMAIL || by_address > MAX_FAILURES_PER_ADDRESS {
        return Err(AppError::TooManyRequests);
    }

    // The password check runs on a bounded pool (`db::accounts`): when it is
    // full for too long the answer is 429, never unbounded memory.
    let account = match accounts::find_for_sign_in(&db, &email).await? {
        Some((account, hash)) => accounts::verify_password(&password, &hash)
            .await?
            .then_some(account),
        None => {
            accounts::verify_password(&password, accounts::decoy_hash().await).await?;
            None
        }
    };
    let Some(account) = account else {
        return Err(AppError::SignInFailed);
    };

    let session = ssr::session().await?;
    // A new session id on sign-in: a planted id is worth nothing.
    session.cycle_id().await.map_err(|_| AppError::Internal)?;
    ssr::remember(&session, &account).await?;
    throttle::clear(&db, &email_subject).await?;
    throttle::uncount_attempt(&db, &address_subject).await?;
    tracing::info!(account = account.id, "signed in");
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// Changes the signed-in account's password, after checking the current one
/// (counted like a sign-in attempt, so this cannot be used to guess it).
/// Every other session of the account ends; this one carries on under a new
/// id.
#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::{auth::ssr, state::app_state};
    use db::{accounts, sign_in_throttle as throttle, time::now_ms};

    let account = ssr::require_account().await?;
    let db = app_state()?.db;
    let subject = format!("email:{}", account.email.trim().to_lowercase());
    if throttle::count_attempt(&db, &subject, now_ms(), THROTTLE_WINDOW_MS).await?
        > MAX_ATTEMPTS_PER_EMAIL
    {
        return Err(AppError::TooManyRequests);
    }
    let (_, hash) = accounts::find_for_sign_in(&db, &account.email)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !accounts::verify_password(&current_password, &hash).await? {
        return Err(AppError::Invalid {
            field: "current_password".into(),
            message: "is not your current password".into(),
        });
    }
    let account = accounts::set_password(&db, account.id, &new_password).await?;
    throttle::clear(&db, &subject).await?;
    let session = ssr::session().await?;
    session.cycle_id().await.map_err(|_| AppError::Internal)?;
    ssr::remember(&session, &account).await?;
    tracing::info!(
        account = account.id,
        "password changed; other sessions ended"
    );
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

/// `next` if, read by a browser's own URL rules (the WHATWG parser: tabs
/// and newlines dropped, backslashes as slashes, `..` resolved), it is a
/// path of this app; `/` otherwise. Answers the path as the parser
/// serialised it, so what the browser follows is what was checked.
#[cfg(feature = "ssr")]
pub fn safe_next(next: &str) -> String {
    const HERE: &str = "http://this.app.invalid/";
    let base = url::Url::parse(HERE).expect("a valid base");
    let same_origin = |target: &url::Url| target.origin() == base.origin();
    match base.join(next) {
        // Only a path (`/x`): never a scheme, never `//host` (which the
        // parser accepts as another host), and never a path that itself
        // starts with `//`, which a browser would read as a host when it
        // follows the answer's `Location`.
        Ok(target)
            if next.trim_start_matches(|c: char| c <= ' ').starts_with('/')
                && same_origin(&target)
                && !target.path().starts_with("//") =>
        {
            target[url::Position::BeforePath..].to_string()
        }
        _ => "/".to_string(),
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/store/3"), "/store/3");
        assert_eq!(
            safe_next("/store/3/customers?q=a%20b&type=lead"),
            "/store/3/customers?q=a%20b&type=lead"
        );
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/.//evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
