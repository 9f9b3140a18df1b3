//! `/store/:store_id/import`: import contacts from a CSV file as leads, as
//! plain server-rendered pages (no WASM: the page only uploads and reads):
//! choose a file and "Preview" (the columns found and the first rows, with
//! what is wrong with any of them), then "Import" (the file's text travels
//! back in the form); the summary says what was created, updated and
//! rejected, and why. The server's routes are in `server/src/import_pages.rs`;
//! the markup is here, with the app's other views.

use leptos::{prelude::*, tachys::view::RenderHtml};

use crate::{
    model::customer::{ImportPreviewView, ImportResultView},
    pages::customers::format::thousands,
};

/// Where the import is.
pub enum ImportStage {
    /// Choose a file.
    Choose,
    /// A file was read: its preview, and the text to import.
    Preview {
        file_name: String,
        csv: String,
        preview: ImportPreviewView,
    },
    /// It was imported.
    Done(ImportResultView),
    /// The file could not be read or imported.
    Refused(String),
}

/// A whole HTML document for a stage of the import.
pub fn import_document(stylesheet: &str, store_id: i64, stage: ImportStage) -> String {
    let body = match stage {
        ImportStage::Choose => String::new(),
        ImportStage::Preview {
            file_name,
            csv,
            preview,
        } => {
            let valid = preview.valid_rows;
            let form = view! {
                <form method="post" action=format!("/store/{store_id}/import") class="import-run">
                    <input type="hidden" name="file_name" value=file_name />
                    <textarea name="csv" hidden>{csv}</textarea>
                    <button
                        type="submit"
                        class="button primary"
                        data-testid="import-run"
                        disabled=valid == 0
                    >
                        {format!("Import {} contacts", thousands(valid as i64))}
                    </button>
                </form>
            }
            .to_html();
            format!(
                "<section class=\"import-preview\" data-testid=\"import-preview\">{}{form}</section>",
                render_preview(preview)
            )
        }
        ImportStage::Done(summary) => render_summary(summary, store_id),
        ImportStage::Refused(message) => {
            view! { <p class="error" role="alert">{message}</p> }.to_html()
        }
    };
    let page = view! {
        <header class="topbar">
            <a class="brand" href="/">"Customers"</a>
        </header>
        <main class="page import-page">
            <a class="muted back" href=format!("/store/{store_id}/customers")>"← Customers"</a>
            <div class="page-head">
                <h1>"Import contacts"</h1>
            </div>
            <p>
                "A CSV file with a header row: an " <code>"email"</code> " column, and optionally "
                <code>"name"</code> " (or " <code>"first name"</code> " and " <code>"last name"</code>
                ") and " <code>"tags"</code> " (separated by ; or |). Contacts become leads; \
                 a contact whose email the store already has updates that customer, never a \
                 second one. Nothing is written until you press Import."
            </p>
            <form
                method="post"
                action=format!("/store/{store_id}/import/preview")
                enctype="multipart/form-data"
                class="inline-form"
            >
                <label class="field file">
                    <span>"CSV file"</span>
                    <input type="file" name="file" accept=".csv,text/csv" required data-testid="import-file" />
                </label>
                <button type="submit" class="button" data-testid="import-preview-button">"Preview"</button>
            </form>
            <div inner_html=body></div>
        </main>
    }
    .to_html();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\">\
         <link rel=\"stylesheet\" href=\"{stylesheet}\">\
         <title>Import contacts · Customers</title></head><body>{page}</body></html>"
    )
}

/// The preview's HTML (rendered on the server, so the WASM carries none of
/// it): the columns found and the first rows with their problems.
fn render_preview(preview: ImportPreviewView) -> String {
    let columns = preview
        .columns
        .iter()
        .map(|(field, header)| format!("{field} ← \u{201c}{header}\u{201d}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let rows = preview
        .rows
        .into_iter()
        .map(|row| {
            let rejected = row.error.is_some();
            view! {
                <tr class:rejected=rejected>
                    <td class="num">{row.line}</td>
                    <td>{row.name}</td>
                    <td>{row.email}</td>
                    <td>{row.tags}</td>
                    <td>{row.error.unwrap_or_else(|| "ok".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let valid = preview.valid_rows;
    view! {
        <div>
            <h2>"Preview"</h2>
            <p data-testid="import-columns">{format!("Columns: {columns}")}</p>
            <p data-testid="import-counts">
                {format!(
                    "{} rows: {} to import, {} with problems.",
                    thousands(preview.total_rows as i64),
                    thousands(valid as i64),
                    thousands(preview.rejected_rows as i64),
                )}
            </p>
            <table class="preview-table">
                <thead>
                    <tr>
                        <th class="num">"Line"</th>
                        <th>"Name"</th>
                        <th>"Email"</th>
                        <th>"Tags"</th>
                        <th>"Check"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .to_html()
}

/// The summary's HTML, rendered on the server.
fn render_summary(summary: ImportResultView, store_id: i64) -> String {
    let shown = 100;
    let rejected_count = summary.rejected.len();
    let rejected = summary
        .rejected
        .into_iter()
        .take(shown)
        .map(|(line, reason)| view! { <li>{format!("line {line}: {reason}")}</li> })
        .collect_view();
    view! {
        <section class="import-summary" data-testid="import-summary">
            <h2>"Imported"</h2>
            <p data-testid="import-result">
                {format!(
                    "{} created, {} updated, {} unchanged, {} rejected.",
                    thousands(summary.created as i64),
                    thousands(summary.updated as i64),
                    thousands(summary.unchanged as i64),
                    thousands(rejected_count as i64),
                )}
            </p>
            <ul class="rejections">{rejected}</ul>
            {(rejected_count > shown)
                .then(|| view! { <p class="muted">{format!("and {} more", rejected_count - shown)}</p> })}
            <a class="button" href=format!("/store/{store_id}/customers?type=lead")>"See the leads"</a>
        </section>
    }
    .to_html()
}
