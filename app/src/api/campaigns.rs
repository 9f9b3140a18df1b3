//! Email campaigns of a store. Reading them (the list, a campaign's page and
//! report, its preview) is the customers page's right; writing, testing,
//! sending and controlling them reach the store's customers, so they are
//! the owner's ([`Right::ManageCustomers`]). Every call names its store, and
//! the data layer scopes every statement to it: another store's campaign is
//! not found.
//!
//! Sending itself is the worker's (`mail::worker`); these functions fix a
//! campaign's content and moment. A test message and the preview are
//! rendered here for a real customer of the segment (`mail::test_send`).

use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
use crate::auth::Right;
use crate::{
    error::AppError,
    model::campaigns::{CampaignList, CampaignPageView, PreviewView, ReportView},
};

/// How many of the latest messages a report lists.
#[cfg(feature = "ssr")]
const LATEST_MESSAGES: i64 = 20;

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use db::campaigns::{Campaign, merge};

    use crate::{error::AppError, state::AppState};

    /// This server's mail setup; without one nothing can be rendered or
    /// sent.
    pub fn setup(state: &AppState) -> Result<Arc<mail::Setup>, AppError> {
        state.mail.clone().ok_or_else(|| AppError::Invalid {
            field: "campaign".into(),
            message: "this server has no mail setup".into(),
        })
    }

    /// Why this server does not send, if it does not.
    pub fn sending_off(state: &AppState) -> Option<String> {
        match &state.mail {
            None => Some("sending is off: this server has no mail setup".into()),
            Some(setup) => setup.refusal.clone(),
        }
    }

    /// A template error as the editor shows it: the part is the field, the
    /// line and the field's name are in the message.
    pub fn template_error(error: mail::template::TemplateError) -> AppError {
        AppError::Invalid {
            field: error.part.into(),
            message: format!("line {}: {}", error.line, error.message),
        }
    }

    /// The real customer a campaign is tried with: the first member of its
    /// segment with an email, and their merge values.
    pub async fn sample(
        db: &db::Db,
        campaign: &Campaign,
    ) -> Result<(merge::MergeData, String), AppError> {
        let nobody = || AppError::Invalid {
            field: "segment_id".into(),
            message: "no one in this segment has an email address to try the campaign with".into(),
        };
        let customer = merge::preview_customer(db, campaign.store_id, campaign.segment_id)
            .await?
            .ok_or_else(nobody)?;
        let data = merge::merge_data(db, campaign.store_id, &[customer])
            .await?
            .remove(&customer)
            .ok_or_else(nobody)?;
        let email = data.email.clone().ok_or_else(nobody)?;
        Ok((data, email))
    }
}

/// The store's campaigns, newest first, with their figures.
#[server(endpoint = "campaigns", input = GetUrl)]
pub async fn store_campaigns(store_id: i64) -> Result<CampaignList, AppError> {
    use std::collections::HashMap;

    use crate::model::campaigns::CampaignRow;

    let access = crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    let (store, campaigns, segments) = tokio::join!(
        db::stores::get_store(&db, store_id),
        db::campaigns::list(&db, store_id),
        db::segments::list(&db, store_id),
    );
    let (store, campaigns, segments) = (store?, campaigns?, segments?);
    let ids: Vec<i64> = campaigns.iter().map(|c| c.id).collect();
    let mut stats = db::campaigns::engagement::stats_of(&db, store_id, &ids).await?;
    let names: HashMap<i64, String> = segments.into_iter().map(|s| (s.id, s.name)).collect();
    let clock = store.clock();
    let campaigns = campaigns
        .into_iter()
        .map(|c| {
            let when = match (c.status, c.send_at, c.started_at) {
                (db::campaigns::CampaignStatus::Scheduled, Some(at), _) => {
                    format!("for {}", clock.date_time(at))
                }
                (_, _, Some(at)) => format!("started {}", clock.date(at)),
                _ => format!("created {}", clock.date(c.created_at)),
            };
            CampaignRow {
                id: c.id,
                segment: c.segment_id.and_then(|id| names.get(&id).cloned()),
                name: c.name,
                status: c.status,
                when,
                stats: stats.remove(&c.id).unwrap_or_default(),
            }
        })
        .collect();
    Ok(CampaignList {
        store_name: store.name,
        campaigns,
        may_manage: access.role.may(Right::ManageCustomers),
    })
}

/// One campaign for its page (`campaign_id` `None`: a new one), the
/// store's segments, the merge fields, and whether this server sends.
#[server(endpoint = "campaigns/page", input = GetUrl)]
pub async fn campaign_page(
    store_id: i64,
    #[server(default)] campaign_id: Option<i64>,
) -> Result<CampaignPageView, AppError> {
    use crate::model::campaigns::{CampaignEdit, SegmentChoice};

    let access = crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let state = crate::state::app_state()?;
    let db = &state.db;
    let (store, segments) = tokio::join!(
        db::stores::get_store(db, store_id),
        db::segments::list(db, store_id),
    );
    let (store, segments) = (store?, segments?);
    let clock = store.clock();
    let campaign = match campaign_id {
        Some(id) => {
            let c = db::campaigns::get(db, store_id, id).await?;
            Some(CampaignEdit {
                id: c.id,
                name: c.name,
                subject: c.subject,
                sender_name: c.sender_name,
                body: c.body,
                segment_id: c.segment_id,
                status: c.status,
                send_at: c
                    .send_at
                    .filter(|_| c.status == db::campaigns::CampaignStatus::Scheduled)
                    .map(|at| (clock.date_time(at), clock.local_input(at))),
            })
        }
        None => None,
    };
    let fields = mail::template::FIELDS
        .iter()
        .map(|field| match *field {
            "progress" => "{{ progress(\"Course title\") }}".to_string(),
            field => format!("{{{{ {field} }}}}"),
        })
        .collect();
    Ok(CampaignPageView {
        store_name: store.name,
        time_zone: store.time_zone,
        campaign,
        segments: segments
            .into_iter()
            .map(|s| SegmentChoice {
                id: s.id,
                name: s.name,
            })
            .collect(),
        fields,
        may_manage: access.role.may(Right::ManageCustomers),
        sending_off: ssr::sending_off(&state),
    })
}

/// A campaign's state since sending started: figures, opens and clicks over
/// time, the latest messages.
#[server(endpoint = "campaigns/report", input = GetUrl)]
pub async fn campaign_report(store_id: i64, campaign_id: i64) -> Result<ReportView, AppError> {
    use db::campaigns::engagement;

    use crate::model::campaigns::{Chart, ChartPoint, MessageRow, chart_bucket};

    let access = crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let state = crate::state::app_state()?;
    let db = &state.db;
    let campaign = db::campaigns::get(db, store_id, campaign_id).await?;
    let clock = db::stores::get_store(db, store_id).await?.clock();
    let now = db::time::now_ms();
    let start = campaign.started_at.unwrap_or(campaign.created_at).min(now);
    let (bucket_ms, bucket) = chart_bucket(now - start);
    let (stats, over_time, messages) = tokio::join!(
        engagement::stats(db, store_id, campaign_id),
        engagement::over_time(db, store_id, campaign_id, bucket_ms),
        engagement::recent_messages(db, store_id, campaign_id, LATEST_MESSAGES),
    );
    let (stats, over_time, messages) = (stats?, over_time?, messages?);
    // Every bucket from the start to now, empty ones too (a time axis).
    let first = (start / bucket_ms) * bucket_ms;
    let last = over_time.last().map_or(now, |(at, _, _)| (*at).max(now));
    let mut counts = over_time.into_iter().peekable();
    let mut points = Vec::new();
    let mut at = first;
    while at <= last && points.len() < 60 {
        let (mut opens, mut clicks) = (0, 0);
        while let Some((_, o, c)) = counts.next_if(|(b, _, _)| *b <= at) {
            opens += o;
            clicks += c;
        }
        points.push(ChartPoint {
            label: if bucket_ms >= 24 * 60 * 60 * 1000 {
                clock.date(at)
            } else {
                clock.date_time(at)
            },
            opens,
            clicks,
        });
        at += bucket_ms;
    }
    let files = state
        .mail
        .as_ref()
        .is_some_and(|setup| setup.outbox_dir.is_some());
    Ok(ReportView {
        status: campaign.status,
        stats,
        started: campaign.started_at.map(|at| clock.date_time(at)),
        finished: campaign.finished_at.map(|at| clock.date_time(at)),
        chart: Chart {
            bucket: bucket.to_string(),
            points,
        },
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                has_file: files && m.status == "sent",
                id: m.id,
                email: m.email,
                when: m.sent_at.map(|at| clock.date_time(at)),
                status: m.status,
                error: m.error,
            })
            .collect(),
        may_manage: access.role.may(Right::ManageCustomers),
    })
}

/// The saved campaign rendered for a real customer of its segment: subject,
/// HTML and plain text. A template error names its line and field.
#[server(endpoint = "campaigns/preview", input = GetUrl)]
pub async fn preview_campaign(store_id: i64, campaign_id: i64) -> Result<PreviewView, AppError> {
    crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let state = crate::state::app_state()?;
    let setup = ssr::setup(&state)?;
    let db = &state.db;
    let campaign = db::campaigns::get(db, store_id, campaign_id).await?;
    let store = db::stores::get_store(db, store_id).await?;
    let (data, email) = ssr::sample(db, &campaign).await?;
    let rendered = mail::test_send::preview(&setup, &campaign, &store.name, &data, &email)
        .map_err(ssr::template_error)?;
    Ok(PreviewView {
        customer_name: data.name,
        customer_email: email,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
    })
}

/// Saves a new draft (no `campaign_id`) or changes a campaign that has not
/// started sending; answers its id.
#[server(endpoint = "campaigns/save")]
pub async fn save_campaign(
    store_id: i64,
    #[server(default)] campaign_id: Option<i64>,
    name: String,
    subject: String,
    sender_name: String,
    body: String,
    #[server(default)] segment_id: Option<i64>,
) -> Result<i64, AppError> {
    let access = crate::auth::ssr::authorize_store(store_id, Right::ManageCustomers).await?;
    let db = crate::state::app_state()?.db;
    let input = db::campaigns::CampaignInput {
        name,
        subject,
        sender_name,
        body,
        segment_id,
    };
    let now = db::time::now_ms();
    let id = match campaign_id {
        Some(id) => {
            db::campaigns::update(&db, store_id, id, &input, now).await?;
            id
        }
        None => db::campaigns::create(&db, store_id, &input, now).await?,
    };
    tracing::info!(
        store = store_id,
        by = access.account.id,
        campaign = id,
        "campaign saved"
    );
    Ok(id)
}

/// Sends the saved campaign, rendered for a real customer of its segment,
/// to `to` now: straight to this server's delivery, not through the outbox
/// (nothing is counted). Refused, saying why, when this server does not
/// send.
#[server(endpoint = "campaigns/test")]
pub async fn test_campaign(store_id: i64, campaign_id: i64, to: String) -> Result<(), AppError> {
    use mail::test_send::TestSendError;

    let access = crate::auth::ssr::authorize_store(store_id, Right::ManageCustomers).await?;
    let state = crate::state::app_state()?;
    let setup = ssr::setup(&state)?;
    let to = db::validate::Email::parse("to", &to)?;
    let db = &state.db;
    let campaign = db::campaigns::get(db, store_id, campaign_id).await?;
    let store = db::stores::get_store(db, store_id).await?;
    let (data, email) = ssr::sample(db, &campaign).await?;
    let now = db::time::now_ms();
    let sent =
        mail::test_send::send_test(&setup, &campaign, &store, &data, &email, to.as_str(), now)
            .await;
    let invalid = |field: &str, message: String| AppError::Invalid {
        field: field.into(),
        message,
    };
    match sent {
        Ok(()) => {
            tracing::info!(
                store = store_id,
                by = access.account.id,
                campaign = campaign_id,
                "campaign test message sent"
            );
            Ok(())
        }
        Err(TestSendError::Off(refusal)) => Err(invalid("campaign", refusal)),
        Err(TestSendError::Template(error)) => Err(ssr::template_error(error)),
        Err(TestSendError::Unsendable(error) | TestSendError::Refused(error)) => {
            tracing::info!(store = store_id, campaign = campaign_id, %error, "test message refused");
            Err(invalid("to", format!("the message was refused: {error}")))
        }
        Err(TestSendError::Unavailable(error)) => {
            tracing::warn!(store = store_id, campaign = campaign_id, %error, "test message not handed over");
            Err(invalid(
                "to",
                "the mail server could not take the message now; try again shortly".into(),
            ))
        }
    }
}

/// Starts sending the saved campaign now, or at `send_at` (a wall-clock
/// time of the store's time zone, `2025-11-24T14:03`). The template is
/// checked first; the recipients are fixed when sending starts.
#[server(endpoint = "campaigns/send")]
pub async fn send_campaign(
    store_id: i64,
    campaign_id: i64,
    #[server(default)] send_at: Option<String>,
) -> Result<(), AppError> {
    let access = crate::auth::ssr::authorize_store(store_id, Right::ManageCustomers).await?;
    let state = crate::state::app_state()?;
    if let Some(refusal) = ssr::sending_off(&state) {
        return Err(AppError::Invalid {
            field: "campaign".into(),
            message: refusal,
        });
    }
    let db = &state.db;
    let campaign = db::campaigns::get(db, store_id, campaign_id).await?;
    mail::template::check(&campaign.subject, &campaign.body).map_err(ssr::template_error)?;
    let now = db::time::now_ms();
    let at = match send_at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            let clock = db::stores::get_store(db, store_id).await?.clock();
            let at = clock.parse_local("send_at", text)?;
            if at <= now {
                return Err(AppError::Invalid {
                    field: "send_at".into(),
                    message: "is in the past; choose a later time or send now".into(),
                });
            }
            Some(at)
        }
        None => None,
    };
    db::campaigns::start(db, store_id, campaign_id, at, now).await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        campaign = campaign_id,
        scheduled = at,
        "campaign sending started"
    );
    Ok(())
}

/// Pauses, resumes or cancels a campaign, or deletes a draft (`action`:
/// `pause`, `resume`, `cancel`, `delete`).
#[server(endpoint = "campaigns/control")]
pub async fn control_campaign(
    store_id: i64,
    campaign_id: i64,
    action: String,
) -> Result<(), AppError> {
    use crate::model::campaigns::Control;

    let access = crate::auth::ssr::authorize_store(store_id, Right::ManageCustomers).await?;
    let db = crate::state::app_state()?.db;
    let control = Control::parse(&action).ok_or_else(|| AppError::Invalid {
        field: "action".into(),
        message: "must be pause, resume, cancel or delete".into(),
    })?;
    let now = db::time::now_ms();
    match control {
        Control::Pause => db::campaigns::pause(&db, store_id, campaign_id, now).await?,
        Control::Resume => db::campaigns::resume(&db, store_id, campaign_id, now).await?,
        Control::Cancel => db::campaigns::cancel(&db, store_id, campaign_id, now).await?,
        Control::Delete => db::campaigns::delete_draft(&db, store_id, campaign_id).await?,
    }
    tracing::info!(
        store = store_id,
        by = access.account.id,
        campaign = campaign_id,
        action = control.as_str(),
        "campaign controlled"
    );
    Ok(())
}
