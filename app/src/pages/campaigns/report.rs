//! A campaign once sending started: its status and figures, pause, resume
//! and cancel for the owner, opens and clicks over time, and the latest
//! messages (each sent one opens as its file when messages go to files).

use leptos::prelude::*;

use super::chart::EngagementChart;
use crate::{
    error::AppError,
    model::campaigns::{Control, MessageRow, ReportView},
    pages::customers::format::thousands,
};

#[component]
pub fn Report(
    store_id: i64,
    campaign_id: i64,
    report: ReportView,
    /// Pause, resume, cancel: the page's, so a refresh of the report does
    /// not lose an answer on its way.
    control: Action<Control, Result<(), AppError>>,
) -> impl IntoView {
    let ReportView {
        status,
        stats,
        started,
        finished,
        chart,
        messages,
        may_manage,
    } = report;
    let refused = move || {
        control.value().get().and_then(Result::err).map(|error| {
            view! { <p class="error" role="alert" data-testid="campaign-control-error">{error.to_string()}</p> }
        })
    };
    let figure = |label: &'static str, value: i64, testid: &'static str| {
        view! {
            <div class="stat">
                <span class="stat-label">{label}</span>
                <span class="stat-value" data-testid=testid>{thousands(value)}</span>
            </div>
        }
    };
    let buttons = [
        (Control::Pause, "Pause", "button"),
        (Control::Resume, "Resume", "button primary"),
        (Control::Cancel, "Cancel sending", "button danger"),
    ]
    .into_iter()
    .filter(|(c, _, _)| may_manage && c.applies(status))
    .map(|(c, label, class)| {
        view! {
            <button type="button" class=class data-testid=format!("campaign-{}", c.as_str())
                disabled=move || control.pending().get()
                on:click=move |_| { control.dispatch(c); }>
                {label}
            </button>
        }
    })
    .collect_view();
    let when = match (started, finished) {
        (Some(s), Some(f)) => format!("Started {s}, finished {f}."),
        (Some(s), None) => format!("Started {s}."),
        _ => String::new(),
    };
    view! {
        <section class="campaign-report" data-testid="campaign-report" aria-label="How the campaign went">
            <div class="match-line">
                <p class="muted">
                    {when}
                    {status.in_flight().then_some(" The figures refresh as messages go out.")}
                </p>
                <div class="segment-actions">{buttons}</div>
            </div>
            {refused}
            <section class="stats" aria-label="Figures">
                {figure("Recipients", stats.recipients, "stat-recipients")}
                {figure("Sent", stats.sent, "stat-sent")}
                {figure("Waiting", stats.queued, "stat-queued")}
                {figure("Failed", stats.failed, "stat-failed")}
                {figure("Bounced", stats.bounced, "stat-bounced")}
                {figure("Skipped", stats.skipped, "stat-skipped")}
                {figure("Unique opens", stats.unique_opens, "stat-opens")}
                {figure("Unique clicks", stats.unique_clicks, "stat-clicks")}
                {figure("Unsubscribes", stats.unsubscribes, "stat-unsubscribes")}
                {figure("Spam reports", stats.complaints, "stat-complaints")}
            </section>
            <p class="muted small">
                "Skipped: the address unsubscribed or was suppressed before its message went."
            </p>
            <EngagementChart chart />
            <Messages store_id campaign_id messages />
        </section>
    }
}

#[component]
fn Messages(store_id: i64, campaign_id: i64, messages: Vec<MessageRow>) -> impl IntoView {
    if messages.is_empty() {
        return view! {
            <h2>"Latest messages"</h2>
            <p class="muted" data-testid="campaign-messages-none">"No message has gone out yet."</p>
        }
        .into_any();
    }
    let rows = messages
        .into_iter()
        .map(|m| {
            let file = m.has_file.then(|| {
                view! {
                    <a href=format!("/store/{store_id}/campaigns/{campaign_id}/messages/{}", m.id)
                        rel="external" target="_blank" data-testid="message-file"
                        aria-label=format!("Open the message to {}", m.email)>
                        "Open"
                    </a>
                }
            });
            view! {
                <tr data-testid="campaign-message">
                    <td>{m.email.clone()}</td>
                    <td>
                        <span class=format!("badge message-{}", m.status)>{m.status.clone()}</span>
                        {m.error.map(|e| view! { <div class="muted small">{e}</div> })}
                    </td>
                    <td>{m.when.unwrap_or_else(|| "–".into())}</td>
                    <td>{file}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Latest messages"</h2>
        <div class="table-scroll">
            <table class="segments-table">
                <thead>
                    <tr>
                        <th>"Recipient"</th>
                        <th>"Status"</th>
                        <th>"Sent"</th>
                        <th><span class="visually-hidden">"Message"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
