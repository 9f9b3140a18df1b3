//! `GET /store/{store_id}/customers.csv?<the page's query>`: the whole
//! filtered set as CSV, streamed batch by batch (memory stays flat at any
//! size). Authorised by the `StoreAccess` extractor: 401 signed out, 404
//! for a store the account may not open.
//!
//! Cells are quoted per RFC 4180 and defused against formula injection: a
//! cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`.

use app::{
    error::AppError, model::customers::CustomerFilter, pages::customers::format, state::AppState,
};
use axum::{
    body::{Body, Bytes},
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use db::customers::export::{Export, ExportRow};
use futures_util::StreamExt as _;

use crate::store_access::StoreAccess;

/// The columns before the totals, and after them; between them one
/// "Spent (XXX)" column per currency the store's customers hold money in,
/// the store's own first.
const BEFORE_TOTALS: [&str; 4] = ["Name", "Email", "Type", "Status"];
const AFTER_TOTALS: [&str; 7] = [
    "Last activity",
    "Joined",
    "Courses count",
    "Products count",
    "Courses",
    "Products",
    "Tags",
];

pub async fn customers_csv(
    State(state): State<AppState>,
    StoreAccess { store, .. }: StoreAccess,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, AppError> {
    let store_id = store.id;
    let query = filter.to_store_query(&state.db, store_id).await?;
    let mut export = Export::new(&state.db, store_id, &query, db::time::now_ms())?;
    // The first batch before the headers, so a bad query is a clean error.
    let first = export.next_batch().await?;

    let currencies = db::customers::search::currencies(&state.db, store_id).await?;
    let mut head = String::new();
    push_record(
        &mut head,
        BEFORE_TOTALS
            .iter()
            .map(|h| h.to_string())
            .chain(currencies.iter().map(|c| format!("Spent ({c})")))
            .chain(AFTER_TOTALS.iter().map(|h| h.to_string())),
    );
    let head = Bytes::from(head);
    let stream = futures_util::stream::unfold(
        (Some(head), first, export),
        move |(head, batch, mut export)| {
            let currencies = currencies.clone();
            async move {
                if let Some(head) = head {
                    return Some((Ok::<_, std::io::Error>(head), (None, batch, export)));
                }
                let rows = batch?;
                let mut chunk = String::with_capacity(rows.len() * 160);
                for row in &rows {
                    push_record(&mut chunk, cells(row, &currencies));
                }
                let next = match export.next_batch().await {
                    Ok(next) => next,
                    Err(error) => {
                        tracing::error!(%error, "customers export stopped");
                        return Some((
                            Err(std::io::Error::other("export failed")),
                            (None, None, export),
                        ));
                    }
                };
                Some((Ok(Bytes::from(chunk)), (None, next, export)))
            }
        },
    )
    // A body may be polled once more after its end (the compression layer
    // does): fused, it answers the end again instead of panicking.
    .fuse();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"customers-store-{store_id}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

fn cells(row: &ExportRow, currencies: &[String]) -> impl Iterator<Item = String> {
    let c = &row.customer;
    let amount = |currency: &String| {
        let cents = c
            .totals
            .iter()
            .find(|(held, _)| held == currency)
            .map_or(0, |(_, cents)| *cents);
        format!(
            "{}{}.{:02}",
            if cents < 0 { "-" } else { "" },
            cents.unsigned_abs() / 100,
            cents.unsigned_abs() % 100
        )
    };
    [
        c.name.clone().unwrap_or_default(),
        c.email.clone().unwrap_or_default(),
        // The page's words (Lead, Customer, Subscriber), not the stored kind.
        format::type_label(c.customer_type.as_str()).to_string(),
        format::status_label(c.status.as_str()).to_string(),
    ]
    .into_iter()
    .chain(currencies.iter().map(amount).collect::<Vec<_>>())
    .chain([
        format::iso(c.last_activity_at),
        format::iso(c.joined_at),
        c.courses_count.to_string(),
        c.products_count.to_string(),
        row.courses.join("; "),
        row.products.join("; "),
        c.tags.join("; "),
    ])
}

/// Appends one CSV record (CRLF-terminated).
fn push_record(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, &cell);
    }
    out.push_str("\r\n");
}

/// One cell: defused (leading `'` before a formula trigger), quoted when it
/// holds a comma, quote or line break (quotes doubled).
fn push_cell(out: &mut String, cell: &str) {
    let defuse = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = cell.contains([',', '"', '\r', '\n']) || defuse && cell.contains('\t');
    if quote {
        out.push('"');
    }
    if defuse {
        out.push('\'');
    }
    for ch in cell.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> String {
        let mut out = String::new();
        push_cell(&mut out, text);
        out
    }

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(cell("Ann Lee"), "Ann Lee");
        assert_eq!(cell("Lee, Ann"), "\"Lee, Ann\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-5.00"), "'-5.00");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
    }
}
