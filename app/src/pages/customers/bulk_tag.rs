//! "Tag all N matching": applies a tag to every customer the current filter
//! matches (the whole set, not the page shown), after a confirmation that
//! says how many.

use leptos::{html, prelude::*};

use super::{PageState, format::thousands};
use crate::api::TagMatching;

#[component]
pub fn BulkTag(total: i64) -> impl IntoView {
    let state = PageState::get();
    let action = ServerAction::<TagMatching>::new();
    let input = NodeRef::<html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(tag) = input.get().map(|i| i.value().trim().to_string()) else {
            return;
        };
        if tag.is_empty() {
            return;
        }
        let question = format!(
            "Tag all {} matching customers with \u{201c}{tag}\u{201d}?",
            thousands(total)
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            action.dispatch(TagMatching {
                store_id: state.store_id.get_untracked(),
                filter: state.filter.get_untracked().with("after", ""),
                tag,
            });
        }
    };
    let outcome = move || {
        action.value().get().map(|result| match result {
            Ok(n) => view! {
                <span class="muted" data-testid="bulk-tag-done">
                    {format!("Tagged {} customers.", thousands(n as i64))}
                </span>
            }
            .into_any(),
            Err(error) => {
                view! { <span class="error" role="alert">{error.to_string()}</span> }.into_any()
            }
        })
    };
    view! {
        <details class="bulk-tag">
            <summary data-testid="bulk-tag-open">
                {format!("Tag all {} matching", thousands(total))}
            </summary>
            <form class="inline-form" on:submit=on_submit>
                <input
                    node_ref=input
                    name="tag"
                    maxlength="50"
                    required
                    placeholder="Tag name"
                    aria-label="Tag name"
                    data-testid="bulk-tag-input"
                />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Apply tag"
                </button>
                {outcome}
            </form>
        </details>
    }
}
