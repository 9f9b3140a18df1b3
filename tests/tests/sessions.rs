//! Sessions that end (issue 14): a password reset ends the account's
//! sessions at once, on every app server; a session ends its absolute
//! lifetime after sign-in however active it is; removing an account ends its
//! sessions; the purge forgets expired sessions and closed throttle windows.

use tests::{PASSWORD, TestApp, lookup};

#[tokio::test]
async fn a_password_reset_ends_the_accounts_sessions_everywhere() {
    let app = TestApp::spawn().await;
    let (store, _) = app
        .create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let ann = app.sign_in("ann@example.com").await;
    let other_server = app.serve_again().await;
    assert_eq!(
        ann.get(&format!("/api/store?store_id={store}")).await.0,
        200
    );

    // `server user add` with a new password (the CLI's reset).
    db::accounts::upsert_account(app.db(), "ann@example.com", "a brand new password", false)
        .await
        .unwrap();
    let (status, _) = ann.get(&format!("/api/store?store_id={store}")).await;
    assert_eq!(status, 401, "the old session cookie is worth nothing");
    let response = ann
        .client
        .get(format!("{other_server}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "nor on another app server");
    // Signing in with the new password works; the old one does not.
    let session = app.signed_out();
    let (status, _) = session.try_sign_in("ann@example.com", PASSWORD).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_removed_account_is_signed_out_at_once() {
    let app = TestApp::spawn().await;
    app.create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let ann = app.sign_in("ann@example.com").await;
    assert_eq!(ann.get("/api/who_am_i").await.0, 200);
    use clap::Parser;
    let argv = [
        "server",
        "--database-url",
        &app.database.url,
        "user",
        "remove",
        "--email",
        "ann@example.com",
    ];
    server::cli::run(server::config::Cli::try_parse_from(argv).unwrap())
        .await
        .unwrap();
    let (status, body) = ann.get("/api/who_am_i").await;
    assert_eq!((status, body.as_str()), (200, "null"), "signed out");
    assert_eq!(ann.get("/").await.0, 303);
}

/// Moves the sign-in (and the last use) of every stored session `days` into
/// the past, as if it had been made then.
async fn age_sessions(app: &TestApp, days: i64) {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, data FROM sessions")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for (id, mut data) in rows {
        // Edited as text: the record's id is a 128-bit number, which a
        // `serde_json::Value` would not keep exactly.
        for field in ["\"at_ms\":", "\"seen_at_ms\":"] {
            let (head, rest) = data.split_once(field).expect("a signed-in session");
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let aged = digits.parse::<i64>().unwrap() - days * 24 * 3600 * 1000;
            data = format!("{head}{field}{aged}{}", &rest[digits.len()..]);
        }
        sqlx::query("UPDATE sessions SET data = $1 WHERE id = $2")
            .bind(data)
            .bind(id)
            .execute(app.db().writer())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_session_ends_its_absolute_lifetime_after_sign_in() {
    let app = TestApp::spawn().await;
    let (store, _) = app
        .create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let ann = app.sign_in("ann@example.com").await;
    let path = format!("/api/store?store_id={store}");
    age_sessions(&app, 29).await;
    assert_eq!(
        ann.get(&path).await.0,
        200,
        "29 days after sign-in: still on"
    );
    // Use (at most hourly) slides the idle expiry forward, never past the
    // lifetime.
    let expires_at = lookup::scalar(app.db(), "SELECT MAX(expires_at) FROM sessions", &[]).await;
    let deadline = db::time::now_ms() + 24 * 3600 * 1000;
    assert!(
        expires_at <= deadline + 1000,
        "stored expiry {expires_at} beyond the lifetime {deadline}"
    );
    age_sessions(&app, 2).await;
    assert_eq!(ann.get(&path).await.0, 401, "31 days after sign-in: over");
}

#[tokio::test]
async fn the_purge_removes_expired_sessions_and_closed_throttle_windows() {
    let app = TestApp::spawn().await;
    app.create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let ann = app.sign_in("ann@example.com").await;
    let _bob_fails = app
        .signed_out()
        .try_sign_in("bob@example.com", "wrong password")
        .await;
    let now = db::time::now_ms();
    let db = app.db().clone();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move { lookup::scalar(&db, sql, &[]).await }
    };
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 1);
    assert!(count("SELECT COUNT(*) FROM sign_in_attempts").await >= 2);

    // Nothing is due yet.
    let purged = server::auth::purge::purge_once(app.db(), now)
        .await
        .unwrap();
    assert_eq!(purged.sessions, 0);
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 1);
    assert_eq!(ann.get("/api/who_am_i").await.0, 200);

    // A day past the window and eight days on (past the idle timeout).
    let later = now + 8 * 24 * 3600 * 1000;
    let purged = server::auth::purge::purge_once(app.db(), later)
        .await
        .unwrap();
    assert_eq!(purged.sessions, 1);
    assert!(purged.throttle_windows >= 2, "{purged:?}");
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM sign_in_attempts").await, 0);
}

/// Changing one's password on the account page ends the account's other
/// sessions at once and keeps this one; a wrong current password changes
/// nothing.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    let (store, _) = app
        .create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let here = app.sign_in("ann@example.com").await;
    let elsewhere = app.sign_in("ann@example.com").await;
    let path = format!("/api/store?store_id={store}");

    let (status, body) = here
        .post_form(
            "/api/account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("current_password"), "{body}");
    assert_eq!(elsewhere.get(&path).await.0, 200, "nothing changed");

    let (status, body) = here
        .post_form(
            "/api/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(here.get(&path).await.0, 200, "this session carries on");
    assert_eq!(elsewhere.get(&path).await.0, 401, "the other one has ended");
    let fresh = app.signed_out();
    let (status, _) = fresh.try_sign_in("ann@example.com", PASSWORD).await;
    assert_eq!(status, 401, "the old password no longer signs in");
}
