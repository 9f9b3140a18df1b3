//! `GET /store/{store_id}/customers/{customer_id}/export.json`: everything
//! the store holds about one customer (profile, facts, notes, tags,
//! timeline), for a data subject's access request. Authorised like the CSV
//! export; another store's customer is not found.

use axum::{
    Json,
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use crate::export::{authorized_store, internal};

pub async fn customer_json(
    db: db::Db,
    Path((store_id, customer_id)): Path<(String, String)>,
    session: Session,
) -> Response {
    let store = match authorized_store(&db, &store_id, &session).await {
        Ok(store) => store,
        Err(refusal) => return refusal.into_response(),
    };
    let Ok(customer_id) = customer_id.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let now = db::time::now_ms();
    match db::customers::privacy::export_customer(&db, store.id, customer_id, now).await {
        Ok(export) => (
            [
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"customer-{customer_id}.json\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            Json(export),
        )
            .into_response(),
        Err(db::Error::NotFound(_)) => (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(error) => internal("customer export", &error).into_response(),
    }
}
