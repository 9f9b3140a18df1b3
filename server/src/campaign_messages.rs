//! `GET /store/{store_id}/campaigns/{campaign_id}/messages/{message_id}`:
//! one sent message of a campaign as its file (`.eml`, answered as plain
//! text), when this server delivers to files (no `SMTP_URL`). Authorised by
//! the `StoreAccess` extractor; a message of another store or campaign, or
//! one that was never written, is not found.

use app::{error::AppError, state::AppState};
use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

use crate::store_access::StoreAccess;

pub async fn message_file(
    State(state): State<AppState>,
    StoreAccess { store, .. }: StoreAccess,
    Path((_, campaign_id, message_id)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let id = |text: &str| text.parse::<i64>().map_err(|_| AppError::NotFound);
    let (campaign_id, message_id) = (id(&campaign_id)?, id(&message_id)?);
    let dir = state
        .mail
        .as_ref()
        .and_then(|setup| setup.outbox_dir.clone())
        .ok_or(AppError::NotFound)?;
    let message = db::campaigns::engagement::message(&state.db, store.id, message_id).await?;
    if message.campaign_id != campaign_id {
        return Err(AppError::NotFound);
    }
    let path = mail::Delivery::file_of(&dir, campaign_id, message_id);
    let text = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotFound);
        }
        Err(error) => {
            tracing::error!(%error, path = %path.display(), "reading a message file");
            return Err(AppError::Internal);
        }
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"message-{message_id}.eml\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        text,
    )
        .into_response())
}
