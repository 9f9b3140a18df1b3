//! An expanded row: each course with a progress bar and last access, each
//! product with its purchase date and amount, the subscriptions.
//!
//! The panel's body is rendered on the server and arrives as HTML (the
//! `customer_details_html` server function): it only reads, and keeping its
//! markup out of the WASM leaves the budget to the interactive parts.

use leptos::prelude::*;

use crate::api::customer_details_html;
#[cfg(feature = "ssr")]
use {
    super::format::{ago, money},
    crate::model::customers::CustomerDetailView,
};

#[component]
pub fn Details(store_id: i64, customer_id: i64, panel_id: String) -> impl IntoView {
    let details = Resource::new(
        move || (store_id, customer_id),
        |(store_id, customer_id)| customer_details_html(store_id, customer_id),
    );
    view! {
        <div class="customer-details" id=panel_id data-testid="customer-details">
            <a
                class="button open-customer"
                href=crate::model::customers::customer_href(
                    store_id,
                    customer_id,
                    &super::PageState::get().filter.get_untracked().query_string(),
                    "",
                )
                data-testid="open-customer"
                on:click=move |_| super::place::save(customer_id)
            >
                "Open profile, notes and timeline →"
            </a>
            <Suspense fallback=|| view! { <p class="muted">"Loading details…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(html) => view! { <div inner_html=html></div> }.into_any(),
                        Err(error) => {
                            view! {
                                <p class="error" role="alert">
                                    {format!("Could not load this customer: {error}. Collapse and expand the row to retry.")}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The panel's body as HTML, rendered on the server.
#[cfg(feature = "ssr")]
pub fn render(details: CustomerDetailView) -> String {
    use leptos::tachys::view::RenderHtml;
    let now = details.now_ms;
    // Dates as the store's people read them, in its time zone.
    let clock = db::time::Clock::or_utc(&details.time_zone);
    let date = |ms: i64| clock.date(ms);
    let date_time = |ms: i64| clock.date_time(ms);
    let courses = if details.courses.is_empty() {
        view! { <p class="muted">"No courses."</p> }.into_any()
    } else {
        view! {
            <ul class="detail-list">
                {details
                    .courses
                    .into_iter()
                    .map(|course| {
                        let label = format!("{}: {}% complete", course.title, course.progress);
                        view! {
                            <li class="course-progress">
                                <span class="detail-title">{course.title.clone()}</span>
                                <progress max="100" value=course.progress.to_string() aria-label=label>
                                    {format!("{}%", course.progress)}
                                </progress>
                                <span class="percent">{format!("{}%", course.progress)}</span>
                                <span class="muted" title=date_time(course.last_accessed_at)>
                                    {format!("last access {}", ago(course.last_accessed_at, now))}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
            .into_any()
    };
    let products = if details.products.is_empty() {
        view! { <p class="muted">"No products."</p> }.into_any()
    } else {
        view! {
            <ul class="detail-list">
                {details
                    .products
                    .into_iter()
                    .map(|product| {
                        view! {
                            <li class="product-purchase">
                                <span class="detail-title">{product.title}</span>
                                <span title=date_time(product.paid_at)>{date(product.paid_at)}</span>
                                <span class="num">{money(product.amount_cents, &product.currency)}</span>
                                {product.refunded.then(|| view! { <span class="badge refunded">"refunded"</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
            .into_any()
    };
    let subscriptions = if details.subscriptions.is_empty() {
        view! { <p class="muted">"No subscription."</p> }.into_any()
    } else {
        view! {
            <ul class="detail-list">
                {details
                    .subscriptions
                    .into_iter()
                    .map(|sub| {
                        view! {
                            <li class="subscription">
                                <span class="detail-title">{sub.plan}</span>
                                <span class=format!("badge sub-{}", sub.status)>{sub.status.clone()}</span>
                                <span class="num">
                                    {format!("{} / {}", money(sub.amount_cents, &sub.currency), sub.interval)}
                                </span>
                                <span class="muted">{format!("since {}", date(sub.started_at))}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
            .into_any()
    };
    let totals = details
        .totals
        .iter()
        .map(|(currency, cents)| money(*cents, currency))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <div class="detail-grid">
            <section>
                <h3>"Courses"</h3>
                {courses}
            </section>
            <section>
                <h3>"Products"</h3>
                {products}
            </section>
            <section>
                <h3>"Subscription"</h3>
                {subscriptions}
                {(!totals.is_empty()).then(|| view! { <p class="muted">{format!("Net spent: {totals}")}</p> })}
            </section>
        </div>
    }
    .to_html()
}
