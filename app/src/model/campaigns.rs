//! The campaign pages' shared types: what the server functions answer. A
//! campaign's life and figures are `domain::campaign`'s, the one definition
//! the data layer keeps too; dates arrive written on the store's clock.

use domain::campaign::{CampaignStatus, Stats};
use serde::{Deserialize, Serialize};

/// A campaign in the store's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub status: CampaignStatus,
    /// The segment's name (`None`: none chosen yet).
    pub segment: Option<String>,
    /// When it was created, started or scheduled for, in words.
    pub when: String,
    pub stats: Stats,
}

/// The store's campaigns, newest first, and whether the reader may write
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignList {
    pub store_name: String,
    pub campaigns: Vec<CampaignRow>,
    pub may_manage: bool,
}

/// A segment to send to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentChoice {
    pub id: i64,
    pub name: String,
}

/// A saved campaign as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignEdit {
    pub id: i64,
    pub name: String,
    pub subject: String,
    pub sender_name: String,
    /// Markdown with merge fields.
    pub body: String,
    pub segment_id: Option<i64>,
    pub status: CampaignStatus,
    /// When a scheduled campaign goes out, on the store's clock
    /// (`2025-11-24 14:03 CET`) and as a `datetime-local` value.
    pub send_at: Option<(String, String)>,
}

/// What the campaign page needs besides the report: the campaign (`None`
/// for a new one), the store's segments, the merge fields a body may use,
/// what the reader may do and whether this server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignPageView {
    pub store_name: String,
    /// The store's IANA time zone (a schedule is read in it).
    pub time_zone: String,
    pub campaign: Option<CampaignEdit>,
    pub segments: Vec<SegmentChoice>,
    /// The merge fields as written in a body (`{{ first_name }}`).
    pub fields: Vec<String>,
    /// Whether the reader may save, test, send and control campaigns.
    pub may_manage: bool,
    /// Why this server does not send (`None`: it does).
    pub sending_off: Option<String>,
}

/// A campaign rendered for one real customer of its segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    /// Who it was rendered for: their name (if known) and address.
    pub customer_name: Option<String>,
    pub customer_email: String,
    pub subject: String,
    /// The whole HTML document (shown in a sandboxed frame, never inserted).
    pub html: String,
    pub text: String,
}

/// Opens and clicks in one time bucket of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartPoint {
    /// The bucket's start on the store's clock.
    pub label: String,
    pub opens: i64,
    pub clicks: i64,
}

/// Opens and clicks over time, oldest bucket first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    /// The bucket's length in words (`15 minutes`, `1 day`).
    pub bucket: String,
    pub points: Vec<ChartPoint>,
}

/// One of the latest messages of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: i64,
    pub email: String,
    /// The outbox's word: `sent`, `failed`, `bounced`, `skipped`, `sending`,
    /// `queued` (waiting to try again).
    pub status: String,
    /// When it was sent, on the store's clock.
    pub when: Option<String>,
    pub error: Option<String>,
    /// Its file can be opened (messages go to files, and this one went).
    pub has_file: bool,
}

/// A campaign once sending started: its state, figures, chart and latest
/// messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub status: CampaignStatus,
    pub stats: Stats,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub chart: Chart,
    pub messages: Vec<MessageRow>,
    pub may_manage: bool,
}

/// What the owner asks of a campaign that is not a draft any more (or of a
/// draft: delete it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Control {
    Pause,
    Resume,
    Cancel,
    Delete,
}

impl Control {
    pub const ALL: [Control; 4] = [
        Control::Pause,
        Control::Resume,
        Control::Cancel,
        Control::Delete,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Control::Pause => "pause",
            Control::Resume => "resume",
            Control::Cancel => "cancel",
            Control::Delete => "delete",
        }
    }

    pub fn parse(word: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.as_str() == word)
    }

    /// Whether it applies to a campaign in `status`.
    pub const fn applies(self, status: CampaignStatus) -> bool {
        match self {
            Control::Pause => matches!(status, CampaignStatus::Queueing | CampaignStatus::Sending),
            Control::Resume => matches!(status, CampaignStatus::Paused),
            Control::Cancel => !matches!(status, CampaignStatus::Cancelled | CampaignStatus::Sent),
            Control::Delete => matches!(status, CampaignStatus::Draft),
        }
    }
}

/// The chart's bucket for a campaign whose engagement spans `span_ms`: the
/// shortest of a few round lengths that keeps it to at most 48 bars.
pub fn chart_bucket(span_ms: i64) -> (i64, &'static str) {
    const MINUTE: i64 = 60 * 1000;
    const BUCKETS: [(i64, &str); 9] = [
        (MINUTE, "1 minute"),
        (5 * MINUTE, "5 minutes"),
        (15 * MINUTE, "15 minutes"),
        (60 * MINUTE, "1 hour"),
        (3 * 60 * MINUTE, "3 hours"),
        (6 * 60 * MINUTE, "6 hours"),
        (12 * 60 * MINUTE, "12 hours"),
        (24 * 60 * MINUTE, "1 day"),
        (7 * 24 * 60 * MINUTE, "1 week"),
    ];
    BUCKETS
        .into_iter()
        .find(|(ms, _)| span_ms / ms < 48)
        .unwrap_or(BUCKETS[BUCKETS.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_keeps_to_48_bars() {
        assert_eq!(chart_bucket(0).1, "1 minute");
        assert_eq!(chart_bucket(30 * 60 * 1000).1, "1 minute");
        assert_eq!(chart_bucket(3 * 60 * 60 * 1000).1, "5 minutes");
        assert_eq!(chart_bucket(47 * 60 * 60 * 1000).1, "1 hour");
        assert_eq!(chart_bucket(2 * 24 * 60 * 60 * 1000).1, "3 hours");
        assert_eq!(chart_bucket(30 * 24 * 60 * 60 * 1000).1, "1 day");
        assert_eq!(chart_bucket(i64::MAX).1, "1 week");
    }

    #[test]
    fn controls_apply_where_the_data_layer_allows_them() {
        use CampaignStatus::*;
        assert!(Control::Pause.applies(Sending) && !Control::Pause.applies(Paused));
        assert!(Control::Resume.applies(Paused) && !Control::Resume.applies(Sent));
        assert!(Control::Cancel.applies(Scheduled) && !Control::Cancel.applies(Sent));
        assert!(Control::Delete.applies(Draft) && !Control::Delete.applies(Scheduled));
        for c in Control::ALL {
            assert_eq!(Control::parse(c.as_str()), Some(c));
        }
    }
}
