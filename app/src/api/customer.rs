//! The customer detail page's server functions: read one customer, change
//! their notes and tags, tag a whole filtered set, import contacts and erase
//! a customer. Each authorises the store first; a customer of another store
//! answers as not found (the data layer checks the pair).

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{
    error::AppError,
    model::{
        customer::{CustomerView, ImportPreviewView, ImportResultView},
        customers::CustomerFilter,
    },
};

/// Timeline entries per page of the detail page.
pub const TIMELINE_PAGE: u32 = 25;

/// The detail page's body, rendered on the server: profile, value, courses,
/// purchases, subscriptions, tags, notes and the timeline page that starts
/// after `before` (empty: newest). See `pages::customer` for why HTML.
#[server(endpoint = "customer/page", input = GetUrl)]
pub async fn customer_page(
    store_id: i64,
    customer_id: i64,
    #[server(default)] before: String,
    #[server(default)] refused: bool,
    #[server(default)] list: String,
) -> Result<crate::model::customer::CustomerPageView, AppError> {
    let customer = customer_data(store_id, customer_id, before.clone()).await?;
    let name = customer
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| customer.email.clone())
        .unwrap_or_else(|| "Customer".into());
    Ok(crate::model::customer::CustomerPageView {
        title: format!("{name} · {}", customer.store_name),
        html: crate::pages::customer::render(
            store_id,
            !before.trim().is_empty(),
            refused,
            &list,
            customer,
        ),
    })
}

/// The detail page's data, as data (for tests and scripts).
#[server(endpoint = "customer/data", input = GetUrl)]
pub async fn customer_data(
    store_id: i64,
    customer_id: i64,
    #[server(default)] before: String,
) -> Result<CustomerView, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    ssr::page(&db, store_id, customer_id, &before, access.role).await
}

#[server(endpoint = "customer/note/add")]
pub async fn add_note(
    store_id: i64,
    customer_id: i64,
    body: String,
    #[server(default)] list: String,
) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::EditCustomer).await?;
    let db = crate::state::app_state()?.db;
    let now = db::time::now_ms();
    db::customers::notes::add_note(&db, store_id, customer_id, access.account.id, &body, now)
        .await?;
    back_to_customer(store_id, customer_id, &list);
    Ok(())
}

#[server(endpoint = "customer/note/edit")]
pub async fn edit_note(
    store_id: i64,
    customer_id: i64,
    note_id: i64,
    body: String,
    #[server(default)] list: String,
) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::EditCustomer).await?;
    let db = crate::state::app_state()?.db;
    let now = db::time::now_ms();
    db::customers::notes::edit_note(
        &db,
        store_id,
        customer_id,
        note_id,
        access.account.id,
        &body,
        now,
    )
    .await?;
    back_to_customer(store_id, customer_id, &list);
    Ok(())
}

#[server(endpoint = "customer/note/delete")]
pub async fn delete_note(
    store_id: i64,
    customer_id: i64,
    note_id: i64,
    #[server(default)] list: String,
) -> Result<(), AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::EditCustomer).await?;
    let db = crate::state::app_state()?.db;
    db::customers::notes::delete_note(&db, store_id, customer_id, note_id).await?;
    back_to_customer(store_id, customer_id, &list);
    Ok(())
}

#[server(endpoint = "customer/tag/add")]
pub async fn add_tag(
    store_id: i64,
    customer_id: i64,
    tag: String,
    #[server(default)] list: String,
) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::EditCustomer).await?;
    let db = crate::state::app_state()?.db;
    let now = db::time::now_ms();
    db::customers::tags::add_tag(
        &db,
        store_id,
        customer_id,
        Some(access.account.id),
        &tag,
        now,
    )
    .await?;
    back_to_customer(store_id, customer_id, &list);
    Ok(())
}

#[server(endpoint = "customer/tag/remove")]
pub async fn remove_tag(
    store_id: i64,
    customer_id: i64,
    tag: String,
    #[server(default)] list: String,
) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::EditCustomer).await?;
    let db = crate::state::app_state()?.db;
    let now = db::time::now_ms();
    db::customers::tags::remove_tag(
        &db,
        store_id,
        customer_id,
        Some(access.account.id),
        &tag,
        now,
    )
    .await?;
    back_to_customer(store_id, customer_id, &list);
    Ok(())
}

/// Tags every customer matching `filter` (the whole set, not one page),
/// once `confirm` is `yes` (the form's checkbox). Answers how many got the
/// tag, and sends a browser to the list of that tag.
#[server(endpoint = "customers/tag")]
pub async fn tag_matching(
    store_id: i64,
    #[server(default)] filter: CustomerFilter,
    tag: String,
    #[server(default)] confirm: String,
) -> Result<u64, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageCustomers).await?;
    if confirm != "yes" {
        return Err(db::Error::invalid("confirm", "confirm tagging every match").into());
    }
    let db = crate::state::app_state()?.db;
    let query = filter.to_store_query(&db, store_id).await?;
    let now = db::time::now_ms();
    let tagged =
        db::customers::tags::bulk_tag(&db, store_id, &query, Some(access.account.id), &tag, now)
            .await?;
    let list = CustomerFilter::default()
        .with("tag", tag.trim())
        .with_notice(format!("tagged-{tagged}"));
    leptos_axum::redirect(&format!(
        "/store/{store_id}/customers{}",
        list.query_string()
    ));
    Ok(tagged)
}

/// GDPR erasure: the customer and every fact of theirs in this store.
/// `confirm` must be `erase` (the form's confirmation).
#[server(endpoint = "customer/erase")]
pub async fn erase_customer(
    store_id: i64,
    customer_id: i64,
    #[server(default)] confirm: String,
    #[server(default)] list: String,
) -> Result<(), AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageCustomers).await?;
    if confirm != "erase" {
        return Err(db::Error::invalid("confirm", "type erase to confirm").into());
    }
    let db = crate::state::app_state()?.db;
    db::customers::privacy::erase_customer(&db, store_id, customer_id).await?;
    // The customer is gone: back to the list it was opened from.
    leptos_axum::redirect(&crate::model::customers::list_href_with_notice(
        store_id, &list, "erased",
    ));
    Ok(())
}

/// The detail page's forms post here directly: send the browser back to the
/// page, which then shows the change.
#[cfg(feature = "ssr")]
fn back_to_customer(store_id: i64, customer_id: i64, list: &str) {
    leptos_axum::redirect(&crate::model::customers::customer_href(
        store_id,
        customer_id,
        list,
        "",
    ));
}

/// Reads a contacts file (CSV text) and answers its first rows and what
/// would be imported, writing nothing (the import page's preview, as data).
#[server(endpoint = "customers/import/preview")]
pub async fn preview_import(
    store_id: i64,
    file_name: String,
    csv: String,
) -> Result<ImportPreviewView, AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageCustomers).await?;
    let _ = file_name;
    let preview = tokio::task::spawn_blocking(move || {
        db::customers::import::preview(csv.as_bytes(), ssr::PREVIEW_ROWS)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "import preview");
        AppError::Internal
    })??;
    Ok(ssr::preview_view(preview))
}

/// Imports a contacts file as leads (matching the store's customers by
/// email, never duplicating them) and answers what it did.
#[server(endpoint = "customers/import")]
pub async fn import_contacts(
    store_id: i64,
    file_name: String,
    csv: String,
) -> Result<ImportResultView, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageCustomers).await?;
    let db = crate::state::app_state()?.db;
    let now = db::time::now_ms();
    let summary = db::customers::import::import_contacts(
        &db,
        store_id,
        &file_name,
        csv.as_bytes(),
        Some(access.account.id),
        now,
    )
    .await?;
    Ok(ssr::result_view(summary))
}

/// The import pages (server-rendered, `server/src/import_pages.rs`) share
/// these with the server functions.
#[cfg(feature = "ssr")]
pub use ssr::{PREVIEW_ROWS, preview_view, result_view};

#[cfg(feature = "ssr")]
mod ssr {
    use db::customers::{
        detail,
        import::{ImportPreview, ImportSummary},
        notes, tags, timeline,
        timeline::TimelineEntry,
    };

    use crate::{
        error::AppError,
        model::{
            customer::{
                CustomerView, ImportPreviewView, ImportResultView, ImportRowView, NoteView,
                SubscriptionHistoryView, TimelineView, ValueView,
            },
            customers::{CourseView, ProductView},
        },
        pages::customers::format::money,
    };

    /// Rows the import page's preview shows.
    pub const PREVIEW_ROWS: usize = 10;

    pub async fn page(
        db: &db::Db,
        store_id: i64,
        customer_id: i64,
        before: &str,
        role: crate::auth::Role,
    ) -> Result<CustomerView, AppError> {
        let now = db::time::now_ms();
        let before = match before.trim() {
            "" => None,
            value => Some(timeline::TimelineCursor::parse("before", value)?),
        };
        let (store, detail, notes, store_tags, timeline) = tokio::join!(
            db::stores::get_store(db, store_id),
            detail::customer_detail(db, store_id, customer_id, now),
            notes::list_notes(db, store_id, customer_id),
            tags::store_tags(db, store_id),
            timeline::timeline(
                db,
                store_id,
                customer_id,
                before.as_ref(),
                super::TIMELINE_PAGE
            ),
        );
        let (store, detail, notes, store_tags, timeline) =
            (store?, detail?, notes?, store_tags?, timeline?);
        let profile = detail.profile;
        let standing = match profile.email.as_deref() {
            Some(email) => Some(
                db::consent::standing(db, store_id, &db::validate::normalize_email(email)).await?,
            ),
            None => None,
        };
        Ok(CustomerView {
            id: profile.id,
            name: profile.name,
            email: profile.email,
            consent: standing
                .as_ref()
                .map_or(domain::customer::Consent::NotAsked, |s| s.consent),
            consent_since: standing.as_ref().and_then(|s| s.since),
            consent_source: standing.as_ref().and_then(|s| s.source.clone()),
            suppressed: standing.and_then(|s| s.suppressed).map(
                |(reason, detail, _)| match reason {
                    db::consent::Suppression::Bounce => format!("bounced: {detail}"),
                    db::consent::Suppression::Complaint => "marked as spam".to_string(),
                },
            ),
            kind: profile.customer_type.as_str().to_string(),
            status: profile.status.as_str().to_string(),
            source: crate::pages::customers::format::source_label(
                &profile.source_kind,
                &profile.source_title,
            ),
            joined_at: profile.joined_at,
            last_activity_at: profile.last_activity_at,
            value: detail
                .value
                .into_iter()
                .map(|v| ValueView {
                    currency: v.currency,
                    paid_cents: v.paid_cents,
                    refunded_cents: v.refunded_cents,
                    net_cents: v.net_cents,
                })
                .collect(),
            courses: detail
                .courses
                .into_iter()
                .map(|c| CourseView {
                    title: c.title,
                    progress: c.progress,
                    last_accessed_at: c.last_accessed_at,
                })
                .collect(),
            purchases: detail
                .purchases
                .into_iter()
                .map(|p| ProductView {
                    title: p.title,
                    paid_at: p.paid_at,
                    amount_cents: p.amount_cents,
                    currency: p.currency,
                    refunded: p.refunded_at.is_some(),
                })
                .collect(),
            subscriptions: detail
                .subscriptions
                .into_iter()
                .map(|s| SubscriptionHistoryView {
                    plan: s.plan,
                    status: s.status,
                    amount_cents: s.amount_cents,
                    currency: s.currency,
                    interval: s.interval,
                    started_at: s.started_at,
                    history: s.history.into_iter().map(|h| (h.at, h.status)).collect(),
                })
                .collect(),
            tags: detail.tags.into_iter().map(|t| t.name).collect(),
            notes: notes
                .into_iter()
                .map(|n| NoteView {
                    id: n.id,
                    body: n.body,
                    author: n.author_email,
                    created_at: n.created_at,
                    edited_at: n.edited_at,
                })
                .collect(),
            store_tags: store_tags.into_iter().map(|t| t.name).collect(),
            timeline: timeline.entries.into_iter().map(describe).collect(),
            older: timeline.next.map(|cursor| cursor.to_param()),
            now_ms: now,
            role,
            store_name: store.name.clone(),
            time_zone: store.time_zone,
        })
    }

    /// One timeline entry in words.
    fn describe(entry: TimelineEntry) -> TimelineView {
        let title = entry.title.clone().unwrap_or_default();
        let amount = match (entry.amount_cents, &entry.currency) {
            (Some(cents), Some(currency)) => format!(" for {}", money(cents, currency)),
            _ => String::new(),
        };
        let by = entry
            .actor
            .as_deref()
            .map(|who| format!(" by {who}"))
            .unwrap_or_default();
        let text = match entry.kind.as_str() {
            "enrolled" => format!("Enrolled in {title}"),
            "progress" => format!("Reached {}% of {title}", entry.percent.unwrap_or(0)),
            "purchased" => format!("Purchased {title}{amount}"),
            "renewed" => format!("Renewed {title}{amount}"),
            "refunded" => format!("Refunded {title}{amount}"),
            "subscribed" => format!("Subscribed to {title}"),
            "cancelled" => format!(
                "Subscription to {title} {}",
                entry.status.as_deref().unwrap_or("cancelled")
            ),
            "subscription_changed" => format!(
                "Subscription to {title} is now {}",
                entry.status.as_deref().unwrap_or("changed")
            ),
            "lead" => format!("Signed up ({title})"),
            "note_added" => format!("Note added{by}: {title}"),
            "tag_added" => format!("Tagged \u{201c}{title}\u{201d}{by}"),
            "tag_removed" => format!("Tag \u{201c}{title}\u{201d} removed{by}"),
            "campaign_sent" => format!("Received the campaign \u{201c}{title}\u{201d}"),
            "campaign_open" => format!("Opened \u{201c}{title}\u{201d}"),
            "campaign_click" => format!(
                "Clicked {} in \u{201c}{title}\u{201d}",
                entry.status.as_deref().unwrap_or("a link")
            ),
            "campaign_unsubscribe" => {
                format!("Unsubscribed from campaigns (via \u{201c}{title}\u{201d})")
            }
            "campaign_complaint" => {
                format!("Reported \u{201c}{title}\u{201d} as spam: the address is suppressed")
            }
            "campaign_bounce" => {
                format!("\u{201c}{title}\u{201d} bounced: the address is suppressed")
            }
            other => format!("{other}: {title}"),
        };
        TimelineView {
            at: entry.at,
            kind: entry.kind,
            text,
        }
    }

    pub fn result_view(summary: ImportSummary) -> ImportResultView {
        ImportResultView {
            rows: summary.rows,
            created: summary.created,
            updated: summary.updated,
            unchanged: summary.unchanged,
            rejected: summary
                .rejected
                .into_iter()
                .map(|r| (r.row, r.reason))
                .collect(),
        }
    }

    pub fn preview_view(preview: ImportPreview) -> ImportPreviewView {
        let mapping = &preview.mapping;
        let header = |i: usize| {
            mapping
                .headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("column {}", i + 1))
        };
        let mut columns = vec![("email".to_string(), header(mapping.email))];
        for (field, index) in [
            ("name", mapping.name),
            ("first name", mapping.first_name),
            ("last name", mapping.last_name),
            ("tags", mapping.tags),
            ("consent", mapping.consent),
        ] {
            if let Some(i) = index {
                columns.push((field.to_string(), header(i)));
            }
        }
        ImportPreviewView {
            columns,
            rows: preview
                .rows
                .into_iter()
                .map(|r| ImportRowView {
                    line: r.row,
                    name: r.name.unwrap_or_default(),
                    email: r.email.unwrap_or_default(),
                    tags: r.tags.join(", "),
                    consent: r
                        .consent
                        .map(|c| c.label().to_lowercase())
                        .unwrap_or_default(),
                    error: r.error,
                })
                .collect(),
            total_rows: preview.total_rows,
            valid_rows: preview.valid_rows,
            rejected_rows: preview.rejected_rows,
        }
    }
}
