//! The contacts import, as plain server-rendered pages (the markup is in
//! `app::pages::import`):
//!
//! - `GET  /store/{id}/import`: choose a file.
//! - `POST /store/{id}/import/preview` (multipart, field `file`): the columns
//!   found and the first rows; nothing written. The file's text goes back in
//!   the page's Import form.
//! - `POST /store/{id}/import` (form: `file_name`, `csv`): imports, then the
//!   summary.
//!
//! Authorised from the session like the exports: 401 signed out, 404 for a
//! store the account may not open.

use app::{
    pages::import::{ImportStage, import_document},
    state::AppState,
};
use axum::{
    Form,
    extract::{Multipart, Path},
    response::{Html, IntoResponse, Response},
};
use db::customers::import::{MAX_IMPORT_BYTES, import_contacts, preview};
use serde::Deserialize;
use tower_sessions::Session;

use crate::export::{authorized_store, internal};

/// Request bodies these routes accept: the largest file, with room for the
/// form's encoding of it.
pub const MAX_BODY_BYTES: usize = MAX_IMPORT_BYTES * 3 + 64 * 1024;

pub async fn choose(state: AppState, Path(store_id): Path<String>, session: Session) -> Response {
    match authorized_store(&state.db, &store_id, &session).await {
        Ok(store) => Html(import_document(
            &state.assets.css,
            store.id,
            ImportStage::Choose,
        ))
        .into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

pub async fn preview_file(
    state: AppState,
    Path(store_id): Path<String>,
    session: Session,
    mut multipart: Multipart,
) -> Response {
    let store = match authorized_store(&state.db, &store_id, &session).await {
        Ok(store) => store,
        Err(refusal) => return refusal.into_response(),
    };
    let page = |stage| Html(import_document(&state.assets.css, store.id, stage)).into_response();
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("contacts.csv").to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(error) => return page(ImportStage::Refused(error.body_text())),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => return page(ImportStage::Refused(error.body_text())),
        }
    }
    let Some((file_name, bytes)) = file else {
        return page(ImportStage::Refused("Choose a CSV file first.".into()));
    };
    let Ok(csv) = String::from_utf8(bytes.to_vec()) else {
        return page(ImportStage::Refused(
            "The file is not UTF-8 text: save it as CSV (UTF-8) and try again.".into(),
        ));
    };
    let read = {
        let csv = csv.clone();
        tokio::task::spawn_blocking(move || preview(csv.as_bytes(), app::api::PREVIEW_ROWS)).await
    };
    match read {
        Ok(Ok(preview)) => page(ImportStage::Preview {
            file_name,
            csv,
            preview: app::api::preview_view(preview),
        }),
        Ok(Err(error)) => page(ImportStage::Refused(error.to_string())),
        Err(error) => internal("import preview", &error).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ImportForm {
    file_name: String,
    csv: String,
}

pub async fn run(
    state: AppState,
    Path(store_id): Path<String>,
    session: Session,
    Form(form): Form<ImportForm>,
) -> Response {
    let store = match authorized_store(&state.db, &store_id, &session).await {
        Ok(store) => store,
        Err(refusal) => return refusal.into_response(),
    };
    let account = session
        .get::<i64>(app::auth::ACCOUNT_ID_KEY)
        .await
        .ok()
        .flatten();
    let now = db::time::now_ms();
    let stage = match import_contacts(
        &state.db,
        store.id,
        &form.file_name,
        form.csv.as_bytes(),
        account,
        now,
    )
    .await
    {
        Ok(summary) => ImportStage::Done(app::api::result_view(summary)),
        Err(db::Error::Invalid { field, message }) => {
            ImportStage::Refused(format!("{field}: {message}"))
        }
        Err(error) => return internal("import", &error).into_response(),
    };
    Html(import_document(&state.assets.css, store.id, stage)).into_response()
}
