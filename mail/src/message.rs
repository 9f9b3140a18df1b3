//! One campaign message as it goes out: multipart plain text and HTML, a
//! `Message-ID` naming the campaign and message (a message sent again after
//! a crash has the same id, so mail systems can tell), and one-click
//! unsubscribe (RFC 8058: `List-Unsubscribe` with an HTTPS link and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).

use lettre::{
    Message,
    message::{
        Mailbox, MultiPart,
        header::{HeaderName, HeaderValue},
    },
};

use crate::template::Rendered;

/// Who a message is from and to, and its links.
pub struct Envelope<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub campaign_id: i64,
    pub message_id: i64,
    /// The host part of Message-IDs (the public origin's host).
    pub host: &'a str,
    pub unsubscribe_url: &'a str,
}

/// The message's `Message-ID`.
pub fn message_id(campaign_id: i64, message_id: i64, host: &str) -> String {
    format!("<campaign-{campaign_id}.message-{message_id}@{host}>")
}

fn header(name: &str, value: &str) -> HeaderValue {
    HeaderValue::new(
        HeaderName::new_from_ascii(name.to_string()).expect("a valid header name"),
        value.to_string(),
    )
}

pub fn build(envelope: &Envelope<'_>, rendered: &Rendered) -> Result<Message, String> {
    let to: Mailbox = envelope
        .to
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", envelope.to))?;
    Message::builder()
        .from(envelope.from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(message_id(
            envelope.campaign_id,
            envelope.message_id,
            envelope.host,
        )))
        .raw_header(header(
            "List-Unsubscribe",
            &format!("<{}>", envelope.unsubscribe_url),
        ))
        .raw_header(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click",
        ))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| e.to_string())
}
