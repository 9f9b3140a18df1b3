//! `/store/:store_id/customers/:customer_id`: one customer. Profile and
//! lifetime value, courses with progress, purchases, subscriptions with
//! their history, tags, notes, the timeline (paged by `?before=`), the JSON
//! export and erasure.
//!
//! The body is rendered on the server only and arrives as HTML (the
//! `customer_page` server function): the page reads, and every change is a
//! plain HTML form posting to its server function, which sends the browser
//! back to the page (erasure: to the list). So none of it is compiled into
//! the WASM, whose budget the customers page needs; the router still follows
//! its links without a page load. A refused change comes back with `__err`
//! in the URL, and the server's HTML then says so.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::customer_page;
#[cfg(feature = "ssr")]
use crate::{
    api::{AddNote, AddTag, DeleteNote, EditNote, EraseCustomer, RemoveTag},
    auth::Right,
    model::{
        customer::{CustomerView, NoteView},
        customers::{customer_href, encode},
    },
    pages::customers::format::{ago, initials, money, type_label},
};

#[component]
pub fn CustomerPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move |name: &str| {
        params
            .read()
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let store_id = Memo::new(move |_| id("store_id"));
    let customer_id = Memo::new(move |_| id("customer_id"));
    let before = Memo::new(move |_| query.read().get("before").unwrap_or_default());
    // A form whose change was refused comes back with `__err` in the URL.
    let refused = Memo::new(move |_| query.read().get("__err").is_some());
    // The list this page was opened from (its query), for every way back.
    let list = Memo::new(move |_| query.read().get("list").unwrap_or_default());
    // Blocking: the response waits for it, so an unknown or erased
    // customer is answered 404, not a 200 that says "not found".
    let customer = Resource::new_blocking(
        move || {
            (
                store_id.get(),
                customer_id.get(),
                before.get(),
                refused.get(),
                list.get(),
            )
        },
        |(store_id, customer_id, before, refused, list)| {
            customer_page(store_id, customer_id, before, refused, list)
        },
    );
    view! {
        <div class="customer-page">
            <a
                class="muted back"
                data-testid="back-to-list"
                href=move || crate::model::customers::list_href(store_id.get(), &list.get())
            >
                "← Customers"
            </a>
            <Transition fallback=|| view! { <p class="muted">"Loading customer…"</p> }>
                {move || Suspend::new(async move {
                    match customer.await {
                        // Rendered on the server (see the module documentation).
                        Ok(page) => {
                            view! {
                                <Title text=page.title />
                                <div class="customer-body" inner_html=page.html></div>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The page's body as HTML, rendered on the server.
#[cfg(feature = "ssr")]
pub fn render(
    store_id: i64,
    paged: bool,
    refused: bool,
    list: &str,
    customer: CustomerView,
) -> String {
    use leptos::tachys::view::RenderHtml;
    view! {
        {refused
            .then(|| {
                view! {
                    <p class="error" role="alert" data-testid="change-refused">
                        "That change was not saved: check what you typed and try again."
                    </p>
                }
            })}
        <Profile store_id paged list=list.to_string() customer />
    }
    .to_html()
}

/// A section's list, or a line saying it has nothing (never a bare heading).
#[cfg(feature = "ssr")]
fn list_or(empty: bool, nothing: &'static str, list: impl IntoView) -> impl IntoView {
    if empty {
        view! { <p class="muted">{nothing}</p> }.into_any()
    } else {
        list.into_any()
    }
}

/// Hidden inputs naming the store, the customer and the list the page was
/// opened from, for every form.
#[cfg(feature = "ssr")]
fn ids(store_id: i64, customer_id: i64, list: String) -> impl IntoView {
    view! {
        <input type="hidden" name="store_id" value=store_id.to_string() />
        <input type="hidden" name="customer_id" value=customer_id.to_string() />
        <input type="hidden" name="list" value=list />
    }
}

#[cfg(feature = "ssr")]
#[component]
fn Profile(store_id: i64, paged: bool, list: String, customer: CustomerView) -> impl IntoView {
    // Dates as the store's people read them, in its time zone.
    let clock = db::time::Clock::or_utc(&customer.time_zone);
    let date = |ms: i64| clock.date(ms);
    let date_time = |ms: i64| clock.date_time(ms);
    let now = customer.now_ms;
    let cid = customer.id;
    let name = customer
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "(no name)".into());
    let value = if customer.value.is_empty() {
        view! { <p class="muted">"No payments yet."</p> }.into_any()
    } else {
        view! {
            <table class="value" data-testid="customer-value">
                <thead>
                    <tr>
                        <th>"Currency"</th>
                        <th class="num">"Paid"</th>
                        <th class="num">"Refunded"</th>
                        <th class="num">"Lifetime value"</th>
                    </tr>
                </thead>
                <tbody>
                    {customer
                        .value
                        .iter()
                        .map(|v| {
                            view! {
                                <tr>
                                    <td>{v.currency.clone()}</td>
                                    <td class="num">{money(v.paid_cents, &v.currency)}</td>
                                    <td class="num">{money(v.refunded_cents, &v.currency)}</td>
                                    <td class="num">
                                        <strong>{money(v.net_cents, &v.currency)}</strong>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let (courses_empty, purchases_empty, subscriptions_empty) = (
        customer.courses.is_empty(),
        customer.purchases.is_empty(),
        customer.subscriptions.is_empty(),
    );
    let courses = customer
        .courses
        .iter()
        .map(|c| {
            view! {
                <li class="course-progress">
                    <span class="detail-title">{c.title.clone()}</span>
                    <progress max="100" value=c.progress.to_string()></progress>
                    <span class="percent">{format!("{}%", c.progress)}</span>
                    <span class="muted" title=date_time(c.last_accessed_at)>
                        {format!("last access {}", ago(c.last_accessed_at, now))}
                    </span>
                </li>
            }
        })
        .collect_view();
    let purchases = customer
        .purchases
        .iter()
        .map(|p| {
            view! {
                <li class="product-purchase">
                    <span class="detail-title">{p.title.clone()}</span>
                    <span title=date_time(p.paid_at)>{date(p.paid_at)}</span>
                    <span class="num">{money(p.amount_cents, &p.currency)}</span>
                    {p.refunded.then(|| view! { <span class="badge refunded">"refunded"</span> })}
                </li>
            }
        })
        .collect_view();
    let subscriptions = customer
        .subscriptions
        .iter()
        .map(|s| {
            let history = s
                .history
                .iter()
                .map(|(at, status)| format!("{} {status}", date(*at)))
                .collect::<Vec<_>>()
                .join(" → ");
            view! {
                <li class="subscription">
                    <span class="detail-title">{s.plan.clone()}</span>
                    <span class=format!("badge sub-{}", s.status)>{s.status.clone()}</span>
                    <span class="num">
                        {format!("{} / {}", money(s.amount_cents, &s.currency), s.interval)}
                    </span>
                    <span class="muted">{format!("since {}", date(s.started_at))}</span>
                    <span class="muted history">{history}</span>
                </li>
            }
        })
        .collect_view();
    let tags = customer
        .tags
        .iter()
        .map(|tag| {
            let href = format!("/store/{store_id}/customers?tag={}", encode(tag));
            let label = format!("Remove tag {tag}");
            let (tag, text) = (tag.clone(), tag.clone());
            view! {
                <li class="chip tag" data-testid="customer-tag">
                    <a href=href>{text}</a>
                    <form method="post" action=RemoveTag::url() class="inline">
                        {ids(store_id, cid, list.clone())}
                        <input type="hidden" name="tag" value=tag />
                        <button type="submit" class="link" aria-label=label>
                            "×"
                        </button>
                    </form>
                </li>
            }
        })
        .collect_view();
    let store_tags = customer
        .store_tags
        .iter()
        .map(|tag| view! { <option value=tag.clone()></option> })
        .collect_view();
    let notes = customer
        .notes
        .into_iter()
        .map(|note| {
            view! { <Note store_id customer_id=cid list=list.clone() note clock=clock.clone() /> }
        })
        .collect_view();
    let timeline = customer
        .timeline
        .iter()
        .map(|entry| {
            view! {
                <li class=format!("event event-{}", entry.kind) data-kind=entry.kind.clone()>
                    <time title=date_time(entry.at)>{date(entry.at)}</time>
                    <span>{entry.text.clone()}</span>
                </li>
            }
        })
        .collect_view();
    let newest = paged.then(|| {
        view! { <a href=customer_href(store_id, cid, &list, "") class="button">"← Newest"</a> }
    });
    let older = customer.older.clone().map(|cursor| {
        view! {
            <a
                href=customer_href(store_id, cid, &list, &format!("before={}", encode(&cursor)))
                class="button"
                data-testid="timeline-older"
            >
                "Older →"
            </a>
        }
    });

    // Erasing is an owner's right (the rights table): a member's page
    // leaves the form out, and the server refuses it anyway.
    let erase = customer.role.may(Right::ManageCustomers).then(|| {
        view! {
            <details class="danger">
                <summary>"Erase this customer"</summary>
                <p>
                    "Deletes this customer and every fact about them in this store \
                     (enrollments, purchases, subscriptions, notes, tags). This cannot be \
                     undone. Export their data first if they asked for it."
                </p>
                <form method="post" action=EraseCustomer::url() class="inline-form">
                    {ids(store_id, cid, list.clone())}
                    <input
                        name="confirm"
                        required
                        pattern="erase"
                        title="Type the word erase, in small letters, to confirm"
                        placeholder="type erase"
                        aria-label="Type erase to confirm"
                        data-testid="erase-confirm"
                    />
                    <button type="submit" class="button danger" data-testid="erase">
                        "Erase customer"
                    </button>
                </form>
            </details>
        }
    });
    view! {
        <div class="page-head">
            <div class="who-head">
                <span class=format!("avatar avatar-{}", cid.rem_euclid(6)) aria-hidden="true">
                    {initials(customer.name.as_deref(), customer.email.as_deref())}
                </span>
                <div>
                    <h1 data-testid="customer-name">{name}</h1>
                    <p class="muted">
                        {customer.email.clone().unwrap_or_else(|| "no email".into())}
                    </p>
                </div>
            </div>
            <a
                class="button"
                rel="external"
                download=format!("customer-{cid}.json")
                href=format!("/store/{store_id}/customers/{cid}/export.json")
                data-testid="export-json"
            >
                "Export data (JSON)"
            </a>
        </div>
        <dl class="facts">
            <div>
                <dt>"Type"</dt>
                <dd>
                    <span class=format!("badge type-{}", customer.kind) data-testid="customer-type">
                        {type_label(&customer.kind)}
                    </span>
                </dd>
            </div>
            <div>
                <dt>"Status"</dt>
                <dd class=format!("status status-{}", customer.status)>
                    {crate::pages::customers::format::status_label(&customer.status)}
                </dd>
            </div>
            <div>
                <dt>"Email consent"</dt>
                <dd data-testid="customer-consent">
                    {format!(
                        "{}{}{}",
                        customer.consent.label(),
                        customer.consent_since.map(|at| format!(" since {}", date(at))).unwrap_or_default(),
                        customer.consent_source.as_ref().map(|s| format!(" ({s})")).unwrap_or_default(),
                    )}
                    {customer.suppressed.clone().map(|why| view! { <span class="badge warn">{format!("Suppressed: {why}")}</span> })}
                </dd>
            </div>
            <div>
                <dt>"First source"</dt>
                <dd>{customer.source.clone()}</dd>
            </div>
            <div>
                <dt>"Joined"</dt>
                <dd title=date_time(customer.joined_at)>{date(customer.joined_at)}</dd>
            </div>
            <div>
                <dt>"Last activity"</dt>
                <dd title=date_time(customer.last_activity_at)>
                    {ago(customer.last_activity_at, now)}
                </dd>
            </div>
        </dl>
        <div class="customer-grid">
            <section>
                <h2>"Lifetime value"</h2>
                {value}
                <h2>"Courses"</h2>
                {list_or(courses_empty, "Not enrolled in any course.", view! { <ul class="detail-list">{courses}</ul> })}
                <h2>"Purchases"</h2>
                {list_or(purchases_empty, "No course or product bought.", view! { <ul class="detail-list">{purchases}</ul> })}
                <h2>"Subscription"</h2>
                {list_or(subscriptions_empty, "No subscription.", view! { <ul class="detail-list">{subscriptions}</ul> })}
            </section>
            <section>
                <h2>"Tags"</h2>
                <ul class="chips tags">{tags}</ul>
                <form method="post" action=AddTag::url() class="inline-form">
                    {ids(store_id, cid, list.clone())}
                    <input
                        name="tag"
                        list="store-tags"
                        maxlength="50"
                        required
                        placeholder="Add a tag"
                        aria-label="Tag"
                        data-testid="tag-input"
                    />
                    <datalist id="store-tags">{store_tags}</datalist>
                    <button type="submit" class="button" data-testid="tag-add">"Add"</button>
                </form>
                <h2>"Notes"</h2>
                <form method="post" action=AddNote::url() class="note-form">
                    {ids(store_id, cid, list.clone())}
                    <textarea
                        name="body"
                        rows="3"
                        maxlength="5000"
                        required
                        placeholder="Write a note"
                        aria-label="New note"
                        data-testid="note-input"
                    ></textarea>
                    <button type="submit" class="button" data-testid="note-add">"Add note"</button>
                </form>
                <ul class="notes" data-testid="notes">{notes}</ul>
                <h2>"Timeline"</h2>
                <ol class="timeline" data-testid="timeline">{timeline}</ol>
                <nav class="pager">{newest} {older}</nav>
                {erase}
            </section>
        </div>
    }
}

#[cfg(feature = "ssr")]
#[component]
fn Note(
    store_id: i64,
    customer_id: i64,
    list: String,
    note: NoteView,
    clock: db::time::Clock,
) -> impl IntoView {
    let date_time = |ms: i64| clock.date_time(ms);
    let note_id = note.id.to_string();
    let delete_id = note_id.clone();
    let when = match note.edited_at {
        Some(at) => format!("{} (edited {})", date_time(note.created_at), date_time(at)),
        None => date_time(note.created_at),
    };
    view! {
        <li class="note" data-testid="note">
            <p class="note-body">{note.body.clone()}</p>
            <p class="muted">{format!("{} · {when}", note.author)}</p>
            <details>
                <summary>"Edit"</summary>
                <form method="post" action=EditNote::url() class="note-form">
                    {ids(store_id, customer_id, list.clone())}
                    <input type="hidden" name="note_id" value=note_id />
                    <textarea name="body" rows="3" maxlength="5000" required aria-label="Note">
                        {note.body}
                    </textarea>
                    <button type="submit" class="button">"Save"</button>
                </form>
            </details>
            <form method="post" action=DeleteNote::url() class="inline">
                {ids(store_id, customer_id, list.clone())}
                <input type="hidden" name="note_id" value=delete_id />
                <button type="submit" class="link" data-testid="note-delete">"Delete"</button>
            </form>
        </li>
    }
}
