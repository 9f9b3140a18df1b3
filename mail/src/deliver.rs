//! Handing a message over: to an SMTP server (`SMTP_URL`: `smtp://` or
//! `smtps://`, with credentials; lettre's SMTP client over this crate's
//! own connections, `crate::smtp`), or without one to files under a directory
//! (`data/outbox/`), so the embedded default sends end to end on a fresh
//! machine and the campaign page can open what was sent.

use std::{path::PathBuf, sync::Arc};

use db::campaigns::outbox::Outcome;
use lettre::Message;

use crate::smtp::{Connections, Server};

/// Where messages go.
#[derive(Clone)]
pub enum Delivery {
    Smtp(Arc<Connections>),
    Files(PathBuf),
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivery::Smtp(_) => f.write_str("Delivery::Smtp"),
            Delivery::Files(dir) => write!(f, "Delivery::Files({})", dir.display()),
        }
    }
}

impl Delivery {
    /// An SMTP delivery from a URL, keeping up to `connections` open
    /// between messages.
    pub fn smtp(url: &str, connections: u32) -> Result<Delivery, String> {
        let server = Server::from_url(url)?;
        Ok(Delivery::Smtp(Arc::new(Connections::new(
            server,
            connections as usize,
        ))))
    }

    /// The file of a message in a file delivery.
    pub fn file_of(dir: &std::path::Path, campaign_id: i64, message_id: i64) -> PathBuf {
        dir.join(format!("campaign-{campaign_id}"))
            .join(format!("message-{message_id}.eml"))
    }

    /// The file of a campaign's test message (`stamp`: when it was sent,
    /// in ms) in a file delivery: beside its messages, never one of them.
    pub fn test_file_of(dir: &std::path::Path, campaign_id: i64, stamp: i64) -> PathBuf {
        dir.join(format!("campaign-{campaign_id}"))
            .join(format!("test-{stamp}.eml"))
    }

    pub async fn send(&self, campaign_id: i64, message_id: i64, message: Message) -> Outcome {
        self.hand_over(message, |dir| {
            Delivery::file_of(dir, campaign_id, message_id)
        })
        .await
    }

    /// Sends a campaign's test message (see `crate::test_send`).
    pub async fn send_test(&self, campaign_id: i64, stamp: i64, message: Message) -> Outcome {
        self.hand_over(message, |dir| {
            Delivery::test_file_of(dir, campaign_id, stamp)
        })
        .await
    }

    async fn hand_over(
        &self,
        message: Message,
        file: impl FnOnce(&std::path::Path) -> PathBuf,
    ) -> Outcome {
        let id = message
            .headers()
            .get_raw("Message-ID")
            .unwrap_or_default()
            .to_string();
        match self {
            Delivery::Smtp(connections) => match connections
                .send(message.envelope(), &message.formatted())
                .await
            {
                Ok(_) => Outcome::Sent { message_id: id },
                Err(e) if e.is_permanent() => Outcome::Permanent {
                    error: e.to_string(),
                },
                Err(e) => Outcome::Temporary {
                    error: e.to_string(),
                },
            },
            Delivery::Files(dir) => {
                let path = file(dir);
                let written = async {
                    if let Some(parent) = path.parent() {
                        tokio::fs::create_dir_all(parent).await?;
                    }
                    tokio::fs::write(&path, message.formatted()).await
                }
                .await;
                match written {
                    Ok(()) => Outcome::Sent { message_id: id },
                    Err(e) => Outcome::Temporary {
                        error: format!("writing {}: {e}", path.display()),
                    },
                }
            }
        }
    }
}
