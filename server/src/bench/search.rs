//! `server bench search`: the customers page's query mix through the same
//! data-layer functions the server functions call (page + its counts, run
//! together as the server does), with warm-up and percentiles; or, with
//! `--http`, the real endpoint driven at several concurrencies.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use app::model::customers::CustomerFilter;
use clap::Args;
use db::customers::search;
use sqlx::Row;

#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// The store to query [default: the one with the most customers].
    #[arg(long)]
    pub store: Option<i64>,
    /// Measured runs per query.
    #[arg(long, default_value_t = 200)]
    pub iterations: usize,
    /// Unmeasured runs per query first.
    #[arg(long, default_value_t = 20)]
    pub warmup: usize,
    /// Drive this running server's endpoint instead (e.g. http://127.0.0.1:3000).
    #[arg(long)]
    pub http: Option<String>,
    /// Concurrent clients for --http, comma-separated.
    #[arg(long, default_value = "1,16", value_delimiter = ',')]
    pub concurrency: Vec<usize>,
    /// Seconds per concurrency level for --http.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Account to sign in with for --http (must be able to open the store).
    #[arg(long, env = "BENCH_EMAIL")]
    pub email: Option<String>,
    #[arg(long, env = "BENCH_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Where the built site is, for the WASM size line.
    #[arg(long, default_value = "target/site/pkg")]
    pub pkg_dir: String,
}

/// One named case of the mix, as the page's URL state.
struct Case {
    name: &'static str,
    filter: CustomerFilter,
}

pub async fn run(database: &crate::config::DatabaseArgs, args: SearchArgs) -> anyhow::Result<()> {
    let db = crate::cli::open(database).await?;
    let store = match args.store {
        Some(store) => store,
        None => sqlx::query_scalar::<_, i64>(
            "SELECT store_id FROM customers GROUP BY store_id ORDER BY COUNT(*) DESC, store_id LIMIT 1",
        )
        .fetch_optional(db.reader())
        .await?
        .context("no customers: seed first (server seed --stores 20 --users 400000)")?,
    };
    let customers = db::customers::count(&db, store).await?;
    let cases = mix(&db, store).await?;
    println!(
        "store {store}: {customers} customers, {} ({})",
        db.backend().name(),
        if args.http.is_some() {
            "HTTP"
        } else {
            "data layer"
        }
    );
    match &args.http {
        None => data_layer(&db, store, &cases, &args).await?,
        Some(url) => http(url, store, &cases, &args).await?,
    }
    wasm_size(&args.pkg_dir);
    db.close().await;
    Ok(())
}

/// The fixed mix; the deep page's cursor and the rare term are looked up.
async fn mix(db: &db::Db, store: i64) -> anyhow::Result<Vec<Case>> {
    let f = CustomerFilter::default;
    let deep: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM customers WHERE store_id = $1 \
         ORDER BY COALESCE(name, '') DESC, id DESC LIMIT 1 OFFSET \
         (SELECT COUNT(*) * 3 / 4 FROM customers WHERE store_id = $1)",
    )
    .bind(store)
    .fetch_optional(db.reader())
    .await?;
    let rare: Option<String> = sqlx::query(
        "SELECT email_normalized FROM customers WHERE store_id = $1 AND email_normalized IS NOT NULL \
         ORDER BY id LIMIT 1 OFFSET 1000",
    )
    .bind(store)
    .fetch_optional(db.reader())
    .await?
    .map(|row| row.get::<String, _>(0))
    .map(|email| email.split('@').next().unwrap_or_default().to_string());
    let course: Option<String> = sqlx::query_scalar(
        "SELECT title FROM courses WHERE store_id = $1 AND title IS NOT NULL ORDER BY id LIMIT 1",
    )
    .bind(store)
    .fetch_optional(db.reader())
    .await?;
    let mut cases = vec![
        Case {
            name: "no filter",
            filter: f(),
        },
        Case {
            name: "type+spent, by spent",
            filter: f()
                .with("type", "paying")
                .with("spent_min", "50")
                .with("spent_max", "500")
                .with("sort", "-total_spent"),
        },
        Case {
            name: "search 'ann' + filters",
            filter: f()
                .with("q", "ann")
                .with("type", "paying,subscription")
                .with("status", "active")
                .with("sort", "-total_spent"),
        },
        Case {
            name: "search 'ann'",
            filter: f().with("q", "ann"),
        },
        Case {
            name: "search 'an' (short)",
            filter: f().with("q", "an"),
        },
    ];
    if let Some(title) = course {
        let word = title
            .split_whitespace()
            .next()
            .unwrap_or("yoga")
            .to_lowercase();
        cases.push(Case {
            name: "course-title search",
            filter: f().with("q", word),
        });
    }
    if let Some(term) = rare {
        cases.push(Case {
            name: "rare term",
            filter: f().with("q", term),
        });
    }
    if let Some(after) = deep {
        cases.push(Case {
            name: "deep page (3/4, by name)",
            filter: f().with("sort", "-name").with("after", after.to_string()),
        });
    }
    Ok(cases)
}

fn percentiles(mut samples: Vec<Duration>) -> [f64; 3] {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    [at(0.50), at(0.95), at(0.99)]
}

async fn data_layer(
    db: &db::Db,
    store: i64,
    cases: &[Case],
    args: &SearchArgs,
) -> anyhow::Result<()> {
    println!(
        "{:<28} {:>8} | {:>23} | {:>23} | {:>23}",
        "query (ms)",
        "matches",
        "page p50/p95/p99",
        "counts p50/p95/p99",
        "page+counts p50/p95/p99"
    );
    for case in cases {
        let query = case.filter.to_query()?;
        let (mut page_t, mut count_t, mut both_t) = (Vec::new(), Vec::new(), Vec::new());
        let mut matches = 0;
        for i in 0..args.warmup + args.iterations {
            let now = db::time::now_ms();
            let t = Instant::now();
            search::search_page(db, store, &query, now).await?;
            let page = t.elapsed();
            let t = Instant::now();
            matches = search::counts(db, store, &query, now).await?.total;
            let counts = t.elapsed();
            // Together, as the server function runs them.
            let t = Instant::now();
            let (a, b) = tokio::join!(
                search::search_page(db, store, &query, now),
                search::counts(db, store, &query, now)
            );
            a?;
            b?;
            let both = t.elapsed();
            if i >= args.warmup {
                page_t.push(page);
                count_t.push(counts);
                both_t.push(both);
            }
        }
        let fmt = |p: [f64; 3]| format!("{:>6.1} {:>7.1} {:>7.1}", p[0], p[1], p[2]);
        println!(
            "{:<28} {:>8} | {} | {} | {}",
            case.name,
            matches,
            fmt(percentiles(page_t)),
            fmt(percentiles(count_t)),
            fmt(percentiles(both_t))
        );
    }
    let stats = {
        let mut samples = Vec::new();
        for i in 0..args.warmup + args.iterations / 4 {
            let t = Instant::now();
            search::stats(db, store).await?;
            if i >= args.warmup {
                samples.push(t.elapsed());
            }
        }
        percentiles(samples)
    };
    println!(
        "stats cards (per page load): p50 {:.1} p95 {:.1} p99 {:.1} ms",
        stats[0], stats[1], stats[2]
    );
    Ok(())
}

/// The server function's GET URL for a case.
fn endpoint(base: &str, store: i64, filter: &CustomerFilter) -> String {
    let mut url = format!("{base}/api/customers/search?store_id={store}");
    for (name, value) in filter.pairs() {
        url.push_str(&format!(
            "&filter%5B{name}%5D={}",
            app::model::customers::encode(&value)
        ));
    }
    url
}

async fn http(base: &str, store: i64, cases: &[Case], args: &SearchArgs) -> anyhow::Result<()> {
    let base = base.trim_end_matches('/');
    let (Some(email), Some(password)) = (&args.email, &args.password) else {
        bail!("--http needs --email and --password (an account that can open store {store})");
    };
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let response = client
        .post(format!("{base}/api/sign_in"))
        .header(reqwest::header::ORIGIN, base)
        .form(&[
            ("email", email.as_str()),
            ("password", password.as_str()),
            ("next", "/"),
        ])
        .send()
        .await?;
    if !(response.status().is_success() || response.status().is_redirection()) {
        bail!("sign in failed: {}", response.status());
    }
    let urls: Vec<String> = cases
        .iter()
        .map(|c| endpoint(base, store, &c.filter))
        .collect();
    for url in &urls {
        let status = client.get(url).send().await?.status();
        if !status.is_success() {
            bail!("{url} answered {status}");
        }
    }
    for &concurrency in &args.concurrency {
        let deadline = Instant::now() + Duration::from_secs(args.seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..concurrency.max(1) {
            let (client, urls) = (client.clone(), urls.clone());
            tasks.push(tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut i = worker;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let response = client.get(&urls[i % urls.len()]).send().await?;
                    let ok = response.status().is_success();
                    response.bytes().await?;
                    if !ok {
                        bail!("request failed");
                    }
                    samples.push(t.elapsed());
                    i += 1;
                }
                Ok(samples)
            }));
        }
        let mut samples = Vec::new();
        for task in tasks {
            samples.extend(task.await??);
        }
        let elapsed = started.elapsed().as_secs_f64();
        let n = samples.len();
        let p = percentiles(samples);
        println!(
            "concurrency {concurrency:>3}: {n} requests, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
            n as f64 / elapsed,
            p[0],
            p[2]
        );
    }
    Ok(())
}

/// Prints the release WASM's size, raw and gzipped, if it has been built.
fn wasm_size(pkg_dir: &str) {
    let path = std::path::Path::new(pkg_dir).join("customers.wasm");
    let Ok(raw) = std::fs::read(&path) else {
        println!(
            "wasm: {} not built (cargo leptos build --release)",
            path.display()
        );
        return;
    };
    let gzip = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&path)
        .output()
        .map(|out| out.stdout.len());
    match gzip {
        Ok(gz) => println!(
            "wasm: {} raw {:.0} KB, gzip {:.0} KB (budget 400 KB gzip)",
            path.display(),
            raw.len() as f64 / 1024.0,
            gz as f64 / 1024.0
        ),
        Err(_) => println!(
            "wasm: raw {:.0} KB (gzip not available)",
            raw.len() as f64 / 1024.0
        ),
    }
}
