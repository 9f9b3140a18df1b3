use axum::{Json, http::StatusCode, response::IntoResponse};
use serde_json::json;

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
pub async fn healthz(db: db::Db) -> impl IntoResponse {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(error) => {
            tracing::warn!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
