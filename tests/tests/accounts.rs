//! Accounts, store ownership and security: nobody sees what is not theirs.
//! Runs on SQLite, and on Postgres with TEST_DATABASE=postgres.

use reqwest::header::{ORIGIN, SET_COOKIE};
use tests::{PASSWORD, TestApp};

/// Two owners with a store each, and a platform admin.
struct Tenants {
    app: TestApp,
    store_a: i64,
    store_b: i64,
}

async fn tenants() -> Tenants {
    let app = TestApp::spawn().await;
    let (store_a, _) = app
        .create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let (store_b, _) = app
        .create_owned_store("Bob's Books", "bob@example.com")
        .await;
    app.create_account("root@example.com", true).await;
    Tenants {
        app,
        store_a,
        store_b,
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let Tenants { app, store_a, .. } = tenants().await;
    for path in ["/", &format!("/store/{store_a}")] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        let location = response.headers()["location"].to_str().unwrap();
        assert_eq!(location, format!("/login?next={path}"));
    }
    let (status, html) = app.get("/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sign in"), "{html}");
    // Server functions answer 401 rather than redirecting.
    let (status, _) = app.get(&format!("/api/store?store_id={store_a}")).await;
    assert_eq!(status, 401);
    let (status, _) = app.get("/api/stores?filter=").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn owners_see_only_their_stores_and_admins_see_all() {
    let Tenants {
        app,
        store_a,
        store_b,
    } = tenants().await;
    let ann = app.sign_in("ann@example.com").await;
    // One store: `/` goes straight to its customers (issue 15).
    let response = ann.client.get(ann.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/store/{store_a}/customers").as_str()
    );
    // The stores page itself still lists just that one.
    let (status, html) = ann.get("/?q=").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ann&#x27;s Academy") || html.contains("Ann's Academy"),
        "{html}"
    );
    assert!(!html.contains("Bob"), "{html}");

    let (_, json) = ann.get("/api/stores?filter=").await;
    let stores: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0]["id"], store_a);

    let root = app.sign_in("root@example.com").await;
    // The platform's admin chooses among every store: no redirect.
    let (status, _) = root.get("/").await;
    assert_eq!(status, 200);
    let (_, json) = root.get("/api/stores?filter=").await;
    let stores: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(stores.len(), 2);
    for store in [store_a, store_b] {
        let (status, html) = root.get(&format!("/store/{store}")).await;
        assert_eq!(status, 200, "admin opens store {store}");
        assert!(html.contains("data-testid=\"store-name\""), "{html}");
    }
}

/// Every read of a store by the owner of another answers exactly like a store
/// that does not exist, and leaks nothing of it.
#[tokio::test]
async fn the_tenant_matrix_refuses_every_foreign_read() {
    let Tenants {
        app,
        store_a,
        store_b,
    } = tenants().await;
    let missing = store_a.max(store_b) + 1000;
    for (who, own, foreign, foreign_name) in [
        ("ann@example.com", store_a, store_b, "Bob"),
        ("bob@example.com", store_b, store_a, "Ann"),
    ] {
        let session = app.sign_in(who).await;
        let (status, _) = session.get(&format!("/api/store?store_id={own}")).await;
        assert_eq!(status, 200, "{who} opens their own store");

        let (status_missing, body_missing) =
            session.get(&format!("/api/store?store_id={missing}")).await;
        let (status, body) = session.get(&format!("/api/store?store_id={foreign}")).await;
        assert_eq!(status, 404, "{who} reading store {foreign}");
        assert_eq!(
            (status, &body),
            (status_missing, &body_missing),
            "same as missing"
        );

        let (status, html) = session.get(&format!("/store/{foreign}")).await;
        assert_eq!(status, 404, "{who} opening the page of store {foreign}");
        assert!(!html.contains(foreign_name), "{html}");

        for path in [
            "/",
            "/api/stores?filter=",
            "/api/stores?filter=o",
            "/api/who_am_i",
        ] {
            let (_, body) = session.get(path).await;
            assert!(!body.contains(foreign_name), "{who} {path}: {body}");
        }
        // The top bar's store switcher lists the account's own store.
        let (_, me) = session.get("/api/who_am_i").await;
        assert!(me.contains(&format!("\"id\":{own}")), "{who}: {me}");
    }
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused_and_change_nothing() {
    let Tenants { app, store_a, .. } = tenants().await;
    let ann = app.sign_in("ann@example.com").await;

    // Every state-changing endpoint, with every way a request can fail to
    // prove it comes from this app.
    let store_field = store_a.to_string();
    let endpoints: [(&str, Vec<(&str, &str)>); 3] = [
        ("/api/sign_out", vec![]),
        (
            "/api/sign_in",
            vec![
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        ),
        (
            "/api/start_backfill",
            vec![("store_id", store_field.as_str())],
        ),
    ];
    let bad_headers: [Vec<(&str, &str)>; 5] = [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "http://evil.example"),
        ],
        vec![],
    ];
    for (path, form) in &endpoints {
        for headers in &bad_headers {
            let mut request = ann.client.post(ann.url(path)).form(form);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} with {headers:?}");
        }
    }
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM backfill_runs")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(runs, 0, "no backfill was started");
    // Still signed in: the sign-outs never ran.
    let (status, _) = ann.get("/?q=").await;
    assert_eq!(status, 200);

    // The same request from the app's own origin works.
    let response = ann
        .client
        .post(ann.url("/api/sign_out"))
        .header(ORIGIN, &ann.address)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let (status, _) = ann.get("/?q=").await;
    assert_eq!(status, 303, "signed out");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let Tenants { app, .. } = tenants().await;
    let session = app.signed_out();
    let wrong_password = session
        .post_form(
            "/api/sign_in",
            &[
                ("email", "ann@example.com"),
                ("password", "not the password"),
                ("next", "/"),
            ],
        )
        .await;
    let unknown_email = session
        .post_form(
            "/api/sign_in",
            &[
                ("email", "nobody@example.com"),
                ("password", "not the password"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(wrong_password.0, 401);
    assert_eq!(wrong_password, unknown_email);
    assert!(
        wrong_password.1.contains("SignInFailed"),
        "{}",
        wrong_password.1
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_account() {
    let Tenants { app, .. } = tenants().await;
    let session = app.signed_out();
    let wrong = [
        ("email", "ann@example.com"),
        ("password", "wrong password"),
        ("next", "/"),
    ];
    for attempt in 1..=app::api::MAX_ATTEMPTS_PER_EMAIL {
        let (status, _) = session.post_form("/api/sign_in", &wrong).await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    // Now even the right password is refused for a while.
    let right = [
        ("email", "ann@example.com"),
        ("password", PASSWORD),
        ("next", "/"),
    ];
    let (status, body) = session.post_form("/api/sign_in", &right).await;
    assert_eq!(status, 429, "{body}");
    // Another account is not affected.
    let (status, _) = session
        .post_form(
            "/api/sign_in",
            &[
                ("email", "bob@example.com"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert!((200..400).contains(&status), "{status}");
}

#[tokio::test]
async fn sign_in_is_throttled_per_address() {
    let Tenants { app, .. } = tenants().await;
    let session = app.signed_out();
    // Spread over many emails so no single account hits its own limit.
    for attempt in 0..app::api::MAX_FAILURES_PER_ADDRESS {
        let email = format!("guess{attempt}@example.com");
        let (status, _) = session
            .post_form(
                "/api/sign_in",
                &[("email", &email), ("password", "x"), ("next", "/")],
            )
            .await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    let (status, _) = session
        .post_form(
            "/api/sign_in",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id() {
    let Tenants { app, .. } = tenants().await;
    let hashes: Vec<String> = sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert_eq!(hashes.len(), 3);
    for hash in hashes {
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains(PASSWORD));
    }
}

#[tokio::test]
async fn the_session_cookie_is_httponly_lax_and_rotated_on_sign_in() {
    let Tenants { app, .. } = tenants().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |cookie: Option<String>| {
        let mut request = client
            .post(app.url("/api/sign_in"))
            .header(ORIGIN, &app.address)
            .form(&[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "/"),
            ]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let first = sign_in(None).await.unwrap();
    let set_cookie = first.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("customers_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    let first_cookie = set_cookie.split(';').next().unwrap().to_string();

    let second = sign_in(Some(first_cookie.clone())).await.unwrap();
    let second_cookie = second.headers()[SET_COOKIE].to_str().unwrap();
    let second_cookie = second_cookie.split(';').next().unwrap().to_string();
    assert_ne!(
        first_cookie, second_cookie,
        "the session id must change on sign-in"
    );

    // The old id no longer opens anything.
    let response = client
        .get(app.url("/"))
        .header("cookie", &first_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn the_session_cookie_is_secure_over_https() {
    let database = tests::TestDatabase::new().await;
    let app = TestApp::spawn_with_origin(database, Some("https://customers.example")).await;
    app.create_account("ann@example.com", false).await;
    let response = app
        .client
        .post(app.url("/api/sign_in"))
        .header(ORIGIN, "https://customers.example")
        .form(&[
            ("email", "ann@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

#[tokio::test]
async fn sessions_live_in_the_database_and_survive_a_restart() {
    let Tenants { app, .. } = tenants().await;
    let ann = app.sign_in("ann@example.com").await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(count, 1);
    // A second app server on the same database knows the session (the cookie
    // jar sends it: cookies are per host, not per port).
    let other = app.serve_again().await;
    let response = ann.client.get(format!("{other}/?q=")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

/// Every page, routed or rendered whole by the server (the import, the 404
/// of a store the account may not open, an unknown address), comes from the
/// one shell: its stylesheet, its top bar, and a policy whose nonce every
/// inline script carries.
#[tokio::test]
async fn every_page_carries_the_shell_the_security_headers_and_a_nonce() {
    let Tenants {
        app,
        store_a,
        store_b,
    } = tenants().await;
    let ann = app.sign_in("ann@example.com").await;
    let pages = [
        ("/?q=".to_string(), 200, true),
        (format!("/store/{store_a}/customers"), 200, true),
        (format!("/store/{store_a}/import"), 200, false),
        (format!("/store/{store_b}/customers"), 404, false),
        ("/no/such/page".to_string(), 404, true),
    ];
    for (path, status, hydrates) in pages {
        let response = ann.client.get(ann.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let headers = response.headers().clone();
        let html = response.text().await.unwrap();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("style-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce in the policy");
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}: {html}");
        assert!(
            html.contains(&format!(
                "<link rel=\"stylesheet\" id=\"leptos\" href=\"{}\"",
                app.stylesheet()
            )),
            "{path}: no stylesheet in {html}"
        );
        assert!(
            html.contains("data-testid=\"account-email\"") && html.contains(">ann@example.com</a>"),
            "{path}: no top bar in {html}"
        );
        // Routed pages hydrate; pages the server renders whole load no WASM,
        // so they leave out the store switcher, which needs it.
        assert_eq!(html.contains("hydrate()"), hydrates, "{path}: {html}");
        assert_eq!(html.contains("store-switcher"), hydrates, "{path}: {html}");
        if hydrates {
            assert!(
                html.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: {html}"
            );
        }
        // Every inline script carries the nonce.
        for script in html.split("<script").skip(1) {
            let tag = script.split('>').next().unwrap();
            assert!(
                tag.contains("src=") || tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: inline script without the nonce: <script{tag}>"
            );
        }
    }

    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
}

#[tokio::test]
async fn markup_in_names_renders_as_text() {
    let app = TestApp::spawn().await;
    let hostile = r#"</title><script>alert(1)</script>"><img src=x onerror=alert(2)></textarea>"#;
    let (store, _) = app.create_owned_store(hostile, "ann@example.com").await;
    let ann = app.sign_in("ann@example.com").await;
    for path in ["/?q=".to_string(), format!("/store/{store}")] {
        let (status, html) = ann.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert(1)"), "{path}: {html}");
        assert!(!html.contains("<img src=x"), "{path}: {html}");
        // The page title too, when it is ready for the first chunk
        // (leptos_meta writes it into the HTML as is).
        assert!(html.matches("</title>").count() <= 1, "{path}: {html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: {html}"
        );
    }
}

#[tokio::test]
async fn the_user_add_command_creates_admins_and_owners() {
    let app = TestApp::spawn().await;
    let store = db::stores::create_store(app.db(), "Cli Store", "USD")
        .await
        .unwrap();
    let args = |extra: &[&str]| {
        let mut args = vec!["server", "--database-url", &app.database.url, "user", "add"];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    use clap::Parser;
    let store_arg = store.to_string();
    for argv in [
        args(&[
            "--email",
            "Boss@Example.com",
            "--password",
            PASSWORD,
            "--admin",
        ]),
        args(&[
            "--email",
            "owner@example.com",
            "--password",
            PASSWORD,
            "--owner-of",
            &store_arg,
        ]),
    ] {
        server::cli::run(server::config::Cli::try_parse_from(argv).unwrap())
            .await
            .unwrap();
    }
    let boss = app.sign_in("boss@example.com").await;
    let (_, me) = boss.get("/api/who_am_i").await;
    assert!(me.contains(r#""is_admin":true"#), "{me}");
    let owner = app.sign_in("owner@example.com").await;
    let (status, _) = owner.get(&format!("/api/store?store_id={store}")).await;
    assert_eq!(status, 200);

    let too_short = args(&["--email", "x@example.com", "--password", "short"]);
    let error = server::cli::run(server::config::Cli::try_parse_from(too_short).unwrap())
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("password"), "{error:#}");
}

#[tokio::test]
async fn the_demo_seed_creates_an_admin_and_an_owner_who_can_sign_in() {
    let app = TestApp::spawn().await;
    let (store, accounts) = server::cli::seed_demo_if_empty(app.db())
        .await
        .unwrap()
        .expect("an empty database gets the demo");
    assert!(
        server::cli::seed_demo_if_empty(app.db())
            .await
            .unwrap()
            .is_none(),
        "only once"
    );
    // The demo store has a segment to open, and it holds its inactive leads.
    let segments = db::segments::list(app.db(), store.id).await.unwrap();
    assert_eq!(segments.len(), 1);
    let members = db::segments::count(
        app.db(),
        store.id,
        &segments[0].definition,
        db::time::now_ms(),
    )
    .await
    .unwrap();
    assert!(
        members.total > 0 && members.total == members.by_type.lead,
        "{members:?}"
    );
    let other = db::stores::create_store(app.db(), "Someone Else's", "USD")
        .await
        .unwrap();

    let sign_in = |(email, password): (String, String)| {
        let session = tests::Session {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            address: app.address.clone(),
        };
        async move {
            let (status, body) = session
                .post_form(
                    "/api/sign_in",
                    &[("email", &email), ("password", &password), ("next", "/")],
                )
                .await;
            assert!((200..400).contains(&status), "{email}: {status} {body}");
            session
        }
    };
    let owner = sign_in(accounts.owner.clone()).await;
    let (status, _) = owner.get(&format!("/store/{}", store.id)).await;
    assert_eq!(status, 200);
    let (status, _) = owner.get(&format!("/store/{other}")).await;
    assert_eq!(status, 404);

    let admin = sign_in(accounts.admin.clone()).await;
    let (status, _) = admin.get(&format!("/store/{other}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn markup_in_customer_and_course_names_renders_as_text_on_the_customers_page() {
    use tests::events as ev;
    let app = TestApp::spawn().await;
    let (store, _) = app
        .create_owned_store("Plain Store", "ann@example.com")
        .await;
    let hostile = r#"<script>alert(1)</script>"><img src=x onerror=alert(2)></textarea>"#;
    let now = db::time::now_ms();
    ev::apply(
        app.db(),
        store,
        &ev::course("c1", now, "course-1", hostile, 0),
    )
    .await;
    let user = ev::user("u1", Some("ann.customer@example.com"), Some(hostile));
    ev::apply(
        app.db(),
        store,
        &ev::enrollment("e1", now, user, "course-1"),
    )
    .await;

    let ann = app.sign_in("ann@example.com").await;
    let (status, html) = ann.get(&format!("/store/{store}/customers")).await;
    assert_eq!(status, 200);
    assert!(html.contains("ann.customer@example.com"), "{html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("</textarea>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}
