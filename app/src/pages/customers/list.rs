//! The results: type chips with counts, "N customers match", the rows and
//! the pagination, with the empty, loading and error states.

use crate::model::customers::{DEFAULT_PAGE_SIZE, PAGE_SIZES};
use leptos::prelude::*;

use super::{
    PageState,
    details::Details,
    format::{ago, initials, money_list, plural, status_label, thousands, type_label},
};
use crate::{
    auth::Right,
    error::AppError,
    model::customers::{CUSTOMER_TYPES, CustomerList, CustomerRowView, StoreOverview},
};

#[component]
pub fn Results(
    list: Resource<Result<CustomerList, AppError>>,
    overview: Resource<Result<StoreOverview, AppError>>,
) -> impl IntoView {
    let state = PageState::get();
    let (pending, set_pending) = signal(false);
    view! {
        <div class="results" class:busy=pending aria-busy=move || pending.get().to_string()>
            <Transition
                set_pending
                fallback=|| view! { <p class="muted loading" data-testid="loading">"Loading customers…"</p> }
            >
                {move || Suspend::new(async move {
                    let overview = overview.await;
                    let store_empty = matches!(&overview, Ok(o) if o.customers == 0);
                    // Bulk tagging is an owner's right (the rights table).
                    let may_bulk_tag = matches!(&overview, Ok(o) if o.role.may(Right::ManageCustomers));
                    match list.await {
                        Ok(list) => view! { <ResultList list store_empty may_bulk_tag /> }.into_any(),
                        Err(error) => {
                            let message = match &error {
                                AppError::Invalid { .. } => {
                                    format!("{error}. Fix that filter or clear the filters.")
                                }
                                _ => format!("Could not load customers: {error}."),
                            };
                            view! {
                                <div class="empty error" role="alert" data-testid="list-error">
                                    <p>{message}</p>
                                    <p>
                                        <a href=state.href(&state.filter.get_untracked())>"Try again"</a>
                                        " · "
                                        <a href=state.href(&state.filter.get_untracked().cleared())>
                                            "Clear filters"
                                        </a>
                                    </p>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ResultList(list: CustomerList, store_empty: bool, may_bulk_tag: bool) -> impl IntoView {
    let state = PageState::get();
    restore_scroll(state);
    let filter = state.filter.get_untracked();
    // Plain links, not the router's `A`: it marks every link to this path
    // `aria-current="page"`, whatever its query. The selected chips are the
    // current ones; `data-noscroll` keeps the place on the page.
    let chips = CUSTOMER_TYPES
        .iter()
        .map(|(kind, label)| {
            let selected = filter.types().contains(kind);
            let count = list.type_count(kind);
            view! {
                <a
                    href=state.href(&filter.toggle_type(kind))
                    data-noscroll=""
                    class=if selected { "chip selected" } else { "chip" }
                    aria-current=selected.then_some("true")
                    data-testid=format!("chip-{kind}")
                >
                    {*label}
                    <span class="chip-count">{thousands(count)}</span>
                </a>
            }
        })
        .collect_view();
    let removable = filter
        .pairs()
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                *name,
                "q" | "type" | "sort" | "size" | "after" | "before" | "page" | "notice"
            )
        })
        .map(|(name, value)| {
            let href = state.href(&filter.with(name, ""));
            let label = match (name, &list.segment_name) {
                ("segment", Some(segment)) => format!("Segment: {segment}"),
                _ => format!("{}: {value}", name.replace('_', " ")),
            };
            // A segment can be changed from where it is used.
            let edit = (name == "segment").then(|| {
                view! {
                    <a
                        href=format!("/store/{}/segments/{value}", state.store_id.get_untracked())
                        class="chip"
                        data-testid="edit-segment"
                    >
                        "Edit segment"
                    </a>
                }
            });
            view! {
                <a
                    href=href
                    data-noscroll=""
                    class="chip removable"
                    aria-label=format!("Remove filter {label}")
                >
                    {label.clone()}
                    <span aria-hidden="true">" ×"</span>
                </a>
                {edit}
            }
        })
        .collect_view();
    let total = list.total;
    let list_paging = Paging {
        total,
        offset: list.offset,
        shown: list.rows.len() as i64,
        previous_before: list.previous_before,
        next_after: list.next_after,
    };
    let count_line = format!(
        "{} {}",
        thousands(total),
        if total == 1 {
            "customer matches"
        } else {
            "customers match"
        }
    );
    let body = if list.rows.is_empty() {
        if store_empty {
            view! {
                <div class="empty" data-testid="no-customers">
                    <p><strong>"No customers yet."</strong></p>
                    <p>
                        "Customers appear as the platform reports enrollments, purchases and \
                         subscriptions. To bring in your history, "
                        <a href=format!("/store/{}/settings#backfill", state.store_id.get_untracked())>
                            "run the backfill"
                        </a> "."
                    </p>
                </div>
            }
                .into_any()
        } else {
            view! {
                <div class="empty" data-testid="no-matches">
                    <p><strong>"No customers match."</strong></p>
                    <p>
                        "Try a shorter search or fewer filters. "
                        <a href=state.href(&filter.cleared())>"Clear all filters"</a>
                    </p>
                </div>
            }
            .into_any()
        }
    } else {
        let now = list.now_ms;
        let currency = list.currency.clone();
        view! {
            <div class="customer-head" aria-hidden="true">
                <span></span>
                <span>"Customer"</span>
                <span>"Type"</span>
                <span>"Status"</span>
                <span class="num">"Spent"</span>
                <span>"Last activity"</span>
                <span class="num">"Courses"</span>
            </div>
            <ul class="customer-list" data-testid="customer-list">
                {list
                    .rows
                    .into_iter()
                    .map(|row| view! { <Row row now currency=currency.clone() /> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let pager = view! { <Pager list=list_paging filter=filter.clone() /> };

    // One root element: a multi-node fragment swapped by a Transition that is
    // still hydrating can leave the server-rendered nodes behind.
    let notice = notice_text(&filter.notice, &filter.tag).map(|text| {
        view! { <p class="notice" role="status" data-testid="notice">{text}</p> }
    });
    view! {
        <div class="result-list">
            {notice}
            <div class="chips" role="group" aria-label="Customer type">
                {chips}
                {removable}
            </div>
            <div class="match-line">
                <p class="match-count" data-testid="match-count" aria-live="polite">{count_line}</p>
                {(total > 0 && may_bulk_tag).then(|| view! { <super::bulk_tag::BulkTag total /> })}
            </div>
            {body}
            {pager}
        </div>
    }
}

#[component]
fn Row(row: CustomerRowView, now: i64, currency: String) -> impl IntoView {
    let state = PageState::get();
    let expanded = RwSignal::new(false);
    let id = row.id;
    // After hydration (an effect), so the server's HTML and the first
    // browser render agree: rows expanded when the owner left come back so.
    Effect::new(move |_| {
        let was_open = state
            .restore
            .with_value(|place| place.as_ref().is_some_and(|p| p.expanded.contains(&id)));
        if was_open {
            expanded.set(true);
        }
    });
    let panel_id = format!("customer-{id}");
    let display_name = row
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "(no name)".into());
    let avatar_class = format!("avatar avatar-{}", id.rem_euclid(6));
    let kind_class = format!("badge type-{}", row.kind);
    let status_class = format!("status status-{}", row.status);
    let status_label = status_label(&row.status);
    let spent = money_list(&row.totals, &currency);
    let activity = ago(row.last_activity_at, now);
    // What the row says, as one sentence for its description.
    let about = format!(
        "{}, {}. {}. Spent {spent}. Last active {activity}. {}. {}.",
        row.email.as_deref().unwrap_or("No email"),
        type_label(&row.kind),
        status_label,
        plural(row.courses_count, "course", "courses"),
        plural(row.products_count, "product", "products"),
    );
    view! {
        <li class="customer" class:expanded=move || expanded.get()>
            // Named by the customer alone; the rest of the row is its
            // description, so a screen reader says "Ann Lee, button,
            // collapsed" and then the details, not one run-on string.
            <button
                type="button"
                class="customer-row"
                data-id=id.to_string()
                aria-labelledby=format!("row-name-{id}")
                aria-describedby=format!("row-about-{id}")
                aria-expanded=move || expanded.get().to_string()
                aria-controls=panel_id.clone()
                on:click=move |_| expanded.update(|open| *open = !*open)
            >
                <span class=avatar_class aria-hidden="true">
                    {initials(row.name.as_deref(), row.email.as_deref())}
                </span>
                <span class="who">
                    <span class="name" id=format!("row-name-{id}")>{display_name}</span>
                    <span class="email muted">{row.email.clone().unwrap_or_else(|| "no email".into())}</span>
                    <RowTags tags=row.tags.clone() />
                </span>
                <span class="visually-hidden" id=format!("row-about-{id}")>{about}</span>
                <span class="kind" aria-hidden="true">
                    <span class=kind_class>{type_label(&row.kind)}</span>
                </span>
                <span class=status_class aria-hidden="true">{status_label}</span>
                <span class="spent num" aria-hidden="true">{spent}</span>
                <span class="activity" title=row.last_activity_label.clone() aria-hidden="true">
                    {activity}
                </span>
                <span
                    class="courses num"
                    title=plural(row.products_count, "product", "products")
                    aria-hidden="true"
                >
                    {plural(row.courses_count, "course", "courses")}
                </span>
            </button>
            <Show when=move || expanded.get()>
                <Details store_id=state.store_id.get_untracked() customer_id=id panel_id=panel_id.clone() />
            </Show>
        </li>
    }
}

/// Up to three tags as small chips, then "+N".
#[component]
fn RowTags(tags: Vec<String>) -> impl IntoView {
    const SHOWN: usize = 3;
    let more = tags.len().saturating_sub(SHOWN);
    (!tags.is_empty()).then(|| {
        view! {
            <span class="row-tags">
                {tags
                    .into_iter()
                    .take(SHOWN)
                    .map(|tag| view! { <span class="tag">{tag}</span> })
                    .collect_view()}
                {(more > 0).then(|| {
                    view! { <span class="tag more">{format!("+{more}")}</span> }
                })}
            </span>
        }
    })
}

/// Where a page sits in the matching set.
#[derive(Clone, Copy)]
struct Paging {
    total: i64,
    offset: i64,
    shown: i64,
    previous_before: Option<i64>,
    next_after: Option<i64>,
}

/// "51–100 of 200,000", first / previous / next / last (keyset both ways)
/// and the page size.
#[component]
fn Pager(list: Paging, filter: crate::model::customers::CustomerFilter) -> impl IntoView {
    let state = PageState::get();
    let go = state.navigator();
    let range = if list.shown == 0 {
        String::new()
    } else {
        format!(
            "{}–{} of {}",
            thousands(list.offset + 1),
            thousands(list.offset + list.shown),
            thousands(list.total)
        )
    };
    let link = |label: &'static str,
                href: Option<String>,
                rel: Option<&'static str>,
                testid: &'static str| match href {
        Some(href) => view! {
            <a href=href class="button" rel=rel data-testid=testid>{label}</a>
        }
        .into_any(),
        None => view! {
            <span class="button disabled" aria-disabled="true" data-testid=testid>{label}</span>
        }
        .into_any(),
    };
    let first = (list.offset > 0).then(|| state.href(&filter.first_page()));
    let previous = list
        .previous_before
        .map(|before| state.href(&filter.with("before", before.to_string())));
    let next = list
        .next_after
        .map(|after| state.href(&filter.with("after", after.to_string())));
    let last = list
        .next_after
        .map(|_| state.href(&filter.with("page", "last")));
    let size = filter.page_size();
    let on_size = move |ev| {
        let value = event_target_value(&ev);
        let value = if value == DEFAULT_PAGE_SIZE.to_string() {
            String::new()
        } else {
            value
        };
        go(&state.filter.get_untracked().with("size", value), false);
    };
    view! {
        <nav class="pager" aria-label="Pages">
            <p class="page-range" data-testid="page-range">{range}</p>
            <div class="pager-links">
                {link("« First", first, None, "first-page")}
                {link("‹ Previous", previous, Some("prev"), "previous-page")}
                {link("Next ›", next, Some("next"), "next-page")}
                {link("Last »", last, None, "last-page")}
            </div>
            <label class="page-size">
                <span>"Rows per page"</span>
                <select name="size" data-testid="page-size" on:change=on_size>
                    {PAGE_SIZES
                        .into_iter()
                        .map(|n: u32| {
                            view! {
                                <option value=n.to_string() selected=n == size>{n.to_string()}</option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        </nav>
    }
}

/// Once the rows are on the page, scrolls the row the owner opened back to
/// where it was, and again when the expanded rows above it have loaded
/// their details; then forgets the place (see `place`).
fn restore_scroll(state: PageState) {
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        let Some(anchor) = state
            .restore
            .with_value(|place| place.as_ref().and_then(|p| p.anchor))
        else {
            return;
        };
        super::place::scroll_back(anchor);
        set_timeout(
            move || {
                super::place::scroll_back(anchor);
                state.restore.set_value(None);
            },
            std::time::Duration::from_millis(600),
        );
    });
    #[cfg(feature = "ssr")]
    let _ = state;
}

/// What a notice code says (see `CustomerFilter::notice`); unknown codes
/// say nothing.
fn notice_text(code: &str, tag: &str) -> Option<String> {
    if code == "erased" {
        return Some("The customer was erased, with every fact about them in this store.".into());
    }
    let tagged: i64 = code.strip_prefix("tagged-")?.parse().ok()?;
    Some(format!(
        "Tagged {} “{tag}”. These are everyone with that tag.",
        plural(tagged, "customer", "customers")
    ))
}
