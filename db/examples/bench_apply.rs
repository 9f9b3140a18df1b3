//! `cargo run --release -p db --example bench_apply -- DATABASE_URL [BATCHES=20]`:
//! the events path without HTTP: batches of 1,000 through `apply_batch`.

use std::time::Instant;

use db::events::Event;

mod bench_common;
use bench_common::event;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or("sqlite://data/bench.db".into());
    let batches: u64 = args.get(2).map_or(20, |v| v.parse().unwrap());
    let db = db::Db::connect(&url, &db::PoolConfig::default()).await?;
    db.migrate().await?;
    let store = db::stores::create_store(&db, "Bench", "USD").await?;
    let run = db::time::now_ms() as u64;
    let started = Instant::now();
    for b in 0..batches {
        let events: Vec<Event> = (b * 1000..(b + 1) * 1000).map(|n| event(run, n)).collect();
        let t = Instant::now();
        db::events::apply_batch(&db, store, &events).await?;
        if b < 3 {
            println!("batch {b}: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: {} events in {secs:.1} s = {:.0} events/s",
        db.backend().name(),
        batches * 1000,
        (batches * 1000) as f64 / secs
    );
    Ok(())
}
