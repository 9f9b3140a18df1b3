//! Sessions, sign-in gating, cross-site request forgery and security headers:
//! the HTTP side of "nobody sees what is not theirs". Who may open which
//! store is decided in `app::auth` (server functions) and `db::accounts`.

pub mod csrf;
pub mod gate;
pub mod headers;
pub mod purge;
pub mod session_store;

use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::config::SecurityArgs;
pub use session_store::DbSessionStore;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "customers_session";

/// Sessions kept in the database, in an `HttpOnly`, `SameSite=Lax` cookie
/// that is `Secure` when the app is served over HTTPS, expiring after a week
/// without use and, however active, the session lifetime after sign-in.
pub fn session_layer(db: db::Db, security: &SecurityArgs) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore::new(db, security.session_lifetime()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(security.serves_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(7),
        ))
}
