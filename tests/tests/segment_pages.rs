//! Segments through the real server: the owner saves one, the customers page
//! opens it (`?segment=`) narrowed by chips, the CSV exports it; the count
//! names a bad rule; another store's segment id is not found in this store.

use db::events::Event;
use tests::{
    TestApp,
    events::{T0, course, enrollment, lead, user},
};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// ann@'s store: 12 leads, 4 of them enrolled in "Zebra Taming"; bob@'s
/// store has a lead of its own.
async fn stores(app: &TestApp) -> (i64, i64) {
    let (alpha, _) = app
        .create_owned_store("Alpha Academy", "ann@example.com")
        .await;
    let (beta, _) = app
        .create_owned_store("Beta Books", "bob@example.com")
        .await;
    let at = db::time::now_ms() - 60 * DAY;
    let mut events: Vec<Event> = vec![course("c-ev", T0, "c1", "Zebra Taming", 0)];
    for i in 0..12 {
        let person = user(
            &format!("u{i}"),
            Some(&format!("lead{i}@example.com")),
            Some(&format!("Lead Number{i}")),
        );
        events.push(lead(&format!("l{i}"), at, person.clone(), "webinar"));
        if i % 3 == 0 {
            events.push(enrollment(&format!("e{i}"), at, person, "c1"));
        }
    }
    db::facts::apply_batch(app.db(), alpha, &events)
        .await
        .unwrap();
    db::facts::apply_batch(
        app.db(),
        beta,
        &[lead(
            "b1",
            at,
            user("b1", Some("beta@example.com"), Some("Beta Lead")),
            "x",
        )],
    )
    .await
    .unwrap();
    (alpha, beta)
}

fn course_rule(course: i64) -> String {
    format!(
        r#"{{"match":"all","rules":[
          {{"condition":{{"field":"last_activity","when":{{"more_than_days_ago":30}}}}}},
          {{"group":{{"match":"any","rules":[
            {{"condition":{{"field":"enrolled","course":{course},"progress":{{"below":50}}}}}},
            {{"condition":{{"field":"tag","name":"nobody","has":true}}}}]}}}}]}}"#
    )
}

#[tokio::test]
async fn an_owner_saves_a_segment_and_the_customers_page_opens_it() {
    let app = TestApp::spawn().await;
    let (alpha, beta) = stores(&app).await;
    let course: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE store_id = $1")
        .bind(alpha)
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let ann = app.sign_in("ann@example.com").await;

    // The live count, and a bad rule named by its position.
    let definition = course_rule(course);
    let query = |definition: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("store_id", &alpha.to_string())
            .append_pair("definition", definition)
            .finish()
    };
    let (status, body) = ann
        .get(&format!("/api/segments/count?{}", query(&definition)))
        .await;
    assert_eq!(status, 200, "{body}");
    let count: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (count["total"].as_i64(), count["leads"].as_i64()),
        (Some(4), Some(4))
    );
    let bad = definition.replace(r#""below":50"#, r#""below":0"#);
    let (status, body) = ann
        .get(&format!("/api/segments/count?{}", query(&bad)))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("rule 2.1"), "{body}");
    // A course of another store is refused, not counted.
    let foreign = definition.replace(&format!(r#""course":{course}"#), r#""course":999999"#);
    let (status, body) = ann
        .get(&format!("/api/segments/count?{}", query(&foreign)))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no course"), "{body}");

    // Saved, listed, and opened on the customers page.
    let (status, body) = ann
        .post_form(
            "/api/segments/save",
            &[
                ("store_id", &alpha.to_string()),
                ("name", "Zebra stragglers"),
                ("definition", &definition),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let segment: i64 = body.trim().parse().unwrap();
    let (_, list) = ann.get(&format!("/store/{alpha}/segments")).await;
    assert!(list.contains("Zebra stragglers"), "{list}");
    assert!(list.contains(&format!("/store/{alpha}/customers?segment={segment}")));
    let (status, page) = ann
        .get(&format!("/store/{alpha}/customers?segment={segment}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Segment: Zebra stragglers"),
        "the segment's chip"
    );
    assert!(page.contains("4 customers match"), "{page}");
    assert_eq!(page.matches("class=\"customer-row\"").count(), 4);
    // Search narrows it further.
    let (_, page) = ann
        .get(&format!(
            "/store/{alpha}/customers?segment={segment}&q=number0"
        ))
        .await;
    assert!(page.contains("1 customer matches"), "{page}");
    // The export holds the segment (a header and four rows).
    let (status, csv) = ann
        .get(&format!("/store/{alpha}/customers.csv?segment={segment}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // The builder opens it.
    let (status, builder) = ann.get(&format!("/store/{alpha}/segments/{segment}")).await;
    assert_eq!(status, 200);
    assert!(builder.contains("Zebra stragglers"));

    // bob@ cannot open it through his own store, nor ann's store at all.
    let bob = app.sign_in("bob@example.com").await;
    let (status, body) = bob
        .get(&format!(
            "/api/segments/builder?store_id={beta}&segment_id={segment}"
        ))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = bob.get(&format!("/store/{beta}/segments/{segment}")).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("Zebra stragglers"), "{body}");
    let (status, _) = bob
        .get(&format!("/store/{beta}/customers.csv?segment={segment}"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = bob.get(&format!("/store/{alpha}/segments")).await;
    assert_eq!(status, 404);

    // Deleted, the list says so.
    let (status, body) = ann
        .post_form(
            "/api/segments/delete",
            &[
                ("store_id", &alpha.to_string()),
                ("segment_id", &segment.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = ann.get(&format!("/store/{alpha}/segments")).await;
    assert!(list.contains("segments-none"), "{list}");
}
