//! `server bench renames`: a batch of 1,000 renames of the store's biggest
//! course, sent to the real server, while a second client sends single
//! events of another store one after another. Prints the batch's time, how
//! many customer rows it wrote (none: titles are read by reference), and the
//! other store's latencies and refusals meanwhile.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::bail;
use db::{
    Db,
    events::{Course, Enrollment, Event, UserRef},
};

use super::http::{Connection, Server, percentile};

#[derive(Debug, Clone)]
pub struct RenamesOptions {
    pub database_url: String,
    /// The store whose biggest course is renamed [default: the biggest store].
    pub store: Option<i64>,
    pub renames: usize,
}

pub async fn run(db: &Db, options: &RenamesOptions) -> anyhow::Result<()> {
    let (store, other) = super::events::store_and_other(db, options.store).await?;
    let (course, customers) = super::events::biggest_course(db, store).await?;
    let run = db::time::now_ms();
    let renames: Vec<Event> = (0..options.renames)
        .map(|i| {
            Event::Course(Course {
                event_id: format!("rename-{run}-{i}"),
                occurred_at: run + i as i64,
                course_id: course.external_id.clone(),
                title: format!("{} (edition {i})", course.title),
                price_cents: 4_900,
                currency: "USD".into(),
            })
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({ "events": renames }))?;
    let key = db::api_keys::create(db, store, "renames benchmark").await?;
    let other_key = db::api_keys::create(db, other, "renames benchmark").await?;
    let server = Server::start(&options.database_url).await?;
    let before = db::customers::writes(db, store).await?;

    // The other store's single events, from before the batch to after it.
    let done = Arc::new(AtomicBool::new(false));
    let singles = {
        let (done, address) = (done.clone(), server.address.clone());
        let auth = format!("Bearer {}", other_key.token);
        tokio::spawn(async move {
            let mut connection = Connection::open(&address).await?;
            let path = format!("/api/v1/stores/{other}/events");
            let mut latencies = Vec::new();
            let mut refused = 0;
            let mut n = 0;
            while !done.load(Ordering::Relaxed) {
                n += 1;
                let event = Event::Enrollment(Enrollment {
                    event_id: format!("single-{run}-{n}"),
                    occurred_at: run,
                    user: UserRef {
                        id: format!("single-{run}-{n}"),
                        email: None,
                        name: None,
                    },
                    course_id: "single-course".into(),
                });
                let body = serde_json::to_vec(&event).unwrap();
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                ];
                let started = Instant::now();
                let (status, _) = connection.request("POST", &path, &headers, &body).await?;
                latencies.push(started.elapsed());
                if status != 200 {
                    refused += 1;
                }
            }
            Ok::<_, std::io::Error>((latencies, refused))
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut connection = Connection::open(&server.address).await?;
    let auth = format!("Bearer {}", key.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let path = format!("/api/v1/stores/{store}/events");
    let started = Instant::now();
    let (status, answer) = connection.request("POST", &path, &headers, &body).await?;
    let took = started.elapsed();
    if status != 200 {
        bail!(
            "the renames answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    done.store(true, Ordering::Relaxed);
    let (mut latencies, refused) = singles.await??;
    latencies.sort();
    let after = db::customers::writes(db, store).await?;
    println!(
        "{}: {} renames of \"{}\" ({customers} customers) in one batch: {:.0} ms; customer rows \
         written: {}",
        db.backend().name(),
        options.renames,
        course.title,
        took.as_secs_f64() * 1000.0,
        after.0 - before.0
    );
    println!(
        "  meanwhile store {other}: {} single events, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, \
         {refused} refused",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );
    db::api_keys::revoke(db, key.key.store_id, key.key.id).await?;
    db::api_keys::revoke(db, other_key.key.store_id, other_key.key.id).await?;
    Ok(())
}
