//! How this server sends, from its configuration: `SMTP_URL` (`smtp://` or
//! `smtps://user:password@host:port`), `MAIL_FROM`, `PUBLIC_ORIGIN` (links
//! in messages), the rate and connections. With an SMTP server, the sender
//! and the public origin must be given: sending refuses, saying which is
//! missing. Without one, messages go to files under the outbox directory
//! (`data/outbox/`), from `MAIL_FROM` or `campaigns@localhost`, with links to
//! `PUBLIC_ORIGIN` or the address the server listens on, so the embedded
//! default sends end to end on a fresh machine.

use std::{path::PathBuf, time::Duration};

use lettre::message::Mailbox;

use crate::{Delivery, Settings, Signer, Worker};

/// What the configuration says.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub public_origin: Option<String>,
    /// Messages per second per server.
    pub rate: u32,
    pub connections: u32,
    pub outbox_dir: PathBuf,
    /// The address this server listens on (the links' fallback origin).
    pub listen: String,
    /// How long a claim holds (see `Settings::lease`); zero: two minutes.
    pub lease: Duration,
}

/// The sending of this server: ready, or why not.
#[derive(Debug, Clone)]
pub struct Setup {
    pub delivery: Delivery,
    pub settings: Settings,
    pub signer: Signer,
    /// Messages are files here (no `SMTP_URL`).
    pub outbox_dir: Option<PathBuf>,
    /// Why sending is refused (the message shown to the owner).
    pub refusal: Option<String>,
}

impl Setup {
    pub fn new(config: &MailConfig, signer: Signer, worker: String) -> Setup {
        let origin = config
            .public_origin
            .clone()
            .map(|o| o.trim_end_matches('/').to_string());
        let mut refusal = None;
        let (delivery, outbox_dir, from, origin) = match &config.smtp_url {
            Some(url) => {
                let delivery = match Delivery::smtp(url, config.connections.max(1)) {
                    Ok(delivery) => delivery,
                    Err(error) => {
                        refusal = Some(error);
                        Delivery::Files(config.outbox_dir.clone())
                    }
                };
                if config.mail_from.is_none() {
                    refusal.get_or_insert_with(|| {
                        "sending is off: SMTP_URL is set but MAIL_FROM (the sender address) \
                         is missing"
                            .into()
                    });
                }
                if origin.is_none() {
                    refusal.get_or_insert_with(|| {
                        "sending is off: SMTP_URL is set but PUBLIC_ORIGIN (for the links in \
                         messages) is missing"
                            .into()
                    });
                }
                (
                    delivery,
                    None,
                    config.mail_from.clone(),
                    origin.unwrap_or_default(),
                )
            }
            None => (
                Delivery::Files(config.outbox_dir.clone()),
                Some(config.outbox_dir.clone()),
                config
                    .mail_from
                    .clone()
                    .or_else(|| Some("campaigns@localhost".into())),
                origin.unwrap_or_else(|| format!("http://{}", config.listen)),
            ),
        };
        let from: Mailbox = match from.as_deref().map(str::parse) {
            Some(Ok(mailbox)) => mailbox,
            Some(Err(e)) => {
                refusal.get_or_insert_with(|| format!("sending is off: MAIL_FROM: {e}"));
                "campaigns@localhost".parse().expect("a valid address")
            }
            None => "campaigns@localhost".parse().expect("a valid address"),
        };
        let rate = config.rate.max(1);
        Setup {
            delivery,
            settings: Settings {
                from,
                public_origin: origin,
                rate,
                connections: config.connections.max(1) as usize,
                batch: rate.min(500),
                lease: if config.lease.is_zero() {
                    Duration::from_secs(120)
                } else {
                    config.lease
                },
                worker,
            },
            signer,
            outbox_dir,
            refusal,
        }
    }

    /// The worker to run, unless sending is refused.
    pub fn worker(&self, db: &db::Db) -> Option<Worker> {
        self.refusal.is_none().then(|| Worker {
            db: db.clone(),
            delivery: self.delivery.clone(),
            signer: self.signer.clone(),
            settings: self.settings.clone(),
        })
    }
}
