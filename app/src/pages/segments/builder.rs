//! The segment builder: rules in nested groups, the live count as the owner
//! edits (the count follows the definition read back from the drafts, a
//! quarter second after the last change), save and delete. Saving opens the
//! customers page narrowed to the segment.

use std::time::Duration;

use domain::{
    customer::{Consent, CustomerType, Status, SubscriptionStatus},
    segment::{Combine, Group, MAX_DEPTH, Rule},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::draft::{ConditionDraft, Field, GroupDraft, RuleDraft};
use crate::{
    api::{count_segment, delete_segment, save_segment, segment_builder},
    model::{customers::CatalogOption, segments::SegmentBuilderView},
    pages::customers::format::thousands,
};

/// How long the count waits after the last change.
const SETTLE: Duration = Duration::from_millis(250);

#[component]
pub fn SegmentBuilderPage() -> impl IntoView {
    let params = use_params_map();
    let (store_id, segment) = params.with_untracked(|p| {
        (
            p.get("store_id").and_then(|id| id.parse::<i64>().ok()),
            p.get("segment_id"),
        )
    });
    // `/segments/new`, or a segment's id.
    let segment_id = match segment.as_deref() {
        None | Some("new") => Ok(None),
        Some(id) => id.parse::<i64>().map(Some),
    };
    let (Some(store_id), Ok(segment_id)) = (store_id, segment_id) else {
        return view! { <crate::pages::NotFound /> }.into_any();
    };
    // Blocking: the response waits for it, so another store's segment is
    // answered 404, not a 200 that says "not found".
    let builder = Resource::new_blocking(
        move || (store_id, segment_id),
        |(s, id)| segment_builder(s, id),
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match builder.await {
                    Ok(view) => view! { <Builder store_id view /> }.into_any(),
                    Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// What the rule inputs offer, shared down the tree.
#[derive(Clone)]
struct Options {
    currency: String,
    courses: Vec<CatalogOption>,
    products: Vec<CatalogOption>,
    plans: Vec<CatalogOption>,
    campaigns: Vec<CatalogOption>,
}

fn starting_rules() -> Group {
    Group {
        combine: Combine::All,
        rules: vec![Rule::Condition(domain::segment::Condition::Type {
            is: CustomerType::Lead,
        })],
    }
}

#[component]
fn Builder(store_id: i64, view: SegmentBuilderView) -> impl IntoView {
    let segment_id = view.segment.as_ref().map(|s| s.id);
    let title = view
        .segment
        .as_ref()
        .map_or("New segment".to_string(), |s| s.name.clone());
    let root = GroupDraft::from_group(
        &view
            .segment
            .as_ref()
            .map_or_else(starting_rules, |s| s.definition.clone()),
    );
    let name = RwSignal::new(
        view.segment
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
    );
    let options = StoredValue::new(Options {
        currency: view.currency.clone(),
        courses: view.courses.clone(),
        products: view.products.clone(),
        plans: view.plans.clone(),
        campaigns: view.campaigns.clone(),
    });
    let tags = view.tags.clone();
    let may_save = view.may_save;

    // The definition as the inputs say it, and its JSON once it settles.
    let definition = Memo::new(move |_| root.to_group());
    let typed = Memo::new(move |_| {
        definition
            .get()
            .ok()
            .map(|group| serde_json::to_string(&group).unwrap_or_default())
    });
    let settled = RwSignal::new(typed.get_untracked());
    Effect::watch(
        move || typed.get(),
        move |json, _, _| {
            let json = json.clone();
            set_timeout(
                move || {
                    if typed.get_untracked() == json {
                        settled.set(json);
                    }
                },
                SETTLE,
            );
        },
        false,
    );
    // Only in the browser: the count is live, not part of the page.
    let count = LocalResource::new(move || {
        let json = settled.get();
        async move {
            match json {
                Some(json) => count_segment(store_id, json).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let count_line = move || {
        if let Err((rule, message)) = definition.get() {
            return view! {
                <p class="error" role="alert" data-testid="segment-error">{format!("{rule}: {message}")}</p>
            }
            .into_any();
        }
        match count.get() {
            None => view! { <p class="segment-count muted" data-testid="segment-count-pending">"Counting…"</p> }.into_any(),
            Some(Ok(Some(c))) => view! {
                <p class="segment-count" aria-live="polite">
                    <strong data-testid="segment-count">{thousands(c.total)}</strong>
                    {if c.total == 1 { " customer" } else { " customers" }}
                    <span class="muted">
                        {format!(
                            " · {} leads · {} customers · {} subscribers",
                            thousands(c.leads),
                            thousands(c.paying),
                            thousands(c.subscribers),
                        )}
                    </span>
                </p>
            }
            .into_any(),
            Some(Ok(None)) => ().into_any(),
            Some(Err(error)) => view! {
                <p class="error" role="alert" data-testid="segment-error">{error.to_string()}</p>
            }
            .into_any(),
        }
    };

    let navigate = use_navigate();
    let save = Action::new_local(move |_: &()| {
        let name = name.get_untracked();
        let json = typed.get_untracked().unwrap_or_default();
        async move { save_segment(store_id, segment_id, name, json).await }
    });
    let saved_navigate = navigate.clone();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            saved_navigate(
                &format!("/store/{store_id}/customers?segment={id}"),
                Default::default(),
            );
        }
    });
    let remove = Action::new_local(move |_: &()| async move {
        match segment_id {
            Some(id) => delete_segment(store_id, id).await,
            None => Ok(()),
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            navigate(&format!("/store/{store_id}/segments"), Default::default());
        }
    });
    let save_error = move || {
        [save.value().get(), remove.value().get().map(|r| r.map(|_| 0))]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|error| {
                view! { <p class="error" role="alert" data-testid="segment-save-error">{error.to_string()}</p> }
            })
    };

    view! {
        <Title text=title.clone() />
        <div class="page-head">
            <div>
                <a class="muted back" href=format!("/store/{store_id}/segments")>"← Segments"</a>
                <h1>{title}</h1>
            </div>
        </div>
        <form
            class="segment-builder"
            data-testid="segment-builder"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(());
            }
        >
            <label class="segment-name">
                "Name"
                <input
                    required
                    maxlength="100"
                    data-testid="segment-name"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                    placeholder="Inactive leads"
                />
            </label>
            <datalist id="segment-tags">
                {tags.into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
            </datalist>
            {group_view(root, 1, options, None)}
            <div class="segment-footer">
                {count_line}
                {may_save.then(|| view! {
                    <div class="segment-actions">
                        <button type="submit" class="button primary" data-testid="segment-save"
                            disabled=move || save.pending().get() || definition.with(Result::is_err)>
                            "Save and open"
                        </button>
                        {segment_id.map(|_| view! {
                            <button type="button" class="button danger" data-testid="segment-delete"
                                on:click=move |_| { remove.dispatch(()); }>
                                "Delete"
                            </button>
                        })}
                    </div>
                })}
                {(!may_save).then(|| view! {
                    <p class="muted">"Only the store's owner saves segments; the count works for everyone."</p>
                })}
                {save_error}
            </div>
        </form>
    }
}

/// A group: how it combines, its rules (each removable), and buttons to add
/// a rule or, above the deepest level, a group.
fn group_view(
    group: GroupDraft,
    depth: usize,
    options: StoredValue<Options>,
    remove: Option<Callback<()>>,
) -> AnyView {
    let combine_select = view! {
        <select
            aria-label="How this group's rules combine"
            data-testid="group-match"
            on:change=move |ev| {
                let value = event_target_value(&ev);
                if let Some(c) = Combine::ALL.into_iter().find(|c| c.as_str() == value) {
                    group.combine.set(c);
                }
            }
        >
            {Combine::ALL
                .into_iter()
                .map(|c| {
                    let label = match c {
                        Combine::All => "all of",
                        Combine::Any => "any of",
                        Combine::None => "none of",
                    };
                    view! {
                        <option value=c.as_str() selected=move || group.combine.get() == c>{label}</option>
                    }
                })
                .collect_view()}
        </select>
    };
    view! {
        <fieldset class="segment-group" data-testid="segment-group" data-depth=depth.to_string()>
            <legend>
                "Customers who match " {combine_select} " these rules"
                {remove.map(|remove| view! {
                    <button type="button" class="button link" aria-label="Remove this group"
                        on:click=move |_| remove.run(())>"Remove group"</button>
                })}
            </legend>
            <ol class="segment-rules">
                <For
                    each=move || group.rules.get()
                    key=|(key, _)| *key
                    children=move |(key, rule)| {
                        let remove = Callback::new(move |_| group.remove(key));
                        let body = match rule {
                            RuleDraft::Group(inner) => group_view(inner, depth + 1, options, Some(remove)),
                            RuleDraft::Condition(c) => condition_view(c, options, remove),
                        };
                        view! { <li>{body}</li> }
                    }
                />
            </ol>
            <div class="segment-add">
                <button type="button" class="button" data-testid="add-rule"
                    on:click=move |_| group.push(RuleDraft::Condition(ConditionDraft::new(Field::Type)))>
                    "+ Rule"
                </button>
                {(depth < MAX_DEPTH).then(|| view! {
                    <button type="button" class="button" data-testid="add-group"
                        on:click=move |_| group.push(RuleDraft::Group(GroupDraft::new(
                            Combine::Any,
                            vec![RuleDraft::Condition(ConditionDraft::new(Field::Type))],
                        )))>
                        "+ Group"
                    </button>
                })}
            </div>
        </fieldset>
    }
    .into_any()
}

/// A `<select>` bound to `value`: `(value, label)` choices.
fn choice_select(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
    choices: Vec<(String, String)>,
) -> AnyView {
    view! {
        <select aria-label=label data-testid=testid on:change=move |ev| value.set(event_target_value(&ev))>
            {choices
                .into_iter()
                .map(|(v, text)| {
                    let selected = v.clone();
                    view! { <option value=v selected=move || value.get() == selected>{text}</option> }
                })
                .collect_view()}
        </select>
    }
    .into_any()
}

/// An `<input>` bound to `value`.
fn text_input(
    label: &'static str,
    testid: &'static str,
    kind: &'static str,
    value: RwSignal<String>,
) -> AnyView {
    view! {
        <input
            type=kind
            aria-label=label
            data-testid=testid
            class="rule-input"
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
    .into_any()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect()
}

/// The catalog as choices, "any" first.
fn catalog(any: &str, items: &[CatalogOption]) -> Vec<(String, String)> {
    std::iter::once((String::new(), any.to_string()))
        .chain(items.iter().map(|i| (i.id.to_string(), i.title.clone())))
        .collect()
}

fn condition_view(
    c: ConditionDraft,
    options: StoredValue<Options>,
    remove: Callback<()>,
) -> AnyView {
    let field_select = view! {
        <select
            aria-label="What the rule tests"
            data-testid="rule-field"
            on:change=move |ev| c.change_field(Field::parse(&event_target_value(&ev)))
        >
            {Field::ALL
                .into_iter()
                .map(|f| view! { <option value=f.as_str() selected=move || c.field.get() == f>{f.label()}</option> })
                .collect_view()}
        </select>
    };
    // Re-rendered when the field (or, for dates, the kind of range) changes,
    // never while typing: the inputs write their own signals.
    let inputs = move || {
        let o = options.get_value();
        match c.field.get() {
            Field::Type => choice_select(
                "Type",
                "rule-choice",
                c.choice,
                CustomerType::ALL
                    .into_iter()
                    .map(|t| (t.as_str().to_string(), format!("is {}", t.label())))
                    .collect(),
            ),
            Field::Status => choice_select(
                "Status",
                "rule-choice",
                c.choice,
                Status::ALL
                    .into_iter()
                    .map(|s| (s.as_str().to_string(), format!("is {}", s.as_str())))
                    .collect(),
            ),
            Field::LastActivity | Field::Joined => view! {
                {choice_select(
                    "When",
                    "rule-choice",
                    c.choice,
                    pairs(&[
                        ("more_than_days_ago", "more than … days ago"),
                        ("within_days", "within the last … days"),
                        ("between", "between dates"),
                    ]),
                )}
                {move || if c.choice.get() == "between" {
                    view! {
                        {text_input("From (first day)", "rule-low", "date", c.low)}
                        " to "
                        {text_input("To (last day)", "rule-high", "date", c.high)}
                    }
                    .into_any()
                } else {
                    view! { {text_input("Days", "rule-number", "number", c.number)} " days" }.into_any()
                }}
            }
            .into_any(),
            Field::TotalSpent => view! {
                " at least " {text_input("Lowest amount", "rule-low", "text", c.low)}
                " at most " {text_input("Highest amount", "rule-high", "text", c.high)}
                <span class="muted">{format!(" {} net", o.currency)}</span>
            }
            .into_any(),
            Field::Enrolled => view! {
                {choice_select("Course", "rule-item", c.item, catalog("any course", &o.courses))}
                {choice_select(
                    "Progress",
                    "rule-choice",
                    c.choice,
                    pairs(&[("", "any progress"), ("below", "progress below"), ("at_least", "progress at least")]),
                )}
                {move || (!c.choice.get().is_empty()).then(|| view! {
                    {text_input("Percent", "rule-number", "number", c.number)} " %"
                })}
            }
            .into_any(),
            Field::Completed => {
                choice_select("Course", "rule-item", c.item, catalog("any course", &o.courses))
            }
            Field::Bought => {
                choice_select("Product", "rule-item", c.item, catalog("any product", &o.products))
            }
            Field::Subscription => view! {
                {choice_select(
                    "Subscription status",
                    "rule-choice",
                    c.choice,
                    std::iter::once((String::new(), "in any state".to_string()))
                        .chain(SubscriptionStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())))
                        .collect(),
                )}
                {choice_select("Plan", "rule-item", c.item, catalog("on any plan", &o.plans))}
            }
            .into_any(),
            Field::Tag => view! {
                {choice_select("Has or has not", "rule-choice", c.choice, pairs(&[("has", "has"), ("has_not", "has not")]))}
                <input
                    aria-label="Tag"
                    data-testid="rule-text"
                    class="rule-input"
                    list="segment-tags"
                    maxlength="50"
                    prop:value=move || c.text.get()
                    on:input=move |ev| c.text.set(event_target_value(&ev))
                />
            }
            .into_any(),
            Field::HasEmail => choice_select(
                "Email address",
                "rule-choice",
                c.choice,
                pairs(&[("yes", "is present"), ("no", "is missing")]),
            ),
            Field::Consent => choice_select(
                "Email consent",
                "rule-choice",
                c.choice,
                Consent::ALL
                    .iter()
                    .map(|c| (c.as_str().to_string(), c.label().to_lowercase()))
                    .collect(),
            ),
            Field::Engagement => view! {
                {choice_select(
                    "Did or did not",
                    "rule-choice",
                    c.choice,
                    pairs(&[
                        ("opened", "opened"),
                        ("not_opened", "did not open"),
                        ("clicked", "clicked in"),
                        ("not_clicked", "did not click in"),
                        ("received", "received"),
                        ("not_received", "did not receive"),
                    ]),
                )}
                {choice_select("Campaign", "rule-item", c.item, catalog("any campaign", &o.campaigns))}
                " within the last "
                {text_input("Days (empty: ever)", "rule-number", "number", c.number)}
                " days"
            }
            .into_any(),
        }
    };
    view! {
        <div class="segment-rule" data-testid="segment-rule">
            {field_select}
            {inputs}
            <button type="button" class="button link" aria-label="Remove this rule" data-testid="remove-rule"
                on:click=move |_| remove.run(())>"×"</button>
        </div>
    }
    .into_any()
}
