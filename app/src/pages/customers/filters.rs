//! The sort select and the filter panel (dates, amounts, subscription,
//! status, course or product). Each control rewrites its URL parameter on
//! change; without WASM the panel is a GET form with an Apply button.

use leptos::prelude::*;

use super::PageState;
use crate::model::customers::{CustomerFilter, SORTS, StoreOverview};

#[component]
pub fn SortSelect() -> impl IntoView {
    let state = PageState::get();
    let go = state.navigator();
    let on_change = move |ev| {
        let value = event_target_value(&ev);
        let value = if value == SORTS[0].0 {
            String::new()
        } else {
            value
        };
        go(&state.filter.get_untracked().with("sort", value), false);
    };
    let current = move || {
        let sort = state.filter.get().sort;
        if sort.is_empty() {
            SORTS[0].0.to_string()
        } else {
            sort
        }
    };
    view! {
        <label class="sort">
            <span class="visually-hidden">"Sort by"</span>
            <select name="sort" data-testid="sort" on:change=on_change prop:value=current>
                {SORTS
                    .iter()
                    .map(|(value, label)| {
                        view! {
                            <option value=*value selected=move || current() == *value>
                                {*label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// One filter control's definition.
struct Field {
    name: &'static str,
    label: &'static str,
    input: &'static str,
}

const RANGES: [Field; 6] = [
    Field {
        name: "joined_from",
        label: "Joined from",
        input: "date",
    },
    Field {
        name: "joined_to",
        label: "Joined to",
        input: "date",
    },
    Field {
        name: "active_from",
        label: "Active from",
        input: "date",
    },
    Field {
        name: "active_to",
        label: "Active to",
        input: "date",
    },
    Field {
        name: "spent_min",
        label: "Spent at least",
        input: "number",
    },
    Field {
        name: "spent_max",
        label: "Spent at most",
        input: "number",
    },
];

fn value_of(filter: &CustomerFilter, name: &str) -> String {
    filter
        .pairs()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

#[component]
pub fn FilterPanel(overview: StoreOverview) -> impl IntoView {
    let state = PageState::get();
    let go = state.navigator();
    let set = move |name: &'static str| {
        let go = go.clone();
        move |ev| {
            let value = event_target_value(&ev);
            let filter = state.filter.get_untracked();
            if value_of(&filter, name) != value {
                go(&filter.with(name, value), false);
            }
        }
    };
    let select = |name: &'static str, label: &'static str, options: Vec<(String, String)>| {
        let on_change = set(name);
        view! {
            <label class="field">
                <span>{label}</span>
                <select
                    name=name
                    data-testid=format!("filter-{name}")
                    on:change=on_change
                    prop:value=move || value_of(&state.filter.get(), name)
                >
                    <option value="">"Any"</option>
                    {options
                        .into_iter()
                        .map(|(value, text)| {
                            let selected = {
                                let value = value.clone();
                                move || value_of(&state.filter.get(), name) == value
                            };
                            view! { <option value=value selected=selected>{text}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    };
    let pairs = |items: &[crate::model::customers::CatalogOption]| {
        items
            .iter()
            .map(|item| (item.id.to_string(), item.title.clone()))
            .collect::<Vec<_>>()
    };
    let open = state.filter.get_untracked().is_filtered();

    view! {
        <details class="filters" open=open>
            <summary>"More filters"</summary>
            <form
                method="get"
                action=move || format!("/store/{}/customers", state.store_id.get())
                on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()
            >
                <div class="filter-grid">
                    {RANGES
                        .iter()
                        .map(|field| {
                            let on_change = set(field.name);
                            let name = field.name;
                            view! {
                                <label class="field">
                                    <span>{field.label}</span>
                                    <input
                                        type=field.input
                                        name=name
                                        min=(field.input == "number").then_some("0")
                                        step=(field.input == "number").then_some("0.01")
                                        data-testid=format!("filter-{name}")
                                        prop:value=move || value_of(&state.filter.get(), name)
                                        on:change=on_change
                                    />
                                </label>
                            }
                        })
                        .collect_view()}
                    {select(
                        "sub",
                        "Active subscription",
                        vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
                    )}
                    {select(
                        "status",
                        "Status",
                        vec![
                            ("active".into(), "Active".into()),
                            ("inactive".into(), "Inactive".into()),
                        ],
                    )}
                    {select("course", "Course", pairs(&overview.courses))}
                    {select("product", "Product", pairs(&overview.products))}
                    {select(
                        "tag",
                        "Tag",
                        overview
                            .tags
                            .iter()
                            .map(|(name, n)| (name.clone(), format!("{name} ({n})")))
                            .collect(),
                    )}
                </div>
                // Without WASM: submit the panel with the rest of the state.
                {move || {
                    state
                        .filter
                        .get()
                        .pairs()
                        .into_iter()
                        .filter(|(name, _)| matches!(*name, "q" | "type" | "sort"))
                        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                        .collect_view()
                }}
                <button type="submit" class="button apply">"Apply"</button>
            </form>
        </details>
    }
}
