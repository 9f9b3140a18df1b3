//! `cargo run --release -p db --example seed -- DATABASE_URL STORES USERS [--facts-only]`:
//! the seed without the server crate (for timing the data layer alone).

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or("sqlite://data/seed.db".into());
    let stores = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let users = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(400_000);
    let facts_only = args.iter().any(|a| a == "--facts-only");
    let started = std::time::Instant::now();
    let db = db::Db::connect(&url, &db::PoolConfig::default()).await?;
    db.migrate().await?;
    let options = db::seed::SeedOptions {
        stores,
        users,
        facts_only,
        ..Default::default()
    };
    let report = db::seed::seed(&db, &options).await?;
    println!(
        "{}: {} facts ({} rows) written in {:.1} s = {:.0} facts/s ({:.0} rows/s); \
         derived {} customers in {:.1} s; whole run {:.1} s",
        db.backend().name(),
        report.facts(),
        report.rows,
        report.write_time.as_secs_f64(),
        report.facts_per_second(),
        report.rows_per_second(),
        report.derived.created,
        report.derive_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}
