//! One campaign's page. Two resources, both made here when the page is
//! (never inside a `Suspend`): the page (the campaign, the store's segments,
//! what the reader may do) and the report (status, figures, chart, latest
//! messages). While the campaign is in flight the report is asked again
//! every [`REFRESH`] (in the browser only, by an interval cleared when the
//! page goes); when it says sending has started, the page is read again so
//! the editor gives way to the report.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{editor::Editor, report::Report};
use crate::{
    api::{campaign_page, campaign_report, control_campaign},
    error::AppError,
    model::campaigns::{CampaignPageView, Control},
};

/// How often the figures of a campaign in flight are read again.
const REFRESH: Duration = Duration::from_secs(2);

#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // Reactive: saving a new campaign goes from `/new` to its id on the
    // same route.
    let route = Memo::new(move |_| {
        params.with(|p| {
            let store = p.get("store_id").and_then(|id| id.parse::<i64>().ok());
            let campaign = match p.get("campaign_id").as_deref() {
                None | Some("new") => Ok(None),
                Some(id) => id.parse::<i64>().map(Some),
            };
            match (store, campaign) {
                (Some(store), Ok(campaign)) => Some((store, campaign)),
                _ => None,
            }
        })
    });
    if route.get_untracked().is_none() {
        return view! { <crate::pages::NotFound /> }.into_any();
    }
    let preselect = query
        .read_untracked()
        .get("segment")
        .and_then(|id| id.parse::<i64>().ok());
    // Bumped by what changes the campaign's state (sending, controls).
    let version = RwSignal::new(0_u32);
    let tick = RwSignal::new(0_u32);
    // Blocking: the response waits for it, so another store's campaign is
    // answered 404, not a 200 that says "not found".
    let page = Resource::new_blocking(
        move || (route.get(), version.get()),
        |(route, _)| async move {
            let (store, campaign) = route.ok_or(AppError::NotFound)?;
            campaign_page(store, campaign).await
        },
    );
    let report = Resource::new(
        move || (route.get(), version.get(), tick.get()),
        |(route, _, _)| async move {
            match route {
                Some((store, Some(campaign))) => campaign_report(store, campaign).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    let status = Memo::new(move |_| {
        report
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|r| r.status)
    });
    // Live while messages are (about to be) going out.
    Effect::new(move |_| {
        if status.get().is_some_and(|s| s.in_flight()) {
            let handle =
                set_interval_with_handle(move || tick.update(|t| *t = t.wrapping_add(1)), REFRESH)
                    .ok();
            on_cleanup(move || {
                if let Some(handle) = handle {
                    handle.clear();
                }
            });
        }
    });
    // A scheduled campaign that started (or any change the page did not
    // make): read the page again.
    Effect::new(move |_| {
        let shown = page
            .get()
            .and_then(Result::ok)
            .and_then(|p| p.campaign.map(|c| c.status));
        if let (Some(shown), Some(now)) = (shown, status.get())
            && shown.editable() != now.editable()
        {
            version.update(|v| *v += 1);
        }
    });

    let control = Action::new_local(move |c: &Control| {
        let (c, route) = (*c, route.get_untracked());
        async move {
            match route {
                Some((store, Some(campaign))) => {
                    control_campaign(store, campaign, c.as_str().into()).await
                }
                _ => Err(AppError::NotFound),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = control.value().get() {
            version.update(|v| *v += 1);
        }
    });

    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let store_id = route.get_untracked().map_or(0, |(store, _)| store);
                match page.await {
                    Ok(view) => view! { <Head store_id view=view.clone() /> <Body store_id view preselect version /> }.into_any(),
                    Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let store_id = route.get_untracked().map_or(0, |(store, _)| store);
                match report.await {
                    Ok(Some(report)) if !report.status.editable() => {
                        let campaign_id = route.get_untracked().and_then(|(_, c)| c).unwrap_or(0);
                        view! { <Report store_id campaign_id report control /> }.into_any()
                    }
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// The title, the way back, and the campaign's status.
#[component]
fn Head(store_id: i64, view: CampaignPageView) -> impl IntoView {
    let title = view
        .campaign
        .as_ref()
        .map_or("New campaign".to_string(), |c| c.name.clone());
    let status = view.campaign.as_ref().map(|c| c.status);
    view! {
        <Title text=title.clone() />
        <div class="page-head customers-head">
            <div>
                <a class="muted back" href=format!("/store/{store_id}/campaigns")>"← Campaigns"</a>
                <h1>{title}</h1>
            </div>
            {status.map(|s| view! {
                <span class=format!("badge campaign-{}", s.as_str()) data-testid="campaign-status">
                    {s.label()}
                </span>
            })}
        </div>
    }
}

/// The editor while the campaign's content may change, else nothing (the
/// report follows).
#[component]
fn Body(
    store_id: i64,
    view: CampaignPageView,
    preselect: Option<i64>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let editable = view.campaign.as_ref().is_none_or(|c| c.status.editable());
    editable.then(|| view! { <Editor store_id view preselect version /> })
}
