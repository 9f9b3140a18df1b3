//! Campaign mail, between the outbox in the database (`db::campaigns`) and
//! the outside world:
//!
//! - [`template`]: Markdown with merge fields → plain text and HTML;
//! - [`token`]: the signed tokens of unsubscribe, open and click links;
//! - [`message`]: the message itself (multipart, Message-ID, RFC 8058);
//! - [`deliver`]: SMTP or files; [`smtp`]: the SMTP connections, kept
//!   open and reused;
//! - [`feedback`]: spam complaints (feedback-loop reports, RFC 5965);
//! - [`test_send`]: the owner's preview and test message, outside the
//!   outbox;
//! - [`worker`]: the loop every server runs to send.

#![forbid(unsafe_code)]

pub mod deliver;
pub mod feedback;
pub mod message;
pub mod setup;
pub mod smtp;
pub mod template;
pub mod test_send;
pub mod token;
pub mod worker;

pub use deliver::Delivery;
pub use setup::{MailConfig, Setup};
pub use token::{Claims, Purpose, Signer};
pub use worker::{Links, Settings, Worker};

/// The name of the shared secret links are signed with.
pub const SIGNING_SECRET: &str = "mail_links";

/// The servers' shared signing key (made by the first server that needs it).
pub async fn signer(db: &db::Db) -> db::Result<Signer> {
    let key = db::secrets::get_or_create(db, SIGNING_SECRET, || {
        use rand::Rng;
        let bytes: [u8; 32] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
    .await?;
    Ok(Signer::new(key.as_bytes()))
}
