//! `POST /api/v1/stores/{store_id}/events` through the real router: keys,
//! batches, duplicates, out-of-order events and every bad input.

use serde_json::{Value, json};
use tests::{
    TestApp,
    events::{T0, counts},
};

struct Api {
    app: TestApp,
    store: i64,
    token: String,
}

async fn api() -> Api {
    let app = TestApp::spawn().await;
    let store = db::stores::create_store(app.db(), "API store", "USD")
        .await
        .unwrap();
    let token = db::api_keys::create(app.db(), store, "tests")
        .await
        .unwrap()
        .token;
    Api { app, store, token }
}

impl Api {
    async fn post_to(&self, store: i64, token: Option<&str>, body: String) -> (u16, Value) {
        let mut request = self
            .app
            .client
            .post(self.app.url(&format!("/api/v1/stores/{store}/events")))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(&self, body: Value) -> (u16, Value) {
        self.post_to(self.store, Some(&self.token), body.to_string())
            .await
    }
}

fn purchase(event_id: &str, purchase_id: &str, at: i64) -> Value {
    json!({
        "type": "purchase", "event_id": event_id, "occurred_at": at,
        "user": {"id": "plat-1", "email": "Ann@Example.com", "name": "Ann Lee"},
        "purchase_id": purchase_id, "course_id": "c-rust",
        "amount_cents": 4900, "currency": "USD"
    })
}

#[tokio::test]
async fn a_batch_applies_and_a_repeat_is_a_no_op() {
    let api = api().await;
    let batch = json!({"events": [
        {"type": "course", "event_id": "e1", "occurred_at": T0, "course_id": "c-rust",
         "title": "Rust for Creators", "price_cents": 4900, "currency": "USD"},
        purchase("e2", "o1", T0 + 1000),
        {"type": "progress", "event_id": "e3", "occurred_at": T0 + 2000,
         "user": {"id": "plat-1"}, "course_id": "c-rust", "progress": 40},
    ]});
    let (status, body) = api.post(batch.clone()).await;
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "applied", "applied"]);
    let before = counts(api.app.db()).await;
    let (status, body) = api.post(batch).await;
    assert_eq!(status, 200);
    assert!(
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "duplicate")
    );
    assert_eq!(counts(api.app.db()).await, before);

    // A single event (not wrapped in a batch) works too.
    let (status, body) = api
        .post(
            json!({"type": "enrollment", "event_id": "e4", "occurred_at": T0 + 3000,
                     "user": {"id": "plat-2"}, "course_id": "c-rust"}),
        )
        .await;
    assert_eq!(
        (status, body["results"][0]["status"].as_str()),
        (200, Some("applied"))
    );

    let customers = db::customers::list_all(api.app.db(), api.store)
        .await
        .unwrap();
    assert_eq!(customers.len(), 2);
    let ann = customers
        .iter()
        .find(|c| c.name.as_deref() == Some("Ann Lee"))
        .unwrap();
    assert_eq!(
        (ann.customer_type.as_str(), ann.total_spent_cents),
        ("paying", 4900)
    );
    assert_eq!(ann.email.as_deref(), Some("Ann@Example.com"));
}

#[tokio::test]
async fn a_refund_before_its_purchase_converges() {
    let api = api().await;
    let (status, _) = api
        .post(json!({"type": "refund", "event_id": "r1", "occurred_at": T0 + 5000, "purchase_id": "o1"}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = api.post(purchase("p1", "o1", T0)).await;
    assert_eq!(status, 200);
    let customers = db::customers::list_all(api.app.db(), api.store)
        .await
        .unwrap();
    assert_eq!(
        (
            customers[0].customer_type.as_str(),
            customers[0].total_spent_cents
        ),
        ("lead", 0)
    );
}

#[tokio::test]
async fn keys_are_checked_and_revocable() {
    let api = api().await;
    let body = json!({"events": [purchase("e1", "o1", T0)]}).to_string();
    let (status, _) = api.post_to(api.store, None, body.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = api.post_to(api.store, Some("ck_wrong"), body.clone()).await;
    assert_eq!(status, 401);
    // Another store's key: that store "does not exist" for this key.
    let other = db::stores::create_store(api.app.db(), "Other", "USD")
        .await
        .unwrap();
    let (status, _) = api.post_to(other, Some(&api.token), body.clone()).await;
    assert_eq!(status, 404);
    let (status, _) = api.post_to(987_654, Some(&api.token), body.clone()).await;
    assert_eq!(status, 404);
    // Only a hash is stored.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE token_hash = $1")
        .bind(&api.token)
        .fetch_one(api.app.db().reader())
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let key = db::api_keys::list(api.app.db(), api.store).await.unwrap()[0].id;
    db::api_keys::revoke(api.app.db(), api.store, key)
        .await
        .unwrap();
    let (status, _) = api.post_to(api.store, Some(&api.token), body).await;
    assert_eq!(status, 401);
    assert!(counts(api.app.db()).await.iter().all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field_and_writes_nothing() {
    let api = api().await;
    let good = purchase("ok", "o1", T0);
    let with = |field: &str, value: Value| {
        let mut event = purchase("bad", "o2", T0);
        event[field] = value;
        event
    };
    let mut email = purchase("bad", "o2", T0);
    email["user"]["email"] = json!("ann@@example");
    let mut unknown = purchase("bad", "o2", T0);
    unknown["amount"] = json!(5);
    let cases = [
        (email, "events[1].user.email"),
        (with("amount_cents", json!(-100)), "events[1].amount_cents"),
        (with("amount_cents", json!(49.99)), "events[1].amount_cents"),
        (with("currency", json!("ABC")), "events[1].currency"),
        (
            with("purchase_id", json!("x".repeat(201))),
            "events[1].purchase_id",
        ),
        (with("event_id", json!(null)), "events[1].event_id"),
        (with("type", json!("teleport")), "events[1].type"),
        (
            with("occurred_at", json!("yesterday")),
            "events[1].occurred_at",
        ),
        (with("product_id", json!("d1")), "events[1].course_id"),
        (unknown, "events[1].amount"),
        (json!("not an object"), "events[1]"),
    ];
    for (bad, field) in cases {
        let (status, body) = api.post(json!({"events": [good.clone(), bad]})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], field, "{body}");
        assert!(body["error"].as_str().unwrap().starts_with(field), "{body}");
    }
    let (status, body) = api
        .post_to(api.store, Some(&api.token), "{not json".into())
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("body")));
    let (status, body) = api.post(json!({"events": []})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("events")));
    let many: Vec<Value> = (0..1001)
        .map(|i| purchase(&format!("m{i}"), &format!("o{i}"), T0))
        .collect();
    let (status, body) = api.post(json!({"events": many})).await;
    assert_eq!((status, body["field"].as_str()), (413, Some("events")));
    // A single bad event: the field has no prefix.
    let (status, body) = api.post(with("currency", json!("usdollars"))).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("currency")));
    assert!(counts(api.app.db()).await.iter().all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn a_full_batch_of_a_thousand_is_accepted() {
    let api = api().await;
    let many: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"type": "enrollment", "event_id": format!("b{i}"), "occurred_at": T0 + i,
                   "user": {"id": format!("user-{}", i % 400), "email": format!("u{}@example.com", i % 400)},
                   "course_id": format!("c{}", i % 5)})
        })
        .collect();
    let (status, body) = api.post(json!({"events": many})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"].as_array().unwrap().len(), 1000);
    assert_eq!(
        db::customers::count(api.app.db(), api.store).await.unwrap(),
        400
    );
    let diff = tests::oracle::differences(api.app.db(), api.store).await;
    assert!(diff.is_empty(), "{}", diff.join("\n"));
}

#[tokio::test]
async fn everything_that_passes_validation_fits_and_refusals_share_one_shape() {
    let api = api().await;
    let lead = |source: String, email: String| {
        json!({"type": "lead", "event_id": "l1", "occurred_at": T0,
               "user": {"id": "plat-9", "email": email}, "source": source})
    };
    // A 250-character source is refused, naming the field (it does not fit).
    let (status, body) = api
        .post(lead("s".repeat(250), "a@example.com".into()))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("source")),
        "{body}"
    );
    // An email that grows when lowercased ('İ' becomes two characters).
    let long = format!("{}@example.com", "İ".repeat(240));
    assert!(long.chars().count() <= 254);
    let (status, body) = api.post(lead("newsletter".into(), long)).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("user.email")),
        "{body}"
    );
    // A body over the limit answers 413 in the same JSON shape as the rest.
    let huge = json!({"type": "lead", "event_id": "l2", "occurred_at": T0,
                      "user": {"id": "plat-9", "name": "x".repeat(10 * 1024 * 1024)},
                      "source": "newsletter"});
    let (status, body) = api.post(huge).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (413, Some("body")),
        "{body}"
    );
    assert!(
        body["error"].as_str().unwrap().contains("larger than"),
        "{body}"
    );
    assert!(counts(api.app.db()).await.iter().all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn a_repeated_event_id_with_another_body_is_a_conflict_and_changes_nothing() {
    let api = api().await;
    let (status, _) = api.post(purchase("e1", "o1", T0)).await;
    assert_eq!(status, 200);
    let before = counts(api.app.db()).await;
    let customers_before = db::customers::list_all(api.app.db(), api.store)
        .await
        .unwrap();
    let mut altered = purchase("e1", "o1", T0);
    altered["amount_cents"] = json!(100);
    let (status, body) = api
        .post(json!({"events": [altered, purchase("e1", "o1", T0)]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "conflict");
    assert_eq!(body["results"][1]["status"], "duplicate");
    assert_eq!(counts(api.app.db()).await, before);
    assert_eq!(
        db::customers::list_all(api.app.db(), api.store)
            .await
            .unwrap(),
        customers_before
    );
}
