//! The sort select and the filter panel (dates, amounts, subscription,
//! status, currency, course, product, tag). A select rewrites its URL
//! parameter on change; a date or amount applies after a pause in typing or
//! when it loses focus, as one history entry however many keystrokes it
//! took. Without WASM the panel is a GET form with an Apply button.

use std::time::Duration;

use leptos::{leptos_dom::helpers::TimeoutHandle, prelude::*};

use super::PageState;
use crate::model::customers::{CustomerFilter, SORTS, StoreOverview};

/// How long a date or amount must rest before the list follows: a year
/// typed digit by digit (0002, 0020, 0202, 2024) is one query.
const SETTLE: Duration = Duration::from_millis(700);

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
    // Closed until the owner opens it: the active filters show as removable
    // chips above the results, and the results stay in view.
    view! {
        <details class="filters" data-testid="filter-panel">
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
                            let label = if field.input == "number" {
                                format!("{} ({})", field.label, overview.currency)
                            } else {
                                field.label.to_string()
                            };
                            view! { <RangeInput field label /> }
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
                    {(overview.revenue.len() > 1)
                        .then(|| {
                            select(
                                "currency",
                                "Paid in",
                                overview
                                    .revenue
                                    .iter()
                                    .map(|(currency, _)| (currency.clone(), currency.clone()))
                                    .collect(),
                            )
                        })}
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

/// A date or amount filter: applied after [`SETTLE`] without typing, or at
/// once when focus leaves it. The first application while it has focus adds
/// a history entry; later ones replace it.
#[component]
fn RangeInput(field: &'static Field, label: String) -> impl IntoView {
    let state = PageState::get();
    let go = state.navigator();
    let name = field.name;
    let pending = StoredValue::new(None::<(TimeoutHandle, String)>);
    let pushed = StoredValue::new(false);
    let cancel = move || {
        if let Some((handle, _)) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(None);
    };
    on_cleanup(cancel);
    let apply = move |value: String| {
        let filter = state.filter.get_untracked();
        if value_of(&filter, name) != value {
            go(&filter.with(name, value), pushed.get_value());
            pushed.set_value(true);
        }
    };
    let on_input = {
        let apply = apply.clone();
        move |ev| {
            let value = event_target_value(&ev);
            cancel();
            let apply = apply.clone();
            let later = value.clone();
            if let Ok(handle) = set_timeout_with_handle(
                move || {
                    pending.set_value(None);
                    apply(later);
                },
                SETTLE,
            ) {
                pending.set_value(Some((handle, value)));
            }
        }
    };
    let on_blur = move |_| {
        let waiting = pending.get_value().map(|(_, value)| value);
        cancel();
        if let Some(value) = waiting {
            apply(value);
        }
        pushed.set_value(false);
    };
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type=field.input
                name=name
                min=(field.input == "number").then_some("0")
                step=(field.input == "number").then_some("0.01")
                data-testid=format!("filter-{name}")
                prop:value=move || value_of(&state.filter.get(), name)
                on:input=on_input
                on:blur=on_blur
            />
        </label>
    }
}
