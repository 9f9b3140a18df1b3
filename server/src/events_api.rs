//! `POST /api/v1/stores/{store_id}/events`: the platform reports what
//! happened, one event or a batch of up to 1,000, authenticated by one of the
//! store's API keys as a bearer token.
//!
//! Answers: 200 `{"results": [{"event_id", "status"}]}` with status
//! `applied`, `duplicate` (the event id was seen with the same body) or
//! `conflict` (seen with another body; nothing changed); 400
//! `{"error", "field"}` for a malformed body or event (nothing of the request
//! is written); 401 for a missing or unknown key; 404 for a store that does
//! not exist or that the key does not belong to; 413 for more than 1,000
//! events or a body over [`MAX_BODY_BYTES`]. Every refusal has the same
//! JSON shape.

use axum::{
    Json,
    body::Bytes,
    extract::rejection::BytesRejection,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use db::{
    api_keys::{self, KeyCheck},
    events::{self, MAX_BATCH},
};
use serde_json::json;

/// Largest request body accepted (a full batch with long titles fits).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

fn error(status: StatusCode, message: &str, field: Option<&str>) -> Response {
    (status, Json(json!({ "error": message, "field": field }))).into_response()
}

pub async fn post_events(
    db: db::Db,
    store_id: String,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Ok(store_id) = store_id.parse::<i64>() else {
        return error(StatusCode::NOT_FOUND, "store not found", None);
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return error(
            StatusCode::UNAUTHORIZED,
            "missing API key: send `Authorization: Bearer <key>`",
            None,
        );
    };
    match api_keys::verify(&db, store_id, token).await {
        Ok(KeyCheck::Valid) => {}
        Ok(KeyCheck::Unknown) => {
            return error(StatusCode::UNAUTHORIZED, "invalid or revoked API key", None);
        }
        Ok(KeyCheck::OtherStore) => return error(StatusCode::NOT_FOUND, "store not found", None),
        Err(e) => return internal(e),
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "the body is larger than {} MB",
                    MAX_BODY_BYTES / (1024 * 1024)
                )
            } else {
                format!("the body could not be read: {}", rejection.body_text())
            };
            return error(status, &message, Some("body"));
        }
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the body is not valid JSON: {e}"),
                Some("body"),
            );
        }
    };
    let (batch, is_batch) = match events::parse_body(&value) {
        Ok(parsed) => parsed,
        Err(e) => return db_error(e, oversized(&value)),
    };
    let valid = batch
        .iter()
        .enumerate()
        .map(|(i, event)| {
            if is_batch {
                event.validate(&format!("events[{i}]"))
            } else {
                event.validate("")
            }
        })
        .collect::<Result<Vec<_>, _>>();
    let valid = match valid {
        Ok(valid) => valid,
        Err(e) => return db_error(e, false),
    };
    match db::facts::record(&db, store_id, &valid).await {
        Ok(results) => (StatusCode::OK, Json(json!({ "results": results }))).into_response(),
        Err(e) => db_error(e, false),
    }
}

fn oversized(value: &serde_json::Value) -> bool {
    let len = match value {
        serde_json::Value::Array(list) => list.len(),
        other => other
            .get("events")
            .and_then(|e| e.as_array())
            .map_or(0, Vec::len),
    };
    len > MAX_BATCH
}

fn db_error(e: db::Error, too_many: bool) -> Response {
    match e {
        db::Error::Invalid { field, message } => error(
            if too_many {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            },
            &format!("{field}: {message}"),
            Some(&field),
        ),
        db::Error::NotFound(what) => {
            error(StatusCode::NOT_FOUND, &format!("{what} not found"), None)
        }
        other => internal(other),
    }
}

fn internal(e: db::Error) -> Response {
    tracing::error!(error = %e, "events API failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error", None)
}
