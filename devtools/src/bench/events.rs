//! `server bench events`: the events API's throughput, measured from outside
//! the server process: batches of 1,000 events (500 leads of new people and
//! an enrollment of each), every event id new, sent by several clients at
//! once to the real server over HTTP.

use std::{sync::Arc, time::Instant};

use anyhow::Context;
use db::{
    Db, Result,
    events::{Enrollment, Event, Lead, UserRef},
};

use super::http::{Connection, Server};

#[derive(Debug, Clone)]
pub struct EventsOptions {
    pub database_url: String,
    /// The store to send to [default: the one with the most customers].
    pub store: Option<i64>,
    pub clients: usize,
    pub batches: usize,
}

/// One batch: 500 leads of new people, then an enrollment of each.
fn batch(run: i64, number: usize) -> Vec<Event> {
    let at = 1_735_689_600_000 + number as i64;
    let person = |i: usize| UserRef {
        id: format!("bench-{run}-{number}-{i}"),
        email: Some(format!("bench.{run}.{number}.{i}@example.com")),
        name: Some(format!("Bench Person {number}-{i}")),
    };
    let leads = (0..500).map(|i| {
        Event::Lead(Lead {
            event_id: format!("bench-{run}-{number}-lead-{i}"),
            occurred_at: at,
            user: person(i),
            source: "benchmark".into(),
            consent: None,
        })
    });
    let enrollments = (0..500).map(|i| {
        Event::Enrollment(Enrollment {
            event_id: format!("bench-{run}-{number}-enrol-{i}"),
            occurred_at: at + 1,
            user: person(i),
            course_id: format!("bench-course-{}", i % 7),
        })
    });
    leads.chain(enrollments).collect()
}

/// The store with the most customers.
pub async fn biggest_store(db: &Db) -> Result<Option<i64>> {
    let mut best = None;
    for store in db::stores::list_stores(db, "", None).await? {
        let n = db::customers::count(db, store.id).await?;
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((store.id, n));
        }
    }
    Ok(best.map(|(id, _)| id))
}

/// The store to measure (`store`, else the biggest) and another store, for
/// the writes timed meanwhile.
pub async fn store_and_other(db: &Db, store: Option<i64>) -> anyhow::Result<(i64, i64)> {
    use anyhow::Context;
    let store = match store {
        Some(store) => store,
        None => biggest_store(db)
            .await?
            .context("no store: seed first (server seed --stores 20 --users 400000)")?,
    };
    let other = db::stores::list_stores(db, "", None)
        .await?
        .into_iter()
        .map(|s| s.id)
        .find(|id| *id != store)
        .context("needs a second store")?;
    Ok((store, other))
}

/// The store's course with the most customers, and how many it has.
pub async fn biggest_course(
    db: &Db,
    store: i64,
) -> anyhow::Result<(db::customers::search::CatalogItem, i64)> {
    let now = db::time::now_ms();
    let mut biggest = None;
    for course in db::customers::search::catalog(db, store).await?.courses {
        let query = db::customers::filter::CustomerQuery {
            course_id: Some(course.id),
            ..Default::default()
        };
        let n = db::customers::search::count(db, store, &query, now).await?;
        if biggest.as_ref().is_none_or(|(_, m)| n > *m) {
            biggest = Some((course, n));
        }
    }
    anyhow::Context::context(biggest, "the store has no course")
}

pub async fn run(db: &Db, options: &EventsOptions) -> anyhow::Result<()> {
    let store = match options.store {
        Some(store) => store,
        None => biggest_store(db)
            .await?
            .context("no store: seed first (server seed --stores 20 --users 400000)")?,
    };
    let key = db::api_keys::create(db, store, "events benchmark").await?;
    let token = key.token;
    let server = Server::start(&options.database_url).await?;
    let run = db::time::now_ms();
    // Bodies are built before the clock starts.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..options.batches)
            .map(|b| serde_json::to_vec(&serde_json::json!({ "events": batch(run, b) })).unwrap())
            .collect(),
    );
    let path = format!("/api/v1/stores/{store}/events");
    let auth = format!("Bearer {token}");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..options.clients {
        let (bodies, path, auth, address) = (
            bodies.clone(),
            path.clone(),
            auth.clone(),
            server.address.clone(),
        );
        let clients = options.clients;
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&address).await?;
            for body in bodies.iter().skip(client).step_by(clients) {
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                ];
                let (status, answer) = connection.request("POST", &path, &headers, body).await?;
                if status != 200 {
                    return Err(std::io::Error::other(format!(
                        "answered {status}: {}",
                        String::from_utf8_lossy(&answer)
                    )));
                }
            }
            Ok::<_, std::io::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let events = options.batches * 1_000;
    println!(
        "{}: events API, store {store}: {events} events in batches of 1,000 (500 leads of new \
         people + their 500 enrollments), {} clients: {seconds:.1} s = {:.0} events/s",
        db.backend().name(),
        options.clients,
        events as f64 / seconds
    );
    db::api_keys::revoke(db, key.key.store_id, key.key.id).await?;
    Ok(())
}
