//! A real SMTP server for the tests, on 127.0.0.1 and a free port, run in
//! process: it speaks enough SMTP (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT) for any client and keeps every message it accepts. Failures are
//! injected by recipient: an address starting `bounce` is refused for good
//! (550), one starting `tempfail` is refused for now (451) the first
//! `tempfails` times, one starting `drop` has its connection closed at
//! RCPT the first time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// A message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Refusals so far per address (for tempfail and drop).
    refused: HashMap<String, u32>,
    connections: u32,
    /// Commands received, by verb (`MAIL`, `NOOP`, …).
    commands: HashMap<String, u32>,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
    tempfails: u32,
}

impl SmtpSink {
    pub async fn start(tempfails: u32) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = SmtpSink {
            port: listener.local_addr().unwrap().port(),
            state: Arc::default(),
            tempfails,
        };
        let serving = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // Replies go out at once, as a mail server's do: with
                // Nagle's algorithm each short reply could wait for the
                // client's delayed ACK (40 ms on Linux).
                let _ = stream.set_nodelay(true);
                let sink = serving.clone();
                tokio::spawn(async move {
                    let _ = sink.session(stream).await;
                });
            }
        });
        sink
    }

    /// `smtp://127.0.0.1:PORT` (no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// How many messages it accepted.
    pub fn count(&self) -> usize {
        self.state.lock().unwrap().received.len()
    }

    /// How many SMTP sessions clients opened.
    pub fn connections(&self) -> u32 {
        self.state.lock().unwrap().connections
    }

    /// How many commands with this verb (`"NOOP"`) it received.
    pub fn commands(&self, verb: &str) -> u32 {
        let state = self.state.lock().unwrap();
        state.commands.get(verb).copied().unwrap_or(0)
    }

    /// Messages per recipient address (lowercased).
    pub fn per_recipient(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for message in self.received() {
            for to in message.to {
                *out.entry(to.to_lowercase()).or_default() += 1;
            }
        }
        out
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        self.state.lock().unwrap().connections += 1;
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_string();
            let upper = command.to_ascii_uppercase();
            let verb = upper.split([' ', ':']).next().unwrap_or("").to_string();
            *self.state.lock().unwrap().commands.entry(verb).or_default() += 1;
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") {
                b"250 sink.test\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&command[10..]);
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                let rcpt = address(&command[8..]);
                let lower = rcpt.to_lowercase();
                let refusals = {
                    let mut state = self.state.lock().unwrap();
                    let n = state.refused.entry(lower.clone()).or_default();
                    *n += 1;
                    *n
                };
                if lower.starts_with("bounce") {
                    b"550 5.1.1 no such user here\r\n"
                } else if lower.starts_with("tempfail") && refusals <= self.tempfails {
                    b"451 4.3.0 try again later\r\n"
                } else if lower.starts_with("drop") && refusals == 1 {
                    return Ok(());
                } else {
                    to.push(rcpt);
                    b"250 OK\r\n"
                }
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let text = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(text);
                }
                self.state.lock().unwrap().received.push(Received {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 OK queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                // RSET, NOOP and anything else.
                b"250 OK\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

/// The first address in a raw message that starts with `prefix` (a link
/// of the message: `https://shop.example/m/c/`…), up to a quote, `<`, `>`
/// or whitespace, with quoted-printable's soft line breaks and `=3D` undone.
pub fn link_in(raw: &str, prefix: &str) -> Option<String> {
    let text = raw
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = text.find(prefix)?;
    Some(
        text[start..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '>' | '<' | ' ' | '\r' | '\n'))
            .collect(),
    )
}

fn address(text: &str) -> String {
    let text = text.trim();
    let inner = text
        .strip_prefix('<')
        .and_then(|t| t.split_once('>'))
        .map_or(text, |(a, _)| a);
    inner
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}
