//! A campaign as its owner tries it before sending: the preview and the
//! test message, each rendered for a real customer of the campaign's
//! segment. Neither belongs to the outbox. Their links are signed for no
//! message ([`NO_MESSAGE`]): they open their pages (a tracked link still
//! goes where it points) but count nothing, and a test message is handed to
//! this server's delivery at once and recorded nowhere.

use db::{
    campaigns::{Campaign, merge::MergeData, outbox::Outcome},
    stores::Store,
};

use crate::{
    Links, Setup, message,
    template::{self, Rendered, TemplateError},
    worker::render_for,
};

/// The message id the links of previews and test messages are signed for:
/// no message has it (ids start at 1).
pub const NO_MESSAGE: i64 = 0;

/// Why a test message did not go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestSendError {
    /// This server does not send (the setup's refusal).
    #[error("{0}")]
    Off(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The message could not be made (the address).
    #[error("{0}")]
    Unsendable(String),
    /// The mail server refused it for good.
    #[error("the mail server refused the message: {0}")]
    Refused(String),
    /// The mail server could not take it now.
    #[error("the message could not be handed over: {0}")]
    Unavailable(String),
}

/// Links signed for no message of the store.
pub fn links(setup: &Setup, store_id: i64) -> Links {
    Links {
        signer: setup.signer.clone(),
        origin: setup.settings.public_origin.clone(),
        store_id,
        message_id: NO_MESSAGE,
    }
}

/// The campaign as the customer with `data` and `email` would get it; the
/// template checked first, so an unknown field is named with its line.
pub fn preview(
    setup: &Setup,
    campaign: &Campaign,
    store_name: &str,
    data: &MergeData,
    email: &str,
) -> Result<Rendered, TemplateError> {
    template::check(&campaign.subject, &campaign.body)?;
    render_for(
        campaign,
        store_name,
        data,
        email,
        &links(setup, campaign.store_id),
    )
}

/// Sends the campaign, rendered for the customer with `data` and `email`,
/// to `to` now, its subject marked `[Test]`, from the store's sender
/// address if it set one. `now_ms` names the message (its Message-ID, and
/// its file in a file delivery).
pub async fn send_test(
    setup: &Setup,
    campaign: &Campaign,
    store: &Store,
    data: &MergeData,
    email: &str,
    to: &str,
    now_ms: i64,
) -> Result<(), TestSendError> {
    if let Some(refusal) = &setup.refusal {
        return Err(TestSendError::Off(refusal.clone()));
    }
    let mut rendered = preview(setup, campaign, &store.name, data, email)?;
    rendered.subject = format!("[Test] {}", rendered.subject);
    let unsubscribe = links(setup, campaign.store_id).unsubscribe();
    let host = setup.settings.host();
    let from = setup
        .settings
        .sender(&campaign.sender_name, store.mail_from.as_deref());
    let mut built = message::build(
        &message::Envelope {
            from: &from,
            to,
            campaign_id: campaign.id,
            message_id: NO_MESSAGE,
            host: &host,
            unsubscribe_url: &unsubscribe,
        },
        &rendered,
    )
    .map_err(TestSendError::Unsendable)?;
    // Its own Message-ID: mail systems would fold repeated tests into one.
    built
        .headers_mut()
        .set(lettre::message::header::MessageId::from(format!(
            "<campaign-{}.test-{now_ms}@{host}>",
            campaign.id
        )));
    match setup.delivery.send_test(campaign.id, now_ms, built).await {
        Outcome::Sent { .. } => Ok(()),
        Outcome::Permanent { error } => Err(TestSendError::Refused(error)),
        Outcome::Temporary { error } => Err(TestSendError::Unavailable(error)),
        Outcome::Unsendable { error } => Err(TestSendError::Unsendable(error)),
    }
}
