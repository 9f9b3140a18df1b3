//! The customer detail page, tags, bulk tagging, contacts import and erasure
//! through the real server: the server renders the page; its server
//! functions change only the signed-in account's own stores (another
//! store's customer answers 404 and nothing is written); the JSON export
//! holds the customer's data.

use db::events::Event;
use serde_json::Value;
use tests::lookup::customer_by_email;
use tests::{
    Session, TestApp,
    events::{T0, course, enrollment, product, purchase, user},
};

/// Ann's store with three customers and Bob's store with one.
async fn stores(app: &TestApp) -> (i64, i64) {
    let (alpha, _) = app
        .create_owned_store("Alpha Academy", "ann@example.com")
        .await;
    let (beta, _) = app
        .create_owned_store("Beta Books", "bob@example.com")
        .await;
    let events: Vec<Event> = vec![
        course("c-ev", T0, "c1", "Zebra Taming", 5_000),
        product("d-ev", T0, "d1", "Kiln Workbook", 1_500),
        enrollment(
            "e1",
            T0,
            user("u1", Some("alice@example.com"), Some("Alice Zeta")),
            "c1",
        ),
        purchase(
            "p1",
            T0 + 1_000,
            user("u1", Some("alice@example.com"), Some("Alice Zeta")),
            "pur1",
            "d1",
            1_500,
            "USD",
        ),
        enrollment(
            "e2",
            T0,
            user("u2", Some("bert@example.com"), Some("Bert Brown")),
            "c1",
        ),
        enrollment(
            "e3",
            T0,
            user("u3", Some("cleo@example.com"), Some("Cleo Cole")),
            "c1",
        ),
    ];
    db::facts::apply_batch(app.db(), alpha, &events)
        .await
        .unwrap();
    db::facts::apply_batch(
        app.db(),
        beta,
        &[enrollment(
            "b1",
            T0,
            user("bu1", Some("zed@example.com"), Some("Zed Zulu")),
            "c9",
        )],
    )
    .await
    .unwrap();
    (alpha, beta)
}

async fn page(session: &Session, store: i64, customer: i64) -> (u16, Value) {
    let (status, body) = session
        .get(&format!(
            "/api/customer/data?store_id={store}&customer_id={customer}"
        ))
        .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn count(app: &TestApp, sql: &str, store: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(store)
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn notes_tags_timeline_and_value_on_the_detail_page() {
    let app = TestApp::spawn().await;
    let (alpha, _) = stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;
    let alice = customer_by_email(app.db(), alpha, "alice@example.com").await;
    let (a, c) = (alpha.to_string(), alice.to_string());
    let ids = [("store_id", a.as_str()), ("customer_id", c.as_str())];

    let form = |extra: &[(&'static str, &'static str)]| {
        let mut form = ids.to_vec();
        form.extend_from_slice(extra);
        form
    };
    let (status, body) = ann
        .post_form(
            "/api/customer/note/add",
            &form(&[("body", "Asked about a refund, \"maybe\"")]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The form carries the list the page was opened from; the page it
    // comes back to still leads back to that list (issue 15).
    // (A browser's form post: it asks for HTML and is sent back, 302.)
    let response = ann
        .client
        .post(ann.url("/api/customer/tag/add"))
        .header("origin", &ann.address)
        .header("accept", "text/html")
        .form(&form(&[("tag", "VIP"), ("list", "?q=ali&type=paying")]))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("/store/{alpha}/customers/{alice}?list=%3Fq%3Dali%26type%3Dpaying")
    );
    let (_, body) = ann.get(&location).await;
    let back = format!("href=\"/store/{alpha}/customers?q=ali&amp;type=paying\"");
    assert!(
        body.contains(&back),
        "the way back keeps the list's query: {body}"
    );

    let (status, view) = page(&ann, alpha, alice).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["email"], "alice@example.com");
    assert_eq!(view["kind"], "paying");
    assert_eq!(view["tags"], serde_json::json!(["VIP"]));
    assert_eq!(view["notes"][0]["body"], "Asked about a refund, \"maybe\"");
    assert_eq!(view["notes"][0]["author"], "ann@example.com");
    assert_eq!(view["value"][0]["net_cents"], 1_500);
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Newest first: the owner's tag and note (now), the purchase, the
    // enrollment.
    assert_eq!(kinds, ["tag_added", "note_added", "purchased", "enrolled"]);

    // Edit, then delete, the note.
    let note = view["notes"][0]["id"].as_i64().unwrap().to_string();
    let mut edit = form(&[("body", "Refund done")]);
    edit.push(("note_id", note.as_str()));
    let (status, body) = ann.post_form("/api/customer/note/edit", &edit).await;
    assert_eq!(status, 200, "{body}");
    let (_, view) = page(&ann, alpha, alice).await;
    assert_eq!(view["notes"][0]["body"], "Refund done");
    assert!(view["notes"][0]["edited_at"].is_i64());
    let mut delete = ids.to_vec();
    delete.push(("note_id", note.as_str()));
    let (status, _) = ann.post_form("/api/customer/note/delete", &delete).await;
    assert_eq!(status, 200);
    let (_, view) = page(&ann, alpha, alice).await;
    assert_eq!(view["notes"], serde_json::json!([]));

    // The tag filters the list, by name in any case; removing it empties it.
    let tagged = format!("/api/customers/search?store_id={alpha}&filter%5Btag%5D=vip");
    let (status, body) = ann.get(&tagged).await;
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["rows"][0]["email"], "alice@example.com");
    let (status, _) = ann
        .post_form("/api/customer/tag/remove", &form(&[("tag", "vip")]))
        .await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&ann.get(&tagged).await.1).unwrap();
    assert_eq!(list["total"], 0);

    // The server renders the page itself, with the stats card's value.
    let (status, html) = ann.get(&format!("/store/{alpha}/customers/{alice}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Alice Zeta") && html.contains("Lifetime value"));
    let (_, html) = ann.get(&format!("/store/{alpha}/customers")).await;
    let at = html.find("stat-ltv").expect("lifetime value card");
    assert!(
        html[at..at + 40].contains("$15.00"),
        "{}",
        &html[at..at + 40]
    );

    // A bad tag is a 400 naming the field, and nothing is written.
    let long = "x".repeat(51);
    let mut bad = ids.to_vec();
    bad.push(("tag", long.as_str()));
    let (status, body) = ann.post_form("/api/customer/tag/add", &bad).await;
    assert_eq!(status, 400);
    assert!(body.contains("tag"), "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customer_tags WHERE store_id = $1",
            alpha
        )
        .await,
        0
    );
}

#[tokio::test]
async fn bulk_tagging_tags_the_whole_filtered_set() {
    let app = TestApp::spawn().await;
    let (alpha, beta) = stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;
    let a = alpha.to_string();
    // "Zebra" matches the course title every customer of Alpha has; the
    // type filter leaves the two leads.
    let (status, body) = ann
        .post_form(
            "/api/customers/tag",
            &[
                ("store_id", a.as_str()),
                ("filter[q]", "zebra"),
                ("filter[type]", "lead"),
                ("tag", "Cohort 1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.trim(), "2");
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT c.email FROM customers c \
         JOIN identities i ON i.store_id = c.store_id AND i.customer_id = c.id \
         JOIN customer_tags ct ON ct.store_id = i.store_id AND ct.identity_id = i.id \
         WHERE c.store_id = $1 ORDER BY c.email",
    )
    .bind(alpha)
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    assert_eq!(emails, ["bert@example.com", "cleo@example.com"]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customer_tags WHERE store_id = $1",
            beta
        )
        .await,
        0
    );
}

#[tokio::test]
async fn contacts_import_previews_then_creates_leads_without_duplicates() {
    let app = TestApp::spawn().await;
    let (alpha, _) = stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;
    let a = alpha.to_string();
    let csv = "Full name,E-mail,Tags\n\
               \"Dana, the Potter\",dana@example.com,clay;newsletter\n\
               Alice Again,ALICE@example.com,vip\n\
               Broken,not-an-email,\n\
               Dana Dup,Dana@Example.com,\n\
               \"Line\nBreak\",eve@example.com,\n";
    let form = [
        ("store_id", a.as_str()),
        ("file_name", "contacts.csv"),
        ("csv", csv),
    ];
    let (status, body) = ann.post_form("/api/customers/import/preview", &form).await;
    assert_eq!(status, 200, "{body}");
    let preview: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(preview["total_rows"], 5);
    assert_eq!(preview["rows"][0]["name"], "Dana, the Potter");
    assert!(preview["rows"][2]["error"].is_string(), "{preview}");
    let before = count(
        &app,
        "SELECT COUNT(*) FROM customers WHERE store_id = $1",
        alpha,
    )
    .await;
    assert_eq!(before, 3, "the preview writes nothing");

    let (status, body) = ann.post_form("/api/customers/import", &form).await;
    assert_eq!(status, 200, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["created"], 2, "{result}");
    assert_eq!(result["updated"], 1, "{result}");
    assert_eq!(result["rejected"].as_array().unwrap().len(), 2, "{result}");
    // The row for Alice merged with her by email: the platform's name and
    // spelling stay, and the import is not activity (issue 12).
    let alice = db::customers::get(
        app.db(),
        alpha,
        customer_by_email(app.db(), alpha, "alice@example.com").await,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        (
            alice.name.as_deref(),
            alice.email.as_deref(),
            alice.customer_type.as_str(),
            alice.last_activity_at
        ),
        (
            Some("Alice Zeta"),
            Some("alice@example.com"),
            "paying",
            T0 + 1_000
        )
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE store_id = $1",
            alpha
        )
        .await,
        5
    );
    // Again, through the import page's form: nothing new, and the page says so.
    let (status, html) = ann
        .post_form(
            &format!("/store/{alpha}/import"),
            &[("file_name", "contacts.csv"), ("csv", csv)],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("0 created, 0 updated, 3 unchanged, 2 rejected."),
        "{html}"
    );
    let (status, html) = ann.get(&format!("/store/{alpha}/import")).await;
    assert_eq!(status, 200);
    assert!(html.contains("multipart/form-data"), "{html}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE store_id = $1",
            alpha
        )
        .await,
        5
    );
}

#[tokio::test]
async fn export_and_erasure_of_one_customer() {
    let app = TestApp::spawn().await;
    let (alpha, _) = stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;
    let alice = customer_by_email(app.db(), alpha, "alice@example.com").await;
    let (a, c) = (alpha.to_string(), alice.to_string());

    let (status, body) = ann
        .get(&format!("/store/{alpha}/customers/{alice}/export.json"))
        .await;
    assert_eq!(status, 200, "{body}");
    let export: Value = serde_json::from_str(&body).unwrap();
    assert!(
        body.contains("alice@example.com") && body.contains("Kiln Workbook"),
        "{export}"
    );

    // Without the confirmation: refused, nothing erased.
    let (status, _) = ann
        .post_form(
            "/api/customer/erase",
            &[("store_id", a.as_str()), ("customer_id", c.as_str())],
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = ann
        .post_form(
            "/api/customer/erase",
            &[
                ("store_id", a.as_str()),
                ("customer_id", c.as_str()),
                ("confirm", "erase"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = page(&ann, alpha, alice).await;
    assert_eq!(status, 404);
    let (status, _) = ann
        .get(&format!("/store/{alpha}/customers/{alice}/export.json"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE store_id = $1",
            alpha
        )
        .await,
        2
    );
}

#[tokio::test]
async fn another_store_s_customer_is_not_found_and_untouched() {
    let app = TestApp::spawn().await;
    let (alpha, beta) = stores(&app).await;
    let bob = app.sign_in("bob@example.com").await;
    let alice = customer_by_email(app.db(), alpha, "alice@example.com").await;
    let (a, b, c) = (alpha.to_string(), beta.to_string(), alice.to_string());

    for path in [
        format!("/api/customer/data?store_id={alpha}&customer_id={alice}"),
        format!("/api/customer/data?store_id={beta}&customer_id={alice}"),
        format!("/api/customer/page?store_id={alpha}&customer_id={alice}"),
        format!("/api/customer/page?store_id={beta}&customer_id={alice}"),
        format!("/store/{alpha}/customers/{alice}"),
        format!("/store/{beta}/customers/{alice}"),
        format!("/store/{alpha}/customers/{alice}/export.json"),
        format!("/store/{beta}/customers/{alice}/export.json"),
        format!("/store/{alpha}/import"),
    ] {
        let (status, body) = bob.get(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("alice@"), "{path} leaks");
    }
    // Through Ann's store id and through Bob's own: 404, nothing written.
    for store in [a.as_str(), b.as_str()] {
        let ids = [("store_id", store), ("customer_id", c.as_str())];
        for (path, extra) in [
            ("/api/customer/note/add", ("body", "hi")),
            ("/api/customer/tag/add", ("tag", "x")),
            ("/api/customer/erase", ("confirm", "erase")),
        ] {
            let mut form = ids.to_vec();
            form.push(extra);
            let (status, body) = bob.post_form(path, &form).await;
            assert_eq!(status, 404, "{path} with store {store}: {body}");
        }
    }
    let (status, _) = bob
        .post_form(
            "/api/customers/tag",
            &[("store_id", a.as_str()), ("tag", "x")],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = bob
        .post_form(
            "/api/customers/import",
            &[
                ("store_id", a.as_str()),
                ("file_name", "x.csv"),
                ("csv", "email\nmallory@example.com\n"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customer_notes WHERE store_id = $1",
            alpha
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customer_tags WHERE store_id = $1",
            alpha
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE store_id = $1",
            alpha
        )
        .await,
        3
    );

    // Signed out: 401.
    let (status, _) = app
        .get(&format!(
            "/api/customer/data?store_id={alpha}&customer_id={alice}"
        ))
        .await;
    assert_eq!(status, 401);
}

/// Dates on a store's pages are read on its wall clock: the same instant
/// (2025-01-15 23:30 UTC) is the 16th in Berlin, in winter time, and stays
/// the 15th in a UTC store. Exports keep UTC (ISO 8601 with `Z`).
#[tokio::test]
async fn dates_are_shown_in_the_stores_time_zone() {
    let app = TestApp::spawn().await;
    let at = 1_736_983_800_000; // 2025-01-15T23:30:00Z
    let mut stores = Vec::new();
    for (zone, email) in [
        ("Europe/Berlin", "berlin@example.com"),
        ("UTC", "utc@example.com"),
    ] {
        let (store, _) = db::accounts::create_store_with_owner(app.db(), zone, "EUR", zone, email)
            .await
            .unwrap();
        db::accounts::upsert_account(app.db(), email, tests::PASSWORD, false)
            .await
            .unwrap();
        tests::events::apply(
            app.db(),
            store,
            &tests::events::lead("l1", at, user("u1", Some("lena@example.com"), None), "form"),
        )
        .await;
        stores.push((store, email));
    }
    for ((store, email), expected) in stores
        .into_iter()
        .zip(["2025-01-16 00:30 CET", "2025-01-15 23:30 UTC"])
    {
        let session = app.sign_in(email).await;
        let customer = customer_by_email(app.db(), store, "lena@example.com").await;
        let (status, html) = session
            .get(&format!(
                "/api/customer/page?store_id={store}&customer_id={customer}"
            ))
            .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains(expected), "{expected} in {html}");
        let (_, list) = session
            .get(&format!("/api/customers/search?store_id={store}"))
            .await;
        assert!(list.contains(expected), "{expected} in {list}");
        let (_, csv) = session.get(&format!("/store/{store}/customers.csv")).await;
        assert!(csv.contains("2025-01-15T23:30:00Z"), "{csv}");
    }
}
