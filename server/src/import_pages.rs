//! The contacts import, as server pages of the app (`app::ServerPage`; the
//! components are in `app::pages::import`):
//!
//! - `GET  /store/{id}/import`: choose a file.
//! - `POST /store/{id}/import/preview` (multipart, field `file`): the columns
//!   found and the first rows; nothing written. The file's text goes back in
//!   the page's Import form.
//! - `POST /store/{id}/import` (form: `file_name`, `csv`): imports, then the
//!   summary.
//!
//! Authorised by the `StoreAccess` extractor: 401 signed out, 404 for a
//! store the account may not open.

use app::{ServerPage, error::AppError, pages::import::ImportStage, state::AppState};
use axum::{
    Form,
    extract::{Multipart, State},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use db::customers::import::{MAX_IMPORT_BYTES, import_contacts, preview};
use serde::Deserialize;

use crate::store_access::StoreAccess;

/// Request bodies these routes accept: the largest file, with room for the
/// form's encoding of it.
pub const MAX_BODY_BYTES: usize = MAX_IMPORT_BYTES * 3 + 64 * 1024;

/// A stage of the import, as a page of the app.
async fn page(state: &AppState, parts: Parts, store_id: i64, stage: ImportStage) -> Response {
    crate::server_page::render(state, parts, ServerPage::Import { store_id, stage }).await
}

pub async fn choose(
    State(state): State<AppState>,
    StoreAccess { store, .. }: StoreAccess,
    parts: Parts,
) -> Response {
    page(&state, parts, store.id, ImportStage::Choose).await
}

pub async fn preview_file(
    State(state): State<AppState>,
    StoreAccess { store, .. }: StoreAccess,
    parts: Parts,
    multipart: Multipart,
) -> Response {
    let (file_name, csv) = match uploaded_file(multipart).await {
        Ok(file) => file,
        Err(message) => return page(&state, parts, store.id, ImportStage::Refused(message)).await,
    };
    let read = {
        let csv = csv.clone();
        tokio::task::spawn_blocking(move || preview(csv.as_bytes(), app::api::PREVIEW_ROWS)).await
    };
    let stage = match read {
        Ok(Ok(preview)) => ImportStage::Preview {
            file_name,
            csv,
            preview: app::api::preview_view(preview),
        },
        Ok(Err(error)) => ImportStage::Refused(error.to_string()),
        Err(error) => {
            tracing::error!(%error, "import preview");
            return AppError::Internal.into_response();
        }
    };
    page(&state, parts, store.id, stage).await
}

/// The name and text of the form's `file`, or what to tell the owner.
async fn uploaded_file(mut multipart: Multipart) -> Result<(String, String), String> {
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("contacts.csv").to_string();
            file = Some((name, field.bytes().await.map_err(|e| e.body_text())?));
        }
    }
    let (file_name, bytes) = file.ok_or("Choose a CSV file first.")?;
    let csv = String::from_utf8(bytes.to_vec()).map_err(|_| {
        "The file is not UTF-8 text: save it as CSV (UTF-8) and try again.".to_string()
    })?;
    Ok((file_name, csv))
}

#[derive(Deserialize)]
pub struct ImportForm {
    file_name: String,
    csv: String,
}

pub async fn run(
    State(state): State<AppState>,
    StoreAccess { store, authorized }: StoreAccess,
    parts: Parts,
    Form(form): Form<ImportForm>,
) -> Response {
    let now = db::time::now_ms();
    let stage = match import_contacts(
        &state.db,
        store.id,
        &form.file_name,
        form.csv.as_bytes(),
        Some(authorized.account.id),
        now,
    )
    .await
    {
        Ok(summary) => ImportStage::Done(app::api::result_view(summary)),
        Err(db::Error::Invalid { field, message }) => {
            ImportStage::Refused(format!("{field}: {message}"))
        }
        Err(error) => return AppError::from(error).into_response(),
    };
    page(&state, parts, store.id, stage).await
}
