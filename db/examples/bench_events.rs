//! Throughput of the events API, measured from outside the server process:
//!
//! ```sh
//! cargo run --release -p db --example bench_events -- \
//!     http://127.0.0.1:3000 STORE_ID TOKEN [EVENTS=100000] [CONCURRENCY=4] [BATCH=1000]
//! ```
//!
//! Sends enrollments, progress reports and purchases for a pool of users in
//! batches, over plain HTTP/1.1 (keep-alive), and prints events per second.

use std::time::Instant;

use db::events::Event;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod bench_common;
use bench_common::event;

async fn post(
    stream: &mut tokio::net::TcpStream,
    host: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> u16 {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length: usize = headers
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "connection closed");
                buf.extend_from_slice(&chunk[..n]);
            }
            let status = headers[9..12].parse().unwrap();
            if status != 200 {
                eprintln!("{}", String::from_utf8_lossy(&buf[end + 4..]));
            }
            return status;
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .expect("base url")
        .trim_end_matches('/')
        .to_string();
    let store: i64 = args.get(2).expect("store id").parse().unwrap();
    let token = args.get(3).expect("token").clone();
    let total: u64 = args.get(4).map_or(100_000, |v| v.parse().unwrap());
    let concurrency: u64 = args.get(5).map_or(4, |v| v.parse().unwrap());
    let batch: u64 = args.get(6).map_or(1_000, |v| v.parse().unwrap());
    let host = base.trim_start_matches("http://").to_string();
    let run = db::time::now_ms() as u64;
    let path = format!("/api/v1/stores/{store}/events");
    // Bodies are built before the clock starts.
    let bodies: Vec<Vec<u8>> = (0..total.div_ceil(batch))
        .map(|b| {
            let events: Vec<Event> = (b * batch..((b + 1) * batch).min(total))
                .map(|n| event(run, n))
                .collect();
            serde_json::to_vec(&serde_json::json!({ "events": events })).unwrap()
        })
        .collect();
    let bodies = std::sync::Arc::new(bodies);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (bodies, host, path, token) =
            (bodies.clone(), host.clone(), path.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
            for body in bodies
                .iter()
                .skip(worker as usize)
                .step_by(concurrency as usize)
            {
                assert_eq!(post(&mut stream, &host, &path, &token, body).await, 200);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{total} events in batches of {batch}, {concurrency} connections: {secs:.1} s = {:.0} events/s",
        total as f64 / secs
    );
}
