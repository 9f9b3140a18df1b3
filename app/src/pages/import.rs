//! `/store/:store_id/import`: import contacts from a CSV file as leads. A
//! server page (rendered whole on the server through the app's one shell,
//! without the WASM: it only uploads and reads): choose a file and
//! "Preview" (the columns found and the first rows, with what is wrong with
//! any of them), then "Import" (the file's text travels back in the form);
//! the summary says what was created, updated and rejected, and why. The
//! server's routes are in `server/src/import_pages.rs`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    model::customer::{ImportPreviewView, ImportResultView},
    pages::customers::format::thousands,
};

/// Where the import is.
#[derive(Clone, Debug)]
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

/// Rejected lines listed in the summary; the rest are counted.
const REJECTIONS_SHOWN: usize = 100;

#[component]
pub fn ImportPage(store_id: i64, stage: ImportStage) -> impl IntoView {
    let outcome = match stage {
        ImportStage::Choose => ().into_any(),
        ImportStage::Preview {
            file_name,
            csv,
            preview,
        } => view! { <Preview store_id file_name csv preview /> }.into_any(),
        ImportStage::Done(summary) => view! { <Summary store_id summary /> }.into_any(),
        ImportStage::Refused(message) => {
            view! { <p class="error" role="alert">{message}</p> }.into_any()
        }
    };
    view! {
        <Title text="Import contacts" />
        <div class="import-page">
            <a class="muted back" href=format!("/store/{store_id}/customers")>"← Customers"</a>
            <div class="page-head">
                <h1>"Import contacts"</h1>
            </div>
            <p>
                "A CSV file with a header row: an " <code>"email"</code> " column, and optionally "
                <code>"name"</code> " (or " <code>"first name"</code> " and " <code>"last name"</code>
                "), " <code>"tags"</code> " (separated by ; or |) and " <code>"consent"</code>
                " (yes or no: may we email them?). Contacts become leads; \
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
            {outcome}
        </div>
    }
}

/// The columns found and the first rows with their problems, and the form
/// that imports the file.
#[component]
fn Preview(
    store_id: i64,
    file_name: String,
    csv: String,
    preview: ImportPreviewView,
) -> impl IntoView {
    let columns = preview
        .columns
        .iter()
        .map(|(field, header)| format!("{field} ← \u{201c}{header}\u{201d}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let valid = preview.valid_rows;
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
                    <td>{row.consent}</td>
                    <td>{row.error.unwrap_or_else(|| "ok".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="import-preview" data-testid="import-preview">
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
                        <th>"Consent"</th>
                        <th>"Check"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <form method="post" action=format!("/store/{store_id}/import") class="import-run">
                <input type="hidden" name="file_name" value=file_name />
                <textarea name="csv" hidden>{csv}</textarea>
                <button type="submit" class="button primary" data-testid="import-run" disabled=valid == 0>
                    {format!("Import {} contacts", thousands(valid as i64))}
                </button>
            </form>
        </section>
    }
}

/// What the import did, with the first rejected lines and why.
#[component]
fn Summary(store_id: i64, summary: ImportResultView) -> impl IntoView {
    let rejected_count = summary.rejected.len();
    let rejected = summary
        .rejected
        .into_iter()
        .take(REJECTIONS_SHOWN)
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
            {(rejected_count > REJECTIONS_SHOWN)
                .then(|| {
                    view! {
                        <p class="muted">{format!("and {} more", rejected_count - REJECTIONS_SHOWN)}</p>
                    }
                })}
            <a class="button" href=format!("/store/{store_id}/customers?type=lead")>"See the leads"</a>
        </section>
    }
}
