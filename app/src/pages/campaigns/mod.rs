//! `/store/:store_id/campaigns`: the store's email campaigns with their
//! figures, and a campaign's page ([`campaign`]) at `/campaigns/new`
//! (`?segment=ID` chooses the segment) and `/campaigns/:campaign_id`: the
//! editor while it is a draft or scheduled ([`editor`]), the report once
//! sending started ([`report`]).

mod campaign;
mod chart;
mod editor;
mod report;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

pub use campaign::CampaignPage;

use crate::{
    api::store_campaigns,
    model::campaigns::{CampaignList, CampaignRow},
    pages::customers::format::thousands,
};

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let params = use_params_map();
    let Some(store_id) = params
        .read_untracked()
        .get("store_id")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return view! { <crate::pages::NotFound /> }.into_any();
    };
    let list = Resource::new(move || store_id, store_campaigns);
    view! {
        <Title text="Campaigns" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <CampaignTable store_id list /> }.into_any(),
                    Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn CampaignTable(store_id: i64, list: CampaignList) -> impl IntoView {
    let head = view! {
        <div class="page-head customers-head">
            <div>
                <a class="muted back" href=format!("/store/{store_id}/customers")>"← Customers"</a>
                <h1>"Campaigns"</h1>
            </div>
            {list.may_manage.then(|| view! {
                <a class="button primary" href=format!("/store/{store_id}/campaigns/new") data-testid="new-campaign">
                    "New campaign"
                </a>
            })}
        </div>
        <p class="muted">
            "A campaign sends one email to everyone in a segment who agreed to the store's emails. "
            {format!("Dates are in {}'s time zone.", list.store_name)}
        </p>
    };
    if list.campaigns.is_empty() {
        let hint = if list.may_manage {
            "No campaigns yet. Write one to a segment, such as your leads, and send it when it reads right."
        } else {
            "No campaigns yet. The store's owner writes and sends them."
        };
        return view! {
            {head}
            <p class="empty" data-testid="campaigns-none">{hint}</p>
        }
        .into_any();
    }
    let rows = list
        .campaigns
        .into_iter()
        .map(|c| view! { <Row store_id c /> })
        .collect_view();
    view! {
        {head}
        <div class="table-scroll">
            <table class="segments-table campaigns-table">
                <thead>
                    <tr>
                        <th>"Campaign"</th>
                        <th>"Status"</th>
                        <th>"Segment"</th>
                        <th class="num">"Recipients"</th>
                        <th class="num">"Sent"</th>
                        <th class="num">"Opens"</th>
                        <th class="num">"Clicks"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Row(store_id: i64, c: CampaignRow) -> impl IntoView {
    let started = !c.status.editable();
    let figure = move |n: i64| {
        if started {
            thousands(n)
        } else {
            "–".to_string()
        }
    };
    view! {
        <tr data-testid="campaign-row">
            <td>
                <a href=format!("/store/{store_id}/campaigns/{}", c.id) data-testid="campaign-open">
                    {c.name.clone()}
                </a>
                <div class="muted small">{c.when.clone()}</div>
            </td>
            <td>
                <span class=format!("badge campaign-{}", c.status.as_str()) data-testid="campaign-status">
                    {c.status.label()}
                </span>
            </td>
            <td>{c.segment.clone().unwrap_or_else(|| "–".into())}</td>
            <td class="num" data-testid="campaign-recipients">{figure(c.stats.recipients)}</td>
            <td class="num" data-testid="campaign-sent">{figure(c.stats.sent)}</td>
            <td class="num" data-testid="campaign-opens">{figure(c.stats.unique_opens)}</td>
            <td class="num" data-testid="campaign-clicks">{figure(c.stats.unique_clicks)}</td>
        </tr>
    }
}
