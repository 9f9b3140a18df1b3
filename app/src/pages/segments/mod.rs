//! `/store/:store_id/segments`: the store's saved segments, each opening the
//! customers page narrowed to it (`?segment=ID`), and the builder
//! ([`builder`]) at `/segments/new` and `/segments/:segment_id`.

mod builder;
mod draft;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

pub use builder::SegmentBuilderPage;

use crate::{api::store_segments, model::segments::SegmentSummary};

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let params = use_params_map();
    let Some(store_id) = params
        .read_untracked()
        .get("store_id")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return view! { <crate::pages::NotFound /> }.into_any();
    };
    let segments = Resource::new(move || store_id, store_segments);
    view! {
        <Title text="Segments" />
        <div class="page-head">
            <div>
                <a class="muted back" href=format!("/store/{store_id}/customers")>"← Customers"</a>
                <h1>"Segments"</h1>
            </div>
            <a class="button primary" href=format!("/store/{store_id}/segments/new") data-testid="new-segment">
                "New segment"
            </a>
        </div>
        <p class="muted">
            "A segment is a saved filter: rules in groups that match all, any or none of them. \
             Its members are worked out whenever it is opened, so it is always current."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match segments.await {
                    Ok(list) => view! { <SegmentTable store_id list /> }.into_any(),
                    Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SegmentTable(store_id: i64, list: Vec<SegmentSummary>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p class="empty" data-testid="segments-none">
                "No segments yet. Build one from rules such as \"leads inactive for 30 days\"."
            </p>
        }
        .into_any();
    }
    let rows = list
        .into_iter()
        .map(|segment| {
            view! {
                <tr data-testid="segment-row">
                    <td>
                        <a
                            href=format!("/store/{store_id}/customers?segment={}", segment.id)
                            data-testid="segment-open"
                        >
                            {segment.name.clone()}
                        </a>
                    </td>
                    <td>{segment.updated_on.clone()}</td>
                    <td>
                        <a
                            href=format!("/store/{store_id}/segments/{}", segment.id)
                            aria-label=format!("Edit {}", segment.name)
                        >
                            "Edit"
                        </a>
                    </td>
                    <td>
                        <a
                            href=format!("/store/{store_id}/campaigns/new?segment={}", segment.id)
                            aria-label=format!("Send a campaign to {}", segment.name)
                            data-testid="segment-campaign"
                        >
                            "Send a campaign"
                        </a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="segments-table">
                <thead>
                    <tr>
                        <th>"Segment"</th>
                        <th>"Changed"</th>
                        <th><span class="visually-hidden">"Edit"</span></th>
                        <th><span class="visually-hidden">"Campaign"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
