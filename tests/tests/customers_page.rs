//! The customers page through the real server: the server renders any URL's
//! view; the server functions and the CSV export answer only for the
//! signed-in account's stores; the CSV holds exactly the filtered set, with
//! formula cells defused.

use db::events::Event;
use tests::lookup::customer_by_email;
use tests::{
    Session, TestApp,
    events::{T0, course, enrollment, product, purchase, refund, user},
};

const NOW_ISH: i64 = T0;

/// A store owned by ann@ with a few customers, and a store owned by bob@.
async fn two_stores(app: &TestApp) -> (i64, i64) {
    let (alpha, _) = app
        .create_owned_store("Alpha Academy", "ann@example.com")
        .await;
    let (beta, _) = app
        .create_owned_store("Beta Books", "bob@example.com")
        .await;
    let at = NOW_ISH;
    let mut events: Vec<Event> = vec![
        course("c-ev", at, "c1", "Zebra Taming", 5_000),
        course("c-ev2", at, "c2", "Sourdough Basics", 0),
        product("d-ev", at, "d1", "Kiln Workbook", 1_500),
        enrollment(
            "e1",
            at,
            user("u1", Some("alice@example.com"), Some("Alice Zeta")),
            "c1",
        ),
        enrollment(
            "e2",
            at,
            user("u2", Some("bob.b@example.com"), Some("Bob Brown")),
            "c2",
        ),
        purchase(
            "p1",
            at,
            user(
                "u3",
                Some("evil@example.com"),
                Some("=HYPERLINK(\"http://x\",\"y\")"),
            ),
            "pur1",
            "d1",
            1_500,
            "USD",
        ),
        enrollment(
            "e3",
            at,
            user("u4", Some("plus@example.com"), Some("+1 Caller, Esq.")),
            "c1",
        ),
    ];
    for i in 0..130 {
        events.push(enrollment(
            &format!("bulk{i}"),
            at - i * 60_000,
            user(
                &format!("bulk{i}"),
                Some(&format!("student{i}@example.com")),
                Some(&format!("Student {i}")),
            ),
            "c2",
        ));
    }
    db::facts::apply_batch(app.db(), alpha, &events)
        .await
        .unwrap();
    db::facts::apply_batch(
        app.db(),
        beta,
        &[enrollment(
            "b1",
            at,
            user("bu1", Some("zed@example.com"), Some("Zebra Zed")),
            "c9",
        )],
    )
    .await
    .unwrap();
    (alpha, beta)
}

fn search_url(store: i64, pairs: &[(&str, &str)]) -> String {
    let mut url = format!("/api/customers/search?store_id={store}");
    for (name, value) in pairs {
        url.push_str(&format!(
            "&filter%5B{name}%5D={}",
            app::model::customers::encode(value)
        ));
    }
    url
}

#[tokio::test]
async fn the_server_renders_the_filtered_view_of_any_url() {
    let app = TestApp::spawn().await;
    let (alpha, _) = two_stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;

    let (status, body) = ann.get(&format!("/store/{alpha}/customers?q=zebra")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Alice Zeta"), "the match is rendered");
    assert!(body.contains("+1 Caller, Esq."));
    assert!(!body.contains("Bob Brown"), "a non-match is not");
    assert!(body.contains("2 customers match"));
    assert!(
        !body.contains("style=\""),
        "no inline styles (CSP style-src 'self')"
    );

    // Chips with counts for the current search, and the stats cards.
    let (_, body) = ann
        .get(&format!("/store/{alpha}/customers?type=paying"))
        .await;
    assert!(body.contains("=HYPERLINK"));
    assert!(body.contains("1 customer matches"));
    let at = body.find("stat-customers").unwrap_or(0);
    let card = &body[at..(at + 60).min(body.len())];
    assert!(card.contains(">134<"), "stats: {card}");

    // The first page has 50 rows and a keyset link to the next.
    let (_, body) = ann
        .get(&format!("/store/{alpha}/customers?sort=name"))
        .await;
    assert_eq!(body.matches("class=\"customer-row\"").count(), 50);
    assert!(body.contains("after="));

    // An invalid filter says which one.
    let (_, body) = ann
        .get(&format!("/store/{alpha}/customers?spent_min=lots"))
        .await;
    assert!(body.contains("data-testid=\"list-error\""));
    assert!(
        body.contains("spent_min: \"lots\" is not valid here")
            || body.contains("spent_min: &quot;lots&quot;"),
        "the error names the field"
    );
}

#[tokio::test]
async fn server_functions_answer_only_for_your_own_stores() {
    let app = TestApp::spawn().await;
    let (alpha, beta) = two_stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let alice = customer_by_email(app.db(), alpha, "alice@example.com").await;

    let (status, body) = ann.get(&search_url(alpha, &[("q", "zeb")])).await;
    assert_eq!(status, 200, "{body}");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["total"], 2);
    assert_eq!(list["rows"].as_array().unwrap().len(), 2);
    let (status, _) = ann
        .get(&format!(
            "/api/customers/details?store_id={alpha}&customer_id={alice}"
        ))
        .await;
    assert_eq!(status, 200);

    // Bob: Ann's store, its server functions and its export are not found.
    for path in [
        format!("/store/{alpha}/customers"),
        search_url(alpha, &[("q", "zeb")]),
        format!("/api/customers/overview?store_id={alpha}"),
        format!("/api/customers/details?store_id={alpha}&customer_id={alice}"),
        format!("/store/{alpha}/customers.csv"),
        // Ann's customer through Bob's own store id.
        format!("/api/customers/details?store_id={beta}&customer_id={alice}"),
    ] {
        let (status, body) = bob.get(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("Alice"), "{path} leaks");
    }
    // Bob's own search never finds Ann's customers.
    let (_, body) = bob.get(&search_url(beta, &[("q", "zeb")])).await;
    assert!(body.contains("Zebra Zed") && !body.contains("Alice"));

    // Signed out: 401 from the server function; the export sends to sign in.
    let (status, _) = app.get(&search_url(alpha, &[])).await;
    assert_eq!(status, 401);
    let (status, body) = app.get(&format!("/store/{alpha}/customers.csv")).await;
    assert!(status == 303 || status == 401, "{status}");
    assert!(!body.contains("Alice"));

    // A bad filter is a 400 naming its field.
    let (status, body) = ann.get(&search_url(alpha, &[("sort", "email")])).await;
    assert_eq!(status, 400);
    assert!(body.contains("sort"), "{body}");
}

async fn csv(session: &Session, path: &str) -> (u16, String, String) {
    let response = session.client.get(session.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// Splits CSV text into records (RFC 4180: quoted cells may hold newlines).
fn records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (ch, _) => cell.push(ch),
        }
    }
    records
}

#[tokio::test]
async fn the_csv_holds_exactly_the_filtered_set_with_formulas_defused() {
    let app = TestApp::spawn().await;
    let (alpha, _) = two_stores(&app).await;
    let ann = app.sign_in("ann@example.com").await;
    // Alice bought the workbook and was refunded: it is no longer hers.
    db::facts::apply_batch(
        app.db(),
        alpha,
        &[
            purchase(
                "p-alice",
                NOW_ISH + 1_000,
                user("u1", Some("alice@example.com"), Some("Alice Zeta")),
                "pur-alice",
                "d1",
                1_500,
                "USD",
            ),
            refund("r-alice", NOW_ISH + 2_000, "pur-alice"),
            // Money in a second currency (issue 15): its own column, and on
            // the page beside (here: instead of) the store's.
            purchase(
                "p-euro",
                NOW_ISH + 3_000,
                user("u-euro", Some("euro@example.com"), Some("Euro Payer")),
                "pur-euro",
                "d1",
                20_900,
                "EUR",
            ),
        ],
    )
    .await
    .unwrap();

    let (status, kind, text) = csv(&ann, &format!("/store/{alpha}/customers.csv")).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/csv"));
    let all = records(&text);
    assert_eq!(all[0][0], "Name");
    assert_eq!(all.len() - 1, 135, "every customer, not one page");

    for (query, filter) in [
        ("?q=zeb", vec![("q", "zeb")]),
        (
            "?type=paying&sort=-total_spent",
            vec![("type", "paying"), ("sort", "-total_spent")],
        ),
        ("?q=student&after=5", vec![("q", "student")]),
    ] {
        let (_, _, text) = csv(&ann, &format!("/store/{alpha}/customers.csv{query}")).await;
        let (_, body) = ann.get(&search_url(alpha, &filter)).await;
        let list: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            records(&text).len() as i64 - 1,
            list["total"].as_i64().unwrap(),
            "{query}"
        );
    }

    // One total column per currency the store holds, its own first.
    let col = |name: &str| all[0].iter().position(|h| h == name).unwrap();
    assert_eq!(all[0][4], "Spent (USD)");
    assert_eq!(all[0].last().unwrap(), "Tags");
    let by_email = |email: &str| all.iter().find(|r| r[1] == email).unwrap().clone();
    let evil = by_email("evil@example.com");
    assert_eq!(evil[0], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(evil[col("Products")], "Kiln Workbook");
    assert_eq!(evil[col("Spent (USD)")], "15.00");
    // The Type column says what the page says.
    assert_eq!(evil[2], "Customer");
    assert!(
        all[1..]
            .iter()
            .all(|r| ["Lead", "Customer", "Subscriber"].contains(&r[2].as_str())),
        "{all:?}"
    );
    let plus = by_email("plus@example.com");
    assert_eq!(plus[0], "'+1 Caller, Esq.");
    assert_eq!(plus[col("Courses")], "Zebra Taming");
    // The Courses and Products columns list what the customer has: a
    // refunded product is not listed, nor counted (issue 12).
    assert_eq!(all[0][5], "Spent (EUR)");
    let euro = by_email("euro@example.com");
    assert_eq!((&euro[4][..], &euro[5][..]), ("0.00", "209.00"));
    let (_, page) = ann
        .get(&format!("/store/{alpha}/customers?currency=EUR"))
        .await;
    assert!(page.contains("€209.00"), "the list shows the euros");
    assert!(
        page.contains("1 customer matches"),
        "only the euro payer paid in EUR"
    );
    let alice = by_email("alice@example.com");
    let cells = |r: &[String], names: [&str; 4]| names.map(|n| r[col(n)].clone());
    assert_eq!(
        cells(
            &alice,
            ["Courses count", "Products count", "Courses", "Products"]
        ),
        ["1", "0", "Zebra Taming", ""].map(String::from)
    );
    assert!(["Active", "Inactive"].contains(&alice[3].as_str()));
    for record in &all {
        for cell in record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unsafe cell {cell:?}"
            );
        }
    }

    let (status, _, body) = csv(&ann, &format!("/store/{alpha}/customers.csv?spent_max=-3")).await;
    assert_eq!(status, 400);
    assert!(body.contains("spent_max"));
}
