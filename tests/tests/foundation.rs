//! The skeleton: health, a server-rendered page backed by the database, a
//! server function, safe errors and migrations that stop the server.
//! Runs on SQLite, and on Postgres with TEST_DATABASE=postgres.

use tests::{Session, TestApp, TestDatabase};

/// Three stores and a signed-in platform admin, who sees them all.
async fn seed_stores(app: &TestApp) -> Session {
    for name in ["Alpha Academy", "Beta Books", "Gamma Guitar"] {
        db::stores::create_store(app.db(), name, "USD")
            .await
            .unwrap();
    }
    app.create_account("admin@example.com", true).await;
    app.sign_in("admin@example.com").await
}

#[tokio::test]
async fn healthz_answers_200_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""status":"ok""#), "{body}");
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_does_not() {
    let app = TestApp::spawn().await;
    app.db().close().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 503);
    assert!(body.contains("unavailable"), "{body}");
}

#[tokio::test]
async fn the_home_page_is_rendered_on_the_server_from_the_database() {
    let app = TestApp::spawn().await;
    let admin = seed_stores(&app).await;

    let (status, html) = admin.get("/").await;
    assert_eq!(status, 200);
    for name in ["Alpha Academy", "Beta Books", "Gamma Guitar"] {
        assert!(html.contains(name), "{name} missing from {html}");
    }
    assert!(html.contains("3 stores"), "{html}");
    // The hydration script is there for the browser to take over.
    assert!(html.contains("/pkg/customers.js"), "{html}");
}

#[tokio::test]
async fn the_filter_in_the_url_is_rendered_on_the_server() {
    let app = TestApp::spawn().await;
    let admin = seed_stores(&app).await;

    // Case-insensitive on both databases.
    let (status, html) = admin.get("/?q=BET").await;
    assert_eq!(status, 200);
    assert!(html.contains("Beta Books"), "{html}");
    assert_eq!(html.matches(r#"class="store-card""#).count(), 1, "{html}");
    assert!(html.contains("1 store<"), "{html}");

    // LIKE wildcards in the query are taken literally.
    let (_, html) = admin.get("/?q=%25").await;
    assert!(html.contains("No stores match"), "{html}");
}

#[tokio::test]
async fn the_store_list_server_function_answers_json() {
    let app = TestApp::spawn().await;
    let admin = seed_stores(&app).await;

    let response = admin
        .client
        .get(admin.url("/api/stores?filter=gam"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let stores: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0]["name"], "Gamma Guitar");
    assert_eq!(stores[0]["currency"], "USD");
}

#[tokio::test]
async fn invalid_input_names_the_field() {
    let app = TestApp::spawn().await;
    let admin = seed_stores(&app).await;
    let long = "x".repeat(201);
    let response = admin
        .client
        .get(admin.url(&format!("/api/stores?filter={long}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("filter"), "{body}");
    assert!(body.contains("at most 200"), "{body}");
}

#[tokio::test]
async fn database_errors_never_reach_the_browser() {
    let app = TestApp::spawn().await;
    let admin = seed_stores(&app).await;
    app.db().close().await;

    for path in ["/api/stores?filter=a", "/", "/api/who_am_i"] {
        let (status, body) = admin.get(path).await;
        assert!(status >= 500, "{path}: {status}");
        for leak in ["sqlx", "pool", "SELECT", "closed", "stores", "session"] {
            assert!(!body.contains(leak), "{path}: {leak:?} leaked in {body}");
        }
    }
}

#[tokio::test]
async fn unknown_pages_answer_404() {
    let app = TestApp::spawn().await;
    let admin = seed_stores(&app).await;
    let (status, html) = admin.get("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"), "{html}");
}

#[tokio::test]
async fn a_schema_the_server_does_not_know_stops_it() {
    let database = TestDatabase::new().await;
    // A migration applied by some other (newer) build that this one lacks.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(99_999_999_i64)
    .bind("from the future")
    .bind(true)
    .bind(vec![0_u8; 48])
    .bind(1_i64)
    .execute(database.db.writer())
    .await
    .unwrap();

    let args = server::config::DatabaseArgs {
        database_url: database.url.clone(),
        db_max_connections: 2,
        db_acquire_timeout_secs: 5,
    };
    let error = server::cli::open(&args)
        .await
        .expect_err("must refuse to start");
    let message = format!("{error:#}");
    assert!(message.contains("could not migrate"), "{message}");
    assert!(message.contains("99999999"), "{message}");
}

#[tokio::test]
async fn an_unreachable_database_stops_the_server_with_a_clear_message() {
    let args = server::config::DatabaseArgs {
        database_url: "mysql://nope".into(),
        db_max_connections: 1,
        db_acquire_timeout_secs: 1,
    };
    let message = format!("{:#}", server::cli::open(&args).await.unwrap_err());
    assert!(message.contains("DATABASE_URL"), "{message}");
}
