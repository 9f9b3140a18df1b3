//! Email consent (DESIGN: "Consent"): per normalised email within a store,
//! from leads' opt-ins, `consent` events, the contacts import and one-click
//! unsubscribes. An explicit report outranks an implied one, the newest
//! wins among equals, and the result depends only on the set of reports,
//! never their order or batching. On SQLite and, with
//! TEST_DATABASE=postgres, on Postgres.

use db::{
    consent::{self, Suppression},
    customers::import,
    events::Event,
    facts::apply_batch,
};
use domain::customer::Consent;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde_json::json;
use tests::{
    TestApp, TestDatabase,
    events::{T0, consent as consent_event, enrollment, lead, lead_with_consent, user},
    lookup::customer_id,
};

const DAY: i64 = 24 * 60 * 60 * 1000;

async fn store(db: &db::Db, name: &str) -> i64 {
    db::stores::create_store(db, name, "USD").await.unwrap()
}

async fn state(db: &db::Db, store: i64, email: &str) -> Consent {
    consent::standing(db, store, email).await.unwrap().consent
}

/// Every consent row of a store, as text.
async fn consents(db: &db::Db, store: i64) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT email_normalized, consent, source FROM email_consents WHERE store_id = $1 \
         ORDER BY email_normalized",
    )
    .bind(store)
    .fetch_all(db.reader())
    .await
    .unwrap()
}

#[tokio::test]
async fn an_unsubscribe_is_undone_only_by_a_later_consent_event() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let s = store(db, "Consent").await;
    let ann = || user("ann", Some("Ann@Example.com"), Some("Ann"));
    let email = "ann@example.com";

    // A form's opt-in subscribes.
    let events = [lead_with_consent(
        "e1",
        T0,
        ann(),
        "newsletter",
        "subscribed",
    )];
    apply_batch(db, s, &events).await.unwrap();
    assert_eq!(state(db, s, email).await, Consent::Subscribed);
    // An explicit unsubscribe wins over it...
    let events = [consent_event("e2", T0 + DAY, ann(), "unsubscribed")];
    apply_batch(db, s, &events).await.unwrap();
    assert_eq!(state(db, s, email).await, Consent::Unsubscribed);
    // ...and a later opt-in (another form) does not undo it...
    let events = [lead_with_consent(
        "e3",
        T0 + 2 * DAY,
        ann(),
        "webinar",
        "yes",
    )];
    apply_batch(db, s, &events).await.unwrap();
    assert_eq!(state(db, s, email).await, Consent::Unsubscribed);
    // ...nor does an older explicit consent...
    let events = [consent_event("e4", T0 + DAY / 2, ann(), "subscribed")];
    apply_batch(db, s, &events).await.unwrap();
    assert_eq!(state(db, s, email).await, Consent::Unsubscribed);
    // ...but a later consent event does.
    let events = [consent_event("e5", T0 + 3 * DAY, ann(), "subscribed")];
    apply_batch(db, s, &events).await.unwrap();
    let standing = consent::standing(db, s, email).await.unwrap();
    assert_eq!(standing.consent, Consent::Subscribed);
    assert_eq!(standing.since, Some(T0 + 3 * DAY));
    assert_eq!(standing.source.as_deref(), Some("consent event"));
    // A one-click unsubscribe is explicit too.
    consent::unsubscribe(db, s, email, "campaign-1", "unsubscribe link", T0 + 4 * DAY)
        .await
        .unwrap();
    assert_eq!(state(db, s, email).await, Consent::Unsubscribed);

    // A lead without consent says nothing; a consent event without an email
    // applies to the address the store knows for the user; one for a user
    // the store has no address for changes nothing.
    let events = [
        lead("e6", T0, user("bob", Some("bob@example.com"), None), "list"),
        consent_event("e7", T0 + DAY, user("bob", None, None), "subscribed"),
        consent_event("e8", T0 + DAY, user("nobody", None, None), "subscribed"),
    ];
    apply_batch(db, s, &events).await.unwrap();
    assert_eq!(state(db, s, "bob@example.com").await, Consent::Subscribed);
    assert_eq!(consents(db, s).await.len(), 2, "ann and bob, no one else");
    // A consent event is not a fact of the person: no customer for it.
    let events = [consent_event(
        "e9",
        T0,
        user("carol", Some("carol@example.com"), None),
        "subscribed",
    )];
    apply_batch(db, s, &events).await.unwrap();
    assert_eq!(state(db, s, "carol@example.com").await, Consent::Subscribed);
    assert!(
        db::customers::list_all(db, s)
            .await
            .unwrap()
            .iter()
            .all(|c| c.email_normalized.as_deref() != Some("carol@example.com")),
        "a consent alone makes no customer"
    );

    // Not another store's business.
    let other = store(db, "Other").await;
    assert_eq!(state(db, other, email).await, Consent::NotAsked);
}

#[tokio::test]
async fn the_state_depends_on_the_set_of_reports_not_their_order() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let mut rng = StdRng::seed_from_u64(7);
    let people = ["p0", "p1", "p2", "p3"];
    // Reports with colliding times (ties go to the greater event id), two
    // platform ids sharing an address, implied and explicit reports.
    let mut events: Vec<Event> = Vec::new();
    for i in 0..40 {
        let who = people[i % people.len()];
        let email = format!("{}@example.com", if who == "p3" { "p2" } else { who });
        let at = T0 + (i as i64 % 5) * DAY;
        let person = user(who, Some(&email), None);
        let word = if i % 3 == 0 {
            "unsubscribed"
        } else {
            "subscribed"
        };
        events.push(if i % 2 == 0 {
            consent_event(&format!("k{i:02}"), at, person, word)
        } else {
            lead_with_consent(&format!("l{i:02}"), at, person, &format!("form {i}"), word)
        });
    }
    let mut expected = None;
    for round in 0..6 {
        let s = store(db, &format!("Order {round}")).await;
        let mut shuffled = events.clone();
        shuffled.shuffle(&mut rng);
        // Random batch sizes: one event at a time up to all at once.
        let mut rest = &shuffled[..];
        while !rest.is_empty() {
            let n = (1 + round * 7).min(rest.len());
            apply_batch(db, s, &rest[..n]).await.unwrap();
            rest = &rest[n..];
        }
        let got = consents(db, s).await;
        assert_eq!(got.len(), 3, "one row per address: {got:?}");
        match &expected {
            None => expected = Some(got),
            Some(first) => assert_eq!(&got, first, "round {round}"),
        }
    }
    // The rule, computed here: the greatest (explicit, time, event id).
    let mut want = Vec::new();
    for email in ["p0@example.com", "p1@example.com", "p2@example.com"] {
        let best = (0..40)
            .filter(|i| {
                let who = people[i % people.len()];
                let e = if who == "p3" { "p2" } else { who };
                format!("{e}@example.com") == email
            })
            .max_by_key(|i| {
                let id = if i % 2 == 0 {
                    format!("k{i:02}")
                } else {
                    format!("l{i:02}")
                };
                (i % 2 == 0, i % 5, id)
            })
            .unwrap();
        let word = if best % 3 == 0 {
            "unsubscribed"
        } else {
            "subscribed"
        };
        want.push((email.to_string(), word.to_string()));
    }
    let got: Vec<(String, String)> = expected
        .unwrap()
        .into_iter()
        .map(|(email, word, _)| (email, word))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn the_import_fills_in_consent_but_never_undoes_an_unsubscribe() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let s = store(db, "Import").await;
    let events = [
        enrollment("e1", T0, user("u1", Some("Gone@Example.com"), None), "c1"),
        consent_event("e2", T0 + DAY, user("u1", None, None), "unsubscribed"),
    ];
    apply_batch(db, s, &events).await.unwrap();
    let file = b"email,name,Accepts Email Marketing\n\
        new@example.com,New Person,yes\n\
        gone@example.com,,yes\n\
        no@example.com,,no\n\
        blank@example.com,,\n\
        bad@example.com,,perhaps\n";
    let preview = import::preview(file, 10).unwrap();
    assert_eq!(preview.mapping.consent, Some(2));
    assert_eq!(preview.rows[0].consent, Some(Consent::Subscribed));
    assert_eq!(preview.rows[2].consent, Some(Consent::Unsubscribed));
    assert_eq!(preview.rows[3].consent, None);
    assert!(
        preview.rows[4]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("consent")),
        "{:?}",
        preview.rows[4]
    );
    let summary = import::import_contacts(db, s, "list.csv", file, None, T0 + 2 * DAY)
        .await
        .unwrap();
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert_eq!(state(db, s, "new@example.com").await, Consent::Subscribed);
    assert_eq!(
        state(db, s, "gone@example.com").await,
        Consent::Unsubscribed
    );
    assert_eq!(state(db, s, "no@example.com").await, Consent::Unsubscribed);
    assert_eq!(state(db, s, "blank@example.com").await, Consent::NotAsked);
    let source = consent::standing(db, s, "new@example.com")
        .await
        .unwrap()
        .source;
    assert_eq!(source.as_deref(), Some("import: list.csv"));
}

#[tokio::test]
async fn the_events_api_takes_consent_and_the_customer_page_shows_it() {
    let app = TestApp::spawn().await;
    let (s, _) = app.create_owned_store("Shop", "owner@shop.test").await;
    let token = db::api_keys::create(app.db(), s, "tests")
        .await
        .unwrap()
        .token;
    let post = |body: serde_json::Value| {
        let url = app.url(&format!("/api/v1/stores/{s}/events"));
        let token = token.clone();
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let ann = json!({"id": "ann", "email": "ann@shop.test", "name": "Ann"});
    let (status, body) = post(json!({"events": [
        {"type": "lead", "event_id": "l1", "occurred_at": T0, "user": ann,
         "source": "newsletter", "consent": "subscribed"},
        {"type": "consent", "event_id": "k1", "occurred_at": T0 + 1, "user": {"id": "ann"},
         "consent": "subscribed"},
    ]}))
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        json!({"type": "consent", "event_id": "k2", "occurred_at": T0,
        "user": {"id": "ann"}, "consent": "maybe"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("consent"), "{body}");
    let (status, body) = post(
        json!({"type": "consent", "event_id": "k3", "occurred_at": T0,
        "user": {"id": "ann"}, "consent": "not_asked"}),
    )
    .await;
    assert_eq!(status, 400, "an event reports a decision: {body}");

    let customer = customer_id(app.db(), s, "ann").await;
    let session = app.sign_in("owner@shop.test").await;
    let (status, page) = session
        .get(&format!("/store/{s}/customers/{customer}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("customer-consent"), "{page}");
    let shown = page.split("customer-consent").nth(1).unwrap_or_default();
    let shown: String = shown.chars().take(300).collect();
    assert!(
        shown.contains("Subscribed since 2025-01-01 (consent event)"),
        "the page shows consent: {shown}"
    );

    // A bounce suppresses the address; the page says so.
    let mut conn = app.db().writer().acquire().await.unwrap();
    consent::suppress(
        &mut conn,
        s,
        "ann@shop.test",
        Suppression::Bounce,
        "550 5.1.1 no such user",
        T0 + DAY,
    )
    .await
    .unwrap();
    drop(conn);
    let (_, page) = session
        .get(&format!("/store/{s}/customers/{customer}"))
        .await;
    assert!(
        page.contains("Suppressed: bounced: 550 5.1.1 no such user"),
        "{page}"
    );
}
