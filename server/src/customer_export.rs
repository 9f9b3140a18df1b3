//! `GET /store/{store_id}/customers/{customer_id}/export.json`: everything
//! the store holds about one customer (profile, facts, notes, tags,
//! timeline), for a data subject's access request. Authorised by the
//! `StoreAccess` extractor; another store's customer is not found.

use app::{error::AppError, state::AppState};
use axum::{
    Json,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

use crate::store_access::StoreAccess;

pub async fn customer_json(
    State(state): State<AppState>,
    StoreAccess { store, .. }: StoreAccess,
    Path((_, customer_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let customer_id = customer_id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let now = db::time::now_ms();
    let export =
        db::customers::privacy::export_customer(&state.db, store.id, customer_id, now).await?;
    Ok((
        [
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"customer-{customer_id}.json\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Json(export),
    )
        .into_response())
}
