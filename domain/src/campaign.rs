//! An email campaign's life and figures: what the data layer stores and the
//! campaign pages show, one definition for both.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// Where a campaign is in its life: draft → scheduled → queueing → sending
/// → sent; paused and cancelled on the owner's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    /// Waits for `send_at`.
    Scheduled,
    /// Its recipients are being fixed (chunk by chunk).
    Queueing,
    Sending,
    Paused,
    Cancelled,
    /// Every message had its outcome.
    Sent,
}

impl CampaignStatus {
    pub const ALL: &'static [CampaignStatus] = &[
        CampaignStatus::Draft,
        CampaignStatus::Scheduled,
        CampaignStatus::Queueing,
        CampaignStatus::Sending,
        CampaignStatus::Paused,
        CampaignStatus::Cancelled,
        CampaignStatus::Sent,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Queueing => "queueing",
            CampaignStatus::Sending => "sending",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Cancelled => "cancelled",
            CampaignStatus::Sent => "sent",
        }
    }

    pub fn parse(word: &str) -> Result<CampaignStatus, Invalid> {
        CampaignStatus::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == word)
            .ok_or_else(|| Invalid::new("status", format!("unknown campaign status {word:?}")))
    }

    /// Whether its content may still change.
    pub const fn editable(self) -> bool {
        matches!(self, CampaignStatus::Draft | CampaignStatus::Scheduled)
    }

    /// Whether messages are (or are about to be) going out: the campaign
    /// page keeps its figures live while this holds.
    pub const fn in_flight(self) -> bool {
        matches!(
            self,
            CampaignStatus::Scheduled | CampaignStatus::Queueing | CampaignStatus::Sending
        )
    }

    /// The word the pages show.
    pub const fn label(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "Draft",
            CampaignStatus::Scheduled => "Scheduled",
            CampaignStatus::Queueing => "Preparing",
            CampaignStatus::Sending => "Sending",
            CampaignStatus::Paused => "Paused",
            CampaignStatus::Cancelled => "Cancelled",
            CampaignStatus::Sent => "Sent",
        }
    }
}

/// A campaign's figures: its messages by outcome, and what recipients did
/// (unique per message).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub recipients: i64,
    /// Not sent yet (waiting, or being sent now).
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
    /// Dropped at sending: the address lost consent or was suppressed.
    pub skipped: i64,
    /// Messages opened (the pixel) or clicked: mail programs that hide
    /// images never load the pixel, but a click was read.
    pub unique_opens: i64,
    pub unique_clicks: i64,
    pub unsubscribes: i64,
    /// Messages their recipient reported as spam (feedback-loop reports).
    pub complaints: i64,
}
