//! "Tag all N matching": applies a tag to every customer the current filter
//! matches (the whole set, not the page shown). A plain form posting to the
//! `tag_matching` server function with the filter in hidden fields; the
//! confirmation is a required checkbox that says how many. The server then
//! shows the list of that tag.

use leptos::{prelude::*, server_fn::ServerFn};

use super::{PageState, format::thousands};
use crate::api::TagMatching;

#[component]
pub fn BulkTag(total: i64) -> impl IntoView {
    let state = PageState::get();
    let filter = state.filter.get_untracked().with("after", "");
    let hidden = filter
        .pairs()
        .into_iter()
        .map(|(name, value)| {
            view! { <input type="hidden" name=format!("filter[{name}]") value=value /> }
        })
        .collect_view();
    let count = thousands(total);
    view! {
        <details class="bulk-tag">
            <summary data-testid="bulk-tag-open">{format!("Tag all {count} matching")}</summary>
            <form method="post" action=TagMatching::url() class="inline-form">
                <input
                    type="hidden"
                    name="store_id"
                    value=state.store_id.get_untracked().to_string()
                />
                {hidden}
                <input
                    name="tag"
                    maxlength="50"
                    required
                    placeholder="Tag name"
                    aria-label="Tag name"
                    data-testid="bulk-tag-input"
                />
                <label class="confirm">
                    <input type="checkbox" name="confirm" value="yes" required data-testid="bulk-tag-confirm" />
                    {format!(" Yes, tag all {count} customers")}
                </label>
                <button type="submit" class="button" data-testid="bulk-tag-apply">"Apply tag"</button>
            </form>
        </details>
    }
}
