//! What the HTTP benchmarks need: the real server in its own process, and a
//! minimal HTTP/1.1 client (keep-alive, one request at a time per
//! connection), so the client adds as little as possible to what is timed.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// `server serve` on a free port of 127.0.0.1, against `database_url`;
/// stopped when dropped.
pub struct Server {
    pub address: String,
    child: Child,
}

impl Server {
    /// Starts this very binary as `serve` and waits until it answers.
    pub async fn start(database_url: &str) -> std::io::Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let address = format!("127.0.0.1:{port}");
        let child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", &address)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
        let server = Server { address, child };
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(mut connection) = Connection::open(&server.address).await
                && connection
                    .request("GET", "/healthz", &[], b"")
                    .await
                    .is_ok()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(std::io::Error::other(
            "the server did not answer within 120 s",
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive connection.
pub struct Connection {
    stream: TcpStream,
    host: String,
}

impl Connection {
    pub async fn open(address: &str) -> std::io::Result<Connection> {
        Ok(Connection {
            stream: TcpStream::connect(address).await?,
            host: address.to_string(),
        })
    }

    /// Sends one request; answers the status and the body.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(body).await?;
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            buf.extend_from_slice(&chunk[..n]);
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let headers = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let status: u16 = headers
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| std::io::Error::other("no status line"))?;
            let length: usize = headers
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = self.stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::Error::other("connection closed"));
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok((status, buf[end + 4..end + 4 + length].to_vec()));
        }
    }
}

/// The `p`th percentile (0..=100) of durations, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}
