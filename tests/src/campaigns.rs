//! A store with leads, a segment of them and a campaign to it: the
//! campaign tests' world.

use db::{
    Db,
    campaigns::{self, CampaignInput},
    events::Event,
    facts::apply_batch,
};
use domain::{
    customer::CustomerType,
    segment::{Combine, Condition, Group, Rule},
};

use crate::events::{T0, consent as consent_event, lead, lead_with_consent, user};

/// A store of `n` leads: `sub{i}@x.test` subscribed, every 5th unsubscribed,
/// every 7th never asked; plus the sink's failing addresses, subscribed.
pub async fn store_with_leads(db: &Db, n: usize) -> (i64, i64) {
    let store = db::stores::create_store(db, "Shop", "USD").await.unwrap();
    let mut events: Vec<Event> = Vec::new();
    for i in 0..n {
        let person = user(
            &format!("u{i}"),
            Some(&format!("sub{i}@x.test")),
            Some(&format!("Person {i}")),
        );
        events.push(if i % 7 == 0 {
            lead(&format!("l{i}"), T0 + i as i64, person, "form")
        } else {
            lead_with_consent(
                &format!("l{i}"),
                T0 + i as i64,
                person,
                "form",
                "subscribed",
            )
        });
        if i % 5 == 0 {
            let person = user(&format!("u{i}"), None, None);
            events.push(consent_event(
                &format!("k{i}"),
                T0 + 1_000_000,
                person,
                "unsubscribed",
            ));
        }
    }
    for who in ["bounce1", "tempfail1", "drop1"] {
        let person = user(who, Some(&format!("{who}@x.test")), None);
        events.push(lead_with_consent(
            &format!("l-{who}"),
            T0,
            person,
            "form",
            "subscribed",
        ));
    }
    for chunk in events.chunks(1_000) {
        apply_batch(db, store, chunk).await.unwrap();
    }
    let leads = Group {
        combine: Combine::All,
        rules: vec![Rule::Condition(Condition::Type {
            is: CustomerType::Lead,
        })],
    };
    let segment = db::segments::save(db, store, None, "All leads", &leads, None, T0)
        .await
        .unwrap();
    (store, segment)
}

pub async fn campaign(db: &Db, store: i64, segment: i64) -> i64 {
    let input = CampaignInput {
        name: "Spring news".into(),
        subject: "Hello {{ first_name }}".into(),
        sender_name: "Shop".into(),
        body: "Hi {{ name }}!\n\n[Our new course](https://shop.test/courses/1)".into(),
        segment_id: Some(segment),
    };
    let id = campaigns::create(db, store, &input, T0).await.unwrap();
    campaigns::start(db, store, id, None, db::time::now_ms())
        .await
        .unwrap();
    id
}

/// Runs `worker`'s rounds until the store's campaign `id` is sent (at
/// most 200 rounds; the test's own assertions say what had to go out).
pub async fn send_out(db: &Db, worker: &mail::Worker, store: i64, id: i64) {
    for _ in 0..200 {
        worker.round().await.unwrap();
        if campaigns::get(db, store, id).await.unwrap().status == campaigns::CampaignStatus::Sent {
            break;
        }
    }
}
