//! `server bench startup`: the first search after the server starts, against
//! the same search warm. Each round starts `server serve` afresh on a free
//! port (its own process, a new pool, nothing cached in it), signs in as an
//! owner would, then times the customers page's search endpoint: the very
//! first request, then the same request again and again. Nothing runs before
//! the first timed request but the sign-in a real owner also does.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::http::{Server, percentile};

pub struct StartupOptions {
    pub database_url: String,
    pub store: Option<i64>,
    /// Server starts.
    pub rounds: usize,
    /// Timed warm requests per round.
    pub warm: usize,
}

/// The account the benchmark signs in with (an owner of the store).
const EMAIL: &str = "bench-startup@example.com";

pub async fn run(db: &db::Db, options: &StartupOptions) -> anyhow::Result<()> {
    let store = match options.store {
        Some(store) => store,
        None => super::events::biggest_store(db)
            .await?
            .context("no customers: seed first (server seed --stores 2 --users 400000)")?,
    };
    let customers = db::customers::count(db, store).await?;
    let password = db::accounts::random_password();
    let account = db::accounts::upsert_account(db, EMAIL, &password, false).await?;
    db::accounts::add_member(db, store, account, db::accounts::Role::Owner).await?;
    println!(
        "startup: store {store} ({customers} customers), {} rounds of a fresh `server serve`",
        options.rounds
    );
    // What an owner types first: a name fragment, as the page asks for it.
    let search =
        format!("/api/customers/search?store_id={store}&filter%5Bq%5D=ann&filter%5Btype%5D=lead");
    let mut ratios = Vec::new();
    for round in 1..=options.rounds {
        let server = Server::start(&options.database_url).await?;
        let base = format!("http://{}", server.address);
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        let signed_in = client
            .post(format!("{base}/api/sign_in"))
            .header(reqwest::header::ORIGIN, &base)
            .form(&[("email", EMAIL), ("password", &password), ("next", "/")])
            .send()
            .await?;
        if !(signed_in.status().is_success() || signed_in.status().is_redirection()) {
            bail!("sign in failed: {}", signed_in.status());
        }
        let time = |client: reqwest::Client, url: String| async move {
            let started = Instant::now();
            let response = client.get(&url).send().await?;
            let ok = response.status().is_success();
            response.bytes().await?;
            if !ok {
                bail!("{url} failed");
            }
            Ok::<Duration, anyhow::Error>(started.elapsed())
        };
        let first = time(client.clone(), format!("{base}{search}")).await?;
        let mut warm = Vec::with_capacity(options.warm);
        for _ in 0..options.warm {
            warm.push(time(client.clone(), format!("{base}{search}")).await?);
        }
        warm.sort();
        let median = percentile(&warm, 50.0);
        let first_ms = first.as_secs_f64() * 1000.0;
        ratios.push(first_ms / median);
        println!(
            "  round {round}: first search {first_ms:.1} ms, warm p50 {median:.1} ms \
             (p95 {:.1} ms): first = {:.1}x warm",
            percentile(&warm, 95.0),
            first_ms / median
        );
        drop(server);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "startup: first search / warm p50, median of {} rounds: {:.1}x (target 2x or less)",
        ratios.len(),
        ratios[ratios.len() / 2]
    );
    Ok(())
}
