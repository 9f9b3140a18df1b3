//! The SMTP connections a server sends over: opened from `SMTP_URL`, kept
//! open between messages and handed straight back to the next sender.
//!
//! lettre's own pool (`AsyncSmtpTransport`) was measured at 139–222
//! messages/s to a local server: it returns a used connection from a
//! spawned task, so a sender that follows at once often finds none idle and
//! opens another (784 SMTP sessions for 20,000 messages), and it checks each
//! reused connection with a `NOOP` round trip. Here a connection goes back
//! to the idle list in the same step that finishes its message, and is
//! reused without a check while sending runs back to back (only one idle
//! for a while is checked with `NOOP`, see `take_idle`). Plain and STARTTLS
//! connections are opened with `TCP_NODELAY`: lettre writes the end of
//! DATA as its own small write, which Nagle's algorithm would hold back for
//! the server's delayed ACK (40 ms on Linux) on every message.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use lettre::transport::smtp::{
    self,
    authentication::{Credentials, DEFAULT_MECHANISMS},
    client::{AsyncSmtpConnection, TlsParameters},
    extension::ClientId,
    response::Response,
};
use tokio::net::TcpStream;

/// Connections idle longer than this are closed rather than reused: mail
/// servers drop idle sessions (Postfix after 300 s), and a session found
/// closed costs a failed command first.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// Connections idle longer than this are checked before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(2);

/// How long connecting, and each command, may take.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Security {
    /// `smtp://`: plain text.
    None,
    /// `smtp://…?tls=required`: STARTTLS or refuse.
    StartTlsRequired,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered.
    StartTlsOpportunistic,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

/// Where and how to connect, read from `SMTP_URL` with lettre's URL rules:
/// `smtp://[user:password@]host[:port][/hello-name][?tls=required|opportunistic]`
/// (port 25, or 587 with `tls`) or `smtps://…` (port 465).
#[derive(Clone)]
pub struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        write!(f, "{}:{} ({:?})", self.host, self.port, self.security)
    }
}

impl Server {
    pub fn from_url(url: &str) -> Result<Server, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("SMTP_URL: {e}"))?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("SMTP_URL: no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (security, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::None, smtp::SMTP_PORT),
            ("smtp", Some("required")) => (Security::StartTlsRequired, smtp::SUBMISSION_PORT),
            ("smtp", Some("opportunistic")) => {
                (Security::StartTlsOpportunistic, smtp::SUBMISSION_PORT)
            }
            ("smtps", _) => (Security::Wrapper, smtp::SUBMISSIONS_PORT),
            (scheme, tls) => {
                return Err(format!(
                    "SMTP_URL: unknown scheme `{scheme}` or tls `{}` (smtp://, smtp://…?tls=required, smtps://)",
                    tls.unwrap_or("")
                ));
            }
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let credentials = parsed
            .password()
            .map(|password| Credentials::new(decode(parsed.username()), decode(password)));
        let name = parsed.path().trim_matches('/');
        let hello = if name.is_empty() {
            ClientId::default()
        } else {
            ClientId::Domain(name.to_string())
        };
        Ok(Server {
            port: parsed.port().unwrap_or(default_port),
            host,
            security,
            credentials,
            hello,
        })
    }

    fn tls(&self) -> Result<TlsParameters, smtp::Error> {
        TlsParameters::new(self.host.clone())
    }

    /// A new session: greeted, EHLO sent, TLS and AUTH done.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        self.open().await.map_err(SendError::Connect)
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, String> {
        let text = |e: smtp::Error| e.to_string();
        let mut connection = if self.security == Security::Wrapper {
            AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(TIMEOUT),
                &self.hello,
                Some(self.tls().map_err(text)?),
                None,
            )
            .await
            .map_err(text)?
        } else {
            let stream =
                tokio::time::timeout(TIMEOUT, TcpStream::connect((self.host.as_str(), self.port)))
                    .await
                    .map_err(|_| format!("{}:{}: timed out", self.host, self.port))?
                    .map_err(|e| format!("{}:{}: {e}", self.host, self.port))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .map_err(text)?
        };
        match self.security {
            Security::StartTlsRequired => connection
                .starttls(self.tls().map_err(text)?, &self.hello)
                .await
                .map_err(text)?,
            Security::StartTlsOpportunistic if connection.can_starttls() => connection
                .starttls(self.tls().map_err(text)?, &self.hello)
                .await
                .map_err(text)?,
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(text)?;
        }
        Ok(connection)
    }
}

/// Why a message was not handed over.
#[derive(Debug)]
pub enum SendError {
    /// No session could be opened (connecting, TLS or AUTH failed):
    /// temporary, whatever the cause, as it says nothing of the address.
    Connect(String),
    /// The session failed or the server refused the message.
    Smtp(smtp::Error),
}

impl SendError {
    /// A refusal for good (5xx): the address bounces.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Smtp(e) if e.is_permanent())
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(e) => write!(f, "connecting to the SMTP server: {e}"),
            SendError::Smtp(e) => e.fmt(f),
        }
    }
}

/// The open connections of one server: at most `max` of them idle; as
/// many in use as senders at once (the worker runs `MAIL_CONNECTIONS`).
pub struct Connections {
    server: Server,
    max: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Connections {
    pub fn new(server: Server, max: usize) -> Connections {
        Connections {
            server,
            max: max.max(1),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection young enough to reuse, else none. One idle
    /// for more than [`CHECK_AFTER`] is asked `NOOP` first (one round
    /// trip), so a session the server dropped meanwhile is found here, not
    /// halfway through a message; back-to-back sending never waits for it.
    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut connection, since) = self.idle.lock().expect("idle connections").pop()?;
            let idle = since.elapsed();
            if idle >= IDLE_LIMIT || connection.has_broken() {
                // Dropped: the socket closes.
                continue;
            }
            if idle < CHECK_AFTER || connection.test_connected().await {
                return Some(connection);
            }
        }
    }

    fn put_back(&self, connection: AsyncSmtpConnection) {
        if connection.has_broken() {
            return;
        }
        let mut idle = self.idle.lock().expect("idle connections");
        if idle.len() < self.max {
            idle.push((connection, Instant::now()));
        }
    }

    /// Sends one message (its envelope and its formatted bytes).
    pub async fn send(
        &self,
        envelope: &lettre::address::Envelope,
        bytes: &[u8],
    ) -> Result<Response, SendError> {
        let mut connection = match self.take_idle().await {
            Some(connection) => connection,
            None => self.server.connect().await?,
        };
        // Any failure is the message's outcome, never retried here: once
        // DATA may have been offered, only the outbox's retry (with its
        // backoff and its record) may send it again. lettre closes a
        // session that failed, so it is not put back.
        let response = connection
            .send(envelope, bytes)
            .await
            .map_err(SendError::Smtp)?;
        self.put_back(connection);
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_like_lettres() {
        let s = Server::from_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("127.0.0.1", 2525, Security::None)
        );
        assert!(s.credentials.is_none());

        let s = Server::from_url("smtps://me%40x.test:p%2Fw@mail.x.test").unwrap();
        assert_eq!((s.port, s.security.clone()), (465, Security::Wrapper));
        assert_eq!(
            s.credentials,
            Some(Credentials::new("me@x.test".into(), "p/w".into()))
        );

        let s = Server::from_url("smtp://mail.x.test/shop.example?tls=required").unwrap();
        assert_eq!(
            (s.port, s.security.clone()),
            (587, Security::StartTlsRequired)
        );
        assert_eq!(s.hello, ClientId::Domain("shop.example".into()));

        assert!(Server::from_url("http://mail.x.test").is_err());
        assert!(Server::from_url("smtp://mail.x.test?tls=sometimes").is_err());
        assert!(
            !format!("{:?}", Server::from_url("smtps://u:secret@h").unwrap()).contains("secret")
        );
    }
}
