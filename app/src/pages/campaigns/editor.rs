//! The campaign editor: name, subject, sender name, segment and the
//! Markdown body with its merge fields; Save draft, then Preview, Test send
//! and Send now or Schedule. Each of those saves what the editor says
//! first, so what is previewed, tested and sent is what the owner sees. A
//! new campaign is saved once before the rest (it then has its own page).

use leptos::prelude::*;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use crate::{
    api::{control_campaign, preview_campaign, save_campaign, send_campaign, test_campaign},
    error::AppError,
    model::campaigns::{CampaignPageView, Control, PreviewView},
};

/// What a button asks for, after saving.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Save,
    Preview,
    Test(String),
    /// Now (`None`) or at a wall-clock time of the store.
    Send(Option<String>),
    Delete,
    Cancel,
}

/// What it did.
#[derive(Clone, Debug, PartialEq)]
enum Done {
    Saved,
    Previewed(Box<PreviewView>),
    Tested(String),
    Sent,
    Deleted,
    Cancelled,
}

#[component]
pub fn Editor(
    store_id: i64,
    view: CampaignPageView,
    preselect: Option<i64>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let CampaignPageView {
        time_zone,
        campaign,
        segments,
        fields,
        may_manage,
        sending_off,
        ..
    } = view;
    let campaign_id = campaign.as_ref().map(|c| c.id);
    let scheduled = campaign.as_ref().and_then(|c| c.send_at.clone());
    let is_scheduled =
        campaign.as_ref().map(|c| c.status) == Some(domain::campaign::CampaignStatus::Scheduled);
    let text = |f: fn(&crate::model::campaigns::CampaignEdit) -> String| {
        RwSignal::new(campaign.as_ref().map(f).unwrap_or_default())
    };
    let name = text(|c| c.name.clone());
    let subject = text(|c| c.subject.clone());
    let sender = text(|c| c.sender_name.clone());
    let body = text(|c| c.body.clone());
    let segment = RwSignal::new(
        campaign
            .as_ref()
            .map_or(preselect, |c| c.segment_id)
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );
    let test_to = RwSignal::new(String::new());
    let send_at = RwSignal::new(
        scheduled
            .as_ref()
            .map(|(_, input)| input.clone())
            .unwrap_or_default(),
    );
    let confirming = RwSignal::new(false);
    let preview = RwSignal::new(None::<PreviewView>);

    let act = Action::new_local(move |step: &Step| {
        let step = step.clone();
        let segment_id = segment.get_untracked().parse::<i64>().ok();
        let (name, subject, sender, body) = (
            name.get_untracked(),
            subject.get_untracked(),
            sender.get_untracked(),
            body.get_untracked(),
        );
        async move {
            // Members read and preview; only the owner's edits are saved.
            let id = match (&step, campaign_id) {
                (Step::Preview, Some(id)) if !may_manage => id,
                (Step::Delete | Step::Cancel, Some(id)) => id,
                _ => {
                    save_campaign(
                        store_id,
                        campaign_id,
                        name,
                        subject,
                        sender,
                        body,
                        segment_id,
                    )
                    .await?
                }
            };
            let done = match step {
                Step::Save => Done::Saved,
                Step::Preview => Done::Previewed(Box::new(preview_campaign(store_id, id).await?)),
                Step::Test(to) => {
                    test_campaign(store_id, id, to.clone()).await?;
                    Done::Tested(to)
                }
                Step::Send(at) => {
                    send_campaign(store_id, id, at).await?;
                    Done::Sent
                }
                Step::Delete => {
                    control_campaign(store_id, id, Control::Delete.as_str().into()).await?;
                    Done::Deleted
                }
                Step::Cancel => {
                    control_campaign(store_id, id, Control::Cancel.as_str().into()).await?;
                    Done::Cancelled
                }
            };
            Ok::<_, AppError>((id, done))
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok((id, done))) = act.value().get() {
            if campaign_id.is_none() {
                // A new campaign has its page now.
                navigate(
                    &format!("/store/{store_id}/campaigns/{id}"),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            } else if done == Done::Deleted {
                navigate(&format!("/store/{store_id}/campaigns"), Default::default());
            } else if matches!(done, Done::Sent | Done::Cancelled) {
                version.update(|v| *v += 1);
            }
            if let Done::Previewed(view) = done {
                preview.set(Some(*view));
            }
        }
    });
    let busy = move || act.pending().get();
    let said = move || {
        match act.value().get() {
        Some(Ok((_, Done::Saved))) => view! {
            <p class="notice" role="status" data-testid="campaign-saved">"Draft saved."</p>
        }
        .into_any(),
        Some(Ok((_, Done::Tested(to)))) => view! {
            <p class="notice" role="status" data-testid="campaign-tested">{format!("Test message sent to {to}.")}</p>
        }
        .into_any(),
        Some(Err(error)) => view! {
            <p class="error" role="alert" data-testid="campaign-error">{error.to_string()}</p>
        }
        .into_any(),
        _ => ().into_any(),
    }
    };

    let segment_options = segments
        .into_iter()
        .map(|s| {
            let value = s.id.to_string();
            let selected = value.clone();
            view! { <option value=value selected=move || segment.get() == selected>{s.name}</option> }
        })
        .collect_view();
    let field_list = fields
        .into_iter()
        .map(|f| view! { <li><code>{f}</code></li> })
        .collect_view();
    let saved = campaign_id.is_some();
    let off = sending_off.clone();
    let can_send = saved && may_manage && sending_off.is_none();

    view! {
        {scheduled.map(|(when, _)| view! {
            <p class="notice" data-testid="campaign-scheduled">
                {format!("Scheduled for {when}. Change it below, send it now, or cancel it.")}
            </p>
        })}
        {(!may_manage).then(|| view! {
            <p class="muted" data-testid="campaign-read-only">
                "Only the store's owner edits and sends campaigns; the preview works for everyone."
            </p>
        })}
        <form
            class="campaign-editor"
            data-testid="campaign-editor"
            on:submit=move |ev| {
                ev.prevent_default();
                act.dispatch(Step::Save);
            }
        >
            <fieldset class="campaign-fields" disabled=!may_manage>
                <label class="segment-name">
                    "Name (only you see it)"
                    <input required maxlength="100" data-testid="campaign-name"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))
                        placeholder="Spring newsletter" />
                </label>
                <label class="segment-name">
                    "Send to"
                    <select data-testid="campaign-segment" on:change=move |ev| segment.set(event_target_value(&ev))>
                        <option value="" selected=move || segment.get().is_empty()>"Choose a segment…"</option>
                        {segment_options}
                    </select>
                </label>
                <label class="segment-name">
                    "Sender name"
                    <input maxlength="100" data-testid="campaign-sender"
                        prop:value=move || sender.get() on:input=move |ev| sender.set(event_target_value(&ev))
                        placeholder="Ann from Mindful Makers" />
                </label>
                <label class="segment-name campaign-subject">
                    "Subject"
                    <input maxlength="200" data-testid="campaign-subject"
                        prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev))
                        placeholder="News for {{ first_name }}" />
                </label>
                <div class="campaign-body">
                    <label class="segment-name" for="campaign-body">"Message (Markdown)"</label>
                    <textarea id="campaign-body" rows="14" maxlength="100000" data-testid="campaign-body"
                        aria-describedby="campaign-fields-help"
                        prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))>
                        {body.get_untracked()}
                    </textarea>
                    <div id="campaign-fields-help" class="campaign-help muted">
                        <p>"Merge fields put each recipient's own details in:"</p>
                        <ul class="merge-fields" data-testid="merge-fields">{field_list}</ul>
                    </div>
                </div>
            </fieldset>
            <div class="segment-actions campaign-actions">
                {may_manage.then(|| view! {
                    <button type="submit" class="button" data-testid="campaign-save" disabled=busy>
                        "Save draft"
                    </button>
                })}
                <button type="button" class="button" data-testid="campaign-preview-button"
                    disabled=move || !saved || busy()
                    on:click=move |_| { act.dispatch(Step::Preview); }>
                    "Preview"
                </button>
                {(may_manage && saved).then(|| {
                    let (step, label, testid) = if is_scheduled {
                        (Step::Cancel, "Cancel campaign", "campaign-cancel")
                    } else {
                        (Step::Delete, "Delete draft", "campaign-delete")
                    };
                    view! {
                        <button type="button" class="button danger" data-testid=testid disabled=busy
                            on:click=move |_| { act.dispatch(step.clone()); }>
                            {label}
                        </button>
                    }
                })}
            </div>
            {(!saved && may_manage).then(|| view! {
                <p class="muted">"Save the draft to preview, test and send it."</p>
            })}
            {said}
        </form>

        {move || preview.get().map(|p| view! { <Preview p /> })}

        {may_manage.then(|| view! {
            <section class="campaign-send" aria-labelledby="campaign-send-title">
                <h2 id="campaign-send-title">"Try it, then send"</h2>
                {off.map(|why| view! {
                    <p class="error" role="status" data-testid="sending-off">{why}</p>
                })}
                <form class="inline-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.dispatch(Step::Test(test_to.get_untracked()));
                }>
                    <label for="campaign-test-to">"Send a test to"</label>
                    <input id="campaign-test-to" type="email" required data-testid="campaign-test-to"
                        placeholder="you@example.com"
                        prop:value=move || test_to.get() on:input=move |ev| test_to.set(event_target_value(&ev)) />
                    <button type="submit" class="button" data-testid="campaign-test-send"
                        disabled=move || !can_send || busy()>
                        "Send test"
                    </button>
                </form>
                <div class="inline-form">
                    {move || if confirming.get() {
                        view! {
                            <span role="alert">
                                "Send to everyone in the segment who agreed to emails? This cannot be undone."
                            </span>
                            <button type="button" class="button primary" data-testid="campaign-send-confirm"
                                disabled=busy
                                on:click=move |_| { confirming.set(false); act.dispatch(Step::Send(None)); }>
                                "Yes, send now"
                            </button>
                            <button type="button" class="button" on:click=move |_| confirming.set(false)>
                                "Not yet"
                            </button>
                        }
                        .into_any()
                    } else {
                        view! {
                            <button type="button" class="button primary" data-testid="campaign-send-now"
                                disabled=move || !can_send || busy()
                                on:click=move |_| confirming.set(true)>
                                "Send now"
                            </button>
                        }
                        .into_any()
                    }}
                </div>
                <form class="inline-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.dispatch(Step::Send(Some(send_at.get_untracked())));
                }>
                    <label for="campaign-send-at">{format!("Or send at ({time_zone})")}</label>
                    <input id="campaign-send-at" type="datetime-local" required data-testid="campaign-send-at"
                        prop:value=move || send_at.get() on:input=move |ev| send_at.set(event_target_value(&ev)) />
                    <button type="submit" class="button" data-testid="campaign-schedule"
                        disabled=move || !can_send || busy()>
                        "Schedule"
                    </button>
                </form>
            </section>
        })}
    }
}

/// The campaign as one real customer gets it: subject, the HTML in a
/// sandboxed frame (no scripts, no same-origin access; never inserted into
/// the page), and the plain text.
#[component]
fn Preview(p: PreviewView) -> impl IntoView {
    let who = match &p.customer_name {
        Some(name) => format!("{name} <{}>", p.customer_email),
        None => p.customer_email.clone(),
    };
    view! {
        <section class="campaign-preview" data-testid="campaign-preview" aria-labelledby="campaign-preview-title">
            <h2 id="campaign-preview-title">"Preview"</h2>
            <p class="muted">"As " <span data-testid="preview-customer">{who}</span> " will get it."</p>
            <p><strong>"Subject: "</strong><span data-testid="preview-subject">{p.subject}</span></p>
            <iframe class="campaign-frame" sandbox="" srcdoc=p.html title="The email as HTML"
                data-testid="preview-html"></iframe>
            <details>
                <summary>"Plain text"</summary>
                <pre class="campaign-text" data-testid="preview-text">{p.text}</pre>
            </details>
        </section>
    }
}
