//! The tenant matrix for people (DESIGN: "Identity belongs to the store",
//! invariant 4): store A's events (through A's API key and through
//! `db::facts::apply_batch`) and A's contacts import name store B's
//! customers' platform ids and emails (leads, purchases, refunds,
//! subscriptions, progress, name and email changes, B's purchase,
//! subscription and event ids). Afterwards every row of store B is exactly
//! as it was, and nothing only B knows (names, email spellings, titles,
//! notes, tags, sources) shows in A's customers, A's rows, A's CSV export or
//! A's pages. Runs on SQLite and, with TEST_DATABASE=postgres, on Postgres.

use std::collections::BTreeMap;
use tests::lookup::customer_id;

use db::{
    Backend,
    customers::{import, notes, tags},
    events::{Event, Refund},
    facts::{EventStatus, apply_batch},
};
use serde_json::{Value, json};
use tests::{
    Session, TestApp,
    events::{
        T0, consent, course, enrollment, lead, lead_with_consent, plan, product, progress,
        purchase, refund, subscription, user,
    },
    oracle,
};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// Every table holding a store's people, their facts, the owner's notes and
/// tags, the derived rows, the catalog and the events log.
const STORE_TABLES: [&str; 19] = [
    "identities",
    "customers",
    "customer_totals",
    "enrollments",
    "purchases",
    "subscriptions",
    "leads",
    "customer_notes",
    "customer_tags",
    "customer_activity",
    "enrollment_milestones",
    "subscription_changes",
    "courses",
    "products",
    "plans",
    "tags",
    "events",
    "email_consents",
    "email_suppressions",
];

/// What only store B knows: its people's names (as B's events and B's
/// import reported them), B's spellings of their emails, B's titles, note,
/// tags and lead sources. A's events and import use B's platform ids and
/// B's addresses, but never these.
const B_ONLY: [&str; 18] = [
    "Bertha Bravo",
    "Bertha From File",
    "Bob Bravo",
    "Norbert Nameless",
    "Carla Bravo",
    "Dora Bravo",
    "Ann.Bravo@Example.com",
    "Bob.Bravo@Example.com",
    "Carla.Bravo@example.com",
    "carla.bravo@EXAMPLE.com",
    "Dora.Bravo@Example.com",
    "Bravo Pottery",
    "Bravo Workbook",
    "Bravo Club",
    "Bravo private note",
    "B-VIP",
    "bravo-list",
    "bravo-newsletter",
];

struct World {
    app: TestApp,
    a: i64,
    b: i64,
    a_owner: i64,
    a_token: String,
}

/// Store B with every kind of fact, merged identities, an identity without
/// email, its owner's notes and tags and an import; store A empty, with an
/// API key.
async fn world() -> World {
    let app = TestApp::spawn().await;
    let (a, a_owner) = app
        .create_owned_store("Alpha Academy", "owner@alpha.test")
        .await;
    let (b, b_owner) = app
        .create_owned_store("Bravo Books", "owner@bravo.test")
        .await;
    let a_token = db::api_keys::create(app.db(), a, "alpha platform")
        .await
        .unwrap()
        .token;
    let db = app.db();
    let ann = || {
        user(
            "shared-1",
            Some("Ann.Bravo@Example.com"),
            Some("Bertha Bravo"),
        )
    };
    let bob = || user("b-2", Some("Bob.Bravo@Example.com"), Some("Bob Bravo"));
    let events = vec![
        course("b-e0", T0, "c-1", "Bravo Pottery", 4_900),
        product("b-e00", T0, "d-1", "Bravo Workbook", 2_500),
        plan("b-e000", T0, "p-1", "Bravo Club", 1_900),
        enrollment("b-e1", T0, ann(), "c-1"),
        progress("b-e2", T0 + 1_000, ann(), "c-1", 60),
        purchase("b-e3", T0 + 2_000, ann(), "o-1", "d-1", 2_500, "USD"),
        subscription("b-e4", T0 + 3_000, ann(), "sub-1", "p-1", "active", 1_900),
        purchase("b-e5", T0 + 3_000, ann(), "o-2", "p-1", 1_900, "USD"),
        lead_with_consent("b-e6", T0 + 4_000, ann(), "bravo-newsletter", "subscribed"),
        consent("b-e6c", T0 + 4_500, bob(), "subscribed"),
        purchase("b-e7", T0 + 5_000, bob(), "o-3", "c-1", 4_900, "USD"),
        refund("b-e8", T0 + 6_000, "o-3"),
        enrollment(
            "b-e9",
            T0 + 7_000,
            user("b-3", None, Some("Norbert Nameless")),
            "c-1",
        ),
        // Two platform ids, one address in two spellings: one customer.
        enrollment(
            "b-e10",
            T0 + 8_000,
            user("b-4", Some("Carla.Bravo@example.com"), Some("Carla Bravo")),
            "c-1",
        ),
        purchase(
            "b-e11",
            T0 + 9_000,
            user("b-5", Some("carla.bravo@EXAMPLE.com"), None),
            "o-4",
            "d-1",
            2_500,
            "EUR",
        ),
    ];
    let results = apply_batch(db, b, &events).await.unwrap();
    assert!(results.iter().all(|r| r.status == EventStatus::Applied));
    let b_ann = customer_id(db, b, "shared-1").await;
    let b_bob = customer_id(db, b, "b-2").await;
    notes::add_note(db, b, b_ann, b_owner, "Bravo private note", T0 + DAY)
        .await
        .unwrap();
    tags::add_tag(db, b, b_ann, Some(b_owner), "B-VIP", T0 + DAY)
        .await
        .unwrap();
    tags::add_tag(db, b, b_bob, Some(b_owner), "bravo-gone", T0 + DAY)
        .await
        .unwrap();
    tags::remove_tag(db, b, b_bob, Some(b_owner), "bravo-gone", T0 + DAY)
        .await
        .unwrap();
    let summary = import::import_contacts(
        db,
        b,
        "bravo.csv",
        b"name,email,tags,consent\n\
          Dora Bravo,Dora.Bravo@Example.com,bravo-list,yes\n\
          Bertha From File,ann.bravo@example.com,,\n",
        Some(b_owner),
        T0 + 2 * DAY,
    )
    .await
    .unwrap();
    assert_eq!((summary.created, summary.updated), (1, 1), "{summary:?}");
    let mut conn = db.writer().acquire().await.unwrap();
    db::consent::suppress(
        &mut conn,
        b,
        "carla.bravo@example.com",
        db::consent::Suppression::Bounce,
        "550 no such user",
        T0 + 2 * DAY,
    )
    .await
    .unwrap();
    drop(conn);
    World {
        app,
        a,
        b,
        a_owner,
        a_token,
    }
}

/// The column names of a table, in order.
async fn columns(db: &db::Db, table: &str) -> Vec<String> {
    let sql = match db.backend() {
        Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        Backend::Postgres => format!(
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' \
             ORDER BY ordinal_position"
        ),
    };
    let names: Vec<String> = sqlx::query_scalar(&sql)
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert!(!names.is_empty(), "table {table} has columns");
    names
}

/// Every row of a store in every table, each cell as text, sorted.
async fn dump(db: &db::Db, store: i64) -> BTreeMap<&'static str, Vec<Vec<Option<String>>>> {
    let mut out = BTreeMap::new();
    for table in STORE_TABLES {
        let columns = columns(db, table).await;
        let cells: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
            .collect();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM {table} WHERE store_id = $1",
            cells.join(", ")
        ))
        .bind(store)
        .fetch_all(db.reader())
        .await
        .unwrap_or_else(|e| panic!("dump {table}: {e}"));
        let mut rows: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|row| {
                use sqlx::Row;
                (0..columns.len())
                    .map(|i| row.get::<Option<String>, _>(i))
                    .collect()
            })
            .collect();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

fn dump_text(dump: &BTreeMap<&'static str, Vec<Vec<Option<String>>>>) -> String {
    format!("{dump:?}")
}

/// The B-only strings `text` holds (none, if nothing leaked).
fn leaks(text: &str) -> Vec<&'static str> {
    B_ONLY.into_iter().filter(|s| text.contains(s)).collect()
}

/// Posts events to a store's events API with a bearer token.
async fn post_events(app: &TestApp, store: i64, token: &str, events: &[Event]) -> (u16, Value) {
    let body = json!({ "events": events });
    let response = app
        .client
        .post(app.url(&format!("/api/v1/stores/{store}/events")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A's events naming B's people: B's platform ids and addresses (in other
/// spellings), B's purchase, subscription, course and event ids; names and
/// emails that change; a refund of B's purchase that A never saw.
fn a_events_by_api() -> Vec<Event> {
    let at = T0 + 10 * DAY;
    vec![
        // B's course id, described differently in A.
        course("a-c1", at, "c-1", "Alpha Ceramics", 3_000),
        // B's event id, another body: a new event of A, not a repeat.
        lead(
            "b-e1",
            at,
            user("shared-1", Some("ann.bravo@example.com"), None),
            "alpha-form",
        ),
        // B's refunded purchase id, bought again in A.
        purchase(
            "b-e7",
            at + 1,
            user("b-2", Some("bob.bravo@example.com"), Some("Mallory Alpha")),
            "o-3",
            "d-1",
            700,
            "USD",
        ),
        // A refund of B's purchase, naming B's buyer: A never had it.
        Event::Refund(Refund {
            event_id: "a-r1".into(),
            occurred_at: at + 2,
            purchase_id: "o-1".into(),
            user: Some(user("shared-1", None, None)),
        }),
        // B's id without email gets an email (B's Ann's, in A's spelling)
        // and a name: in A it joins A's shared-1.
        enrollment(
            "a-e5",
            at + 3,
            user("b-3", Some("ANN.BRAVO@example.com"), Some("Renamed By A")),
            "c-1",
        ),
        progress("a-e6", at + 4, user("shared-1", None, None), "c-1", 100),
        // B's subscribed addresses unsubscribed in A, explicitly and by a
        // form: only A's consent changes.
        consent("a-k1", at + 5, user("shared-1", None, None), "unsubscribed"),
        consent(
            "a-k2",
            at + 5,
            user("b-2", Some("BOB.bravo@example.com"), None),
            "unsubscribed",
        ),
    ]
}

fn a_events_direct() -> Vec<Event> {
    let at = T0 + 11 * DAY;
    vec![
        // B's subscription id, another status in A.
        subscription(
            "b-e4",
            at,
            user("shared-1", Some("ann.bravo@example.com"), None),
            "sub-1",
            "p-1",
            "cancelled",
            1_900,
        ),
        // B's merged ids: one moves to another address in A, the other is
        // named without a name.
        lead(
            "a-e8",
            at + 1,
            user("b-4", Some("mallory@alpha.test"), Some("Mallory Four")),
            "alpha-form",
        ),
        purchase(
            "a-e9",
            at + 2,
            user("b-5", Some("carla.bravo@example.com"), None),
            "a-o9",
            "c-1",
            1_200,
            "EUR",
        ),
        // shared-1 changes address and name in A: it leaves b-3 there.
        lead(
            "a-e10",
            at + 3,
            user("shared-1", Some("new.ann@alpha.test"), Some("Ann Of Alpha")),
            "alpha-webinar",
        ),
        refund("a-r2", at + 4, "o-2"),
    ]
}

/// A's contacts file: B's addresses, without names or with A's own.
const A_CSV: &str = "email,name,tags\n\
DORA.BRAVO@EXAMPLE.COM,,alpha-list\n\
bob.bravo@example.com,,\n\
carla.bravo@example.com,Carla From Alpha,alpha-list\n";

/// What A's owner sees: the customers page, each customer's page and the
/// CSV export, as one text.
async fn a_views(world: &World, session: &Session) -> String {
    let a = world.a;
    let mut seen = String::new();
    for path in [
        format!("/store/{a}/customers"),
        format!("/store/{a}/customers?sort=name"),
        format!("/store/{a}/customers?q=bravo"),
        format!("/store/{a}/customers.csv"),
    ] {
        let (status, body) = session.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        seen.push_str(&body);
    }
    for c in db::customers::list_all(world.app.db(), a).await.unwrap() {
        let path = format!("/store/{a}/customers/{}", c.id);
        let (status, body) = session.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        seen.push_str(&body);
        let path = format!("/api/customer/data?store_id={a}&customer_id={}", c.id);
        let (status, body) = session.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        seen.push_str(&body);
    }
    seen
}

/// Everything the data layer says about A's customers, as one text.
async fn a_data(world: &World) -> String {
    let db = world.app.db();
    let mut seen = String::new();
    for c in db::customers::list_all(db, world.a).await.unwrap() {
        seen.push_str(&format!("{c:?}\n"));
        let export = db::customers::privacy::export_customer(db, world.a, c.id, T0 + 30 * DAY)
            .await
            .unwrap();
        seen.push_str(&serde_json::to_string(&export).unwrap());
    }
    seen.push_str(&dump_text(&dump(db, world.a).await));
    seen
}

/// The search API's total for a term in a store.
async fn found(session: &Session, store: i64, term: &str) -> i64 {
    let (status, body) = session
        .get(&format!(
            "/api/customers/search?store_id={store}&filter%5Bq%5D={}",
            term.replace(' ', "%20")
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    list["total"].as_i64().unwrap()
}

#[tokio::test]
async fn store_a_events_and_import_naming_b_s_people_leave_b_unchanged_and_unseen() {
    let world = world().await;
    let (db, a, b) = (world.app.db(), world.a, world.b);
    let before = dump(db, b).await;
    assert_eq!(
        before["email_consents"].len(),
        3,
        "B's consent rows exist to be guarded"
    );
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "store B has rows in {table}");
    }
    let b_text = dump_text(&before);
    for s in B_ONLY {
        assert!(b_text.contains(s), "store B holds {s:?}");
    }
    let b_customers = db::customers::list_all(db, b).await.unwrap();
    let b_session = world.app.sign_in("owner@bravo.test").await;
    let (_, b_csv) = b_session.get(&format!("/store/{b}/customers.csv")).await;

    // A's preview: none of the file's addresses is one of A's customers,
    // whoever else has them.
    let preview = import::preview_for_store(db, a, A_CSV.as_bytes(), 10)
        .await
        .unwrap();
    assert_eq!(preview.rows.len(), 3);
    assert!(
        preview.rows.iter().all(|r| !r.updates_customer),
        "{preview:?}"
    );

    // A's platform, through A's API key.
    let (status, body) = post_events(&world.app, a, &world.a_token, &a_events_by_api()).await;
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied"; 8], "B's event ids are new in A");
    // A's key cannot post to B, nor may A's events use the import's ids.
    let (status, _) = post_events(&world.app, b, &world.a_token, &a_events_by_api()).await;
    assert_eq!(status, 404);
    let (status, body) = post_events(
        &world.app,
        a,
        &world.a_token,
        &[lead(
            "a-evil",
            T0,
            user("import:dora.bravo@example.com", None, Some("Evil")),
            "x",
        )],
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("events[0].user.id"))
    );

    // A's platform, through the data layer.
    let results = apply_batch(db, a, &a_events_direct()).await.unwrap();
    assert!(
        results.iter().all(|r| r.status == EventStatus::Applied),
        "{results:?}"
    );

    // A's owner imports B's addresses.
    let summary = import::import_contacts(
        db,
        a,
        "alpha.csv",
        A_CSV.as_bytes(),
        Some(world.a_owner),
        T0 + 12 * DAY,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.rejected.len()
        ),
        (1, 2, 0, 0),
        "{summary:?}"
    );

    // Store B: every row as it was.
    let after = dump(db, b).await;
    for table in STORE_TABLES {
        assert_eq!(after[table], before[table], "store B's {table} changed");
    }
    assert_eq!(db::customers::list_all(db, b).await.unwrap(), b_customers);
    let (_, b_csv_after) = b_session.get(&format!("/store/{b}/customers.csv")).await;
    assert_eq!(b_csv_after, b_csv);
    assert!(oracle::differences(db, b).await.is_empty());

    // Store A: its own facts only, derived right.
    let differences = oracle::differences(db, a).await;
    assert!(differences.is_empty(), "{differences:#?}");
    let shared = db::customers::get(db, a, customer_id(db, a, "shared-1").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            shared.name.as_deref(),
            shared.email.as_deref(),
            shared.customer_type.as_str(),
            shared.total_spent_cents,
        ),
        (Some("Ann Of Alpha"), Some("new.ann@alpha.test"), "lead", 0),
        "B's subscriber, payments and name are not A's"
    );
    let renamed = db::customers::get(db, a, customer_id(db, a, "b-3").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (renamed.name.as_deref(), renamed.email.as_deref()),
        (Some("Renamed By A"), Some("ANN.BRAVO@example.com"))
    );
    let bob = db::customers::get(db, a, customer_id(db, a, "b-2").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            bob.name.as_deref(),
            bob.email.as_deref(),
            bob.customer_type.as_str(),
            bob.total_spent_cents
        ),
        (
            Some("Mallory Alpha"),
            Some("bob.bravo@example.com"),
            "paying",
            700
        ),
        "B's refund of o-3 is B's"
    );
    let carla = db::customers::get(db, a, customer_id(db, a, "b-5").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (carla.name.as_deref(), carla.email.as_deref()),
        (Some("Carla From Alpha"), Some("carla.bravo@example.com")),
        "the import fills in A's missing name, never B's"
    );
    let dora: i64 = sqlx::query_scalar(
        "SELECT id FROM customers WHERE store_id = $1 AND email_normalized = $2",
    )
    .bind(a)
    .bind("dora.bravo@example.com")
    .fetch_one(db.reader())
    .await
    .unwrap();
    let dora = db::customers::detail::customer_detail(db, a, dora, T0 + 30 * DAY)
        .await
        .unwrap();
    assert_eq!(
        (
            dora.profile.name.as_deref(),
            dora.profile.email.as_deref(),
            dora.profile.source_kind.as_str()
        ),
        (None, Some("DORA.BRAVO@EXAMPLE.COM"), "import")
    );
    assert_eq!(
        dora.tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["alpha-list"]
    );

    // Nothing only B knows shows anywhere in A: its customers and their
    // exports, its rows, its owner's pages and CSV.
    let data = a_data(&world).await;
    assert_eq!(leaks(&data), Vec::<&str>::new(), "A's data");
    assert!(data.contains("Mallory Alpha") && data.contains("Alpha Ceramics"));
    let a_session = world.app.sign_in("owner@alpha.test").await;
    let views = a_views(&world, &a_session).await;
    assert_eq!(leaks(&views), Vec::<&str>::new(), "A's pages and export");
    assert!(views.contains("Mallory Alpha") && views.contains("DORA.BRAVO@EXAMPLE.COM"));
    // A's search finds none of B's names or titles.
    for term in [
        "bertha",
        "norbert",
        "pottery",
        "bravo workbook",
        "bravo club",
    ] {
        assert_eq!(found(&a_session, a, term).await, 0, "{term}");
    }
    // ... and B's owner still finds them in B.
    for term in ["bertha", "norbert", "pottery"] {
        assert!(found(&b_session, b, term).await > 0, "{term}");
    }
}

#[tokio::test]
async fn each_of_a_s_paths_alone_leaves_b_unchanged() {
    // The same matrix one path at a time: a failure names its path.
    for path in ["api", "direct", "import"] {
        let world = world().await;
        let (db, a, b) = (world.app.db(), world.a, world.b);
        let before = dump(db, b).await;
        match path {
            "api" => {
                let (status, body) =
                    post_events(&world.app, a, &world.a_token, &a_events_by_api()).await;
                assert_eq!(status, 200, "{body}");
            }
            "direct" => {
                apply_batch(db, a, &a_events_by_api()).await.unwrap();
                apply_batch(db, a, &a_events_direct()).await.unwrap();
            }
            _ => {
                let summary = import::import_contacts(
                    db,
                    a,
                    "alpha.csv",
                    A_CSV.as_bytes(),
                    Some(world.a_owner),
                    T0 + 12 * DAY,
                )
                .await
                .unwrap();
                assert_eq!(summary.created, 3, "A knew none of them: {summary:?}");
            }
        }
        let after = dump(db, b).await;
        for table in STORE_TABLES {
            assert_eq!(after[table], before[table], "{path}: store B's {table}");
        }
        let data = a_data(&world).await;
        assert_eq!(leaks(&data), Vec::<&str>::new(), "{path}: A's data");
        let session = world.app.sign_in("owner@alpha.test").await;
        let views = a_views(&world, &session).await;
        assert_eq!(leaks(&views), Vec::<&str>::new(), "{path}: A's pages");
        let differences = oracle::differences(db, a).await;
        assert!(differences.is_empty(), "{path}: {differences:#?}");
    }
}
