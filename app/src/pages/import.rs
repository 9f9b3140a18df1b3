//! `/store/:store_id/import`: import contacts from a CSV file as leads.
//! Pick a file, see the columns found and the first rows (with what is wrong
//! with any of them), then import; the summary says what was created,
//! updated and rejected, and why.
//!
//! The browser reads the file and sends its text to the server functions;
//! nothing is written until "Import" is pressed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use wasm_bindgen::JsCast;

use crate::{
    api::{ImportContacts, PreviewImport},
    model::customer::{ImportPreviewView, ImportResultView},
    pages::customers::format::thousands,
};

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let store_id = Memo::new(move |_| {
        params
            .read()
            .get("store_id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    // The chosen file: (name, text).
    let file = RwSignal::new(None::<(String, String)>);
    let read_error = RwSignal::new(None::<String>);
    let preview = ServerAction::<PreviewImport>::new();
    let import = ServerAction::<ImportContacts>::new();

    let on_file = move |ev: leptos::ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let Some(chosen) = input.and_then(|i| i.files()).and_then(|files| files.get(0)) else {
            return;
        };
        read_error.set(None);
        import.value().set(None);
        let name = chosen.name();
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(chosen.text()).await {
                Ok(text) => {
                    let csv = text.as_string().unwrap_or_default();
                    file.set(Some((name.clone(), csv.clone())));
                    preview.dispatch(PreviewImport {
                        store_id: store_id.get_untracked(),
                        file_name: name,
                        csv,
                    });
                }
                Err(_) => read_error.set(Some("Could not read this file.".into())),
            }
        });
    };
    let run_import = move |_| {
        if let Some((file_name, csv)) = file.get_untracked() {
            import.dispatch(ImportContacts {
                store_id: store_id.get_untracked(),
                file_name,
                csv,
            });
        }
    };

    view! {
        <Title text="Import contacts" />
        <div class="import-page">
            <a class="muted back" href=move || format!("/store/{}/customers", store_id.get())>
                "← Customers"
            </a>
            <div class="page-head">
                <h1>"Import contacts"</h1>
            </div>
            <p>
                "A CSV file with a header row: an " <code>"email"</code> " column, and optionally "
                <code>"name"</code> " (or " <code>"first name"</code> " and " <code>"last name"</code>
                ") and " <code>"tags"</code> " (separated by ; or |). Contacts become leads; \
                 a contact whose email the store already has updates that customer, never a \
                 second one."
            </p>
            <label class="field file">
                <span>"CSV file"</span>
                <input type="file" accept=".csv,text/csv" on:change=on_file data-testid="import-file" />
            </label>
            {move || read_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                preview
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(preview) => {
                            view! { <Preview preview importing=import.pending() on_import=run_import /> }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    })
            }}
            {move || {
                import
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(summary) => view! { <Summary summary store_id=store_id.get_untracked() /> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    })
            }}
        </div>
    }
}

#[component]
fn Preview(
    preview: ImportPreviewView,
    importing: Memo<bool>,
    on_import: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
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
                        <th>"Check"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <button
                type="button"
                class="button primary"
                data-testid="import-run"
                disabled=move || importing.get() || valid == 0
                on:click=on_import
            >
                {move || {
                    if importing.get() {
                        "Importing…".to_string()
                    } else {
                        format!("Import {} contacts", thousands(valid as i64))
                    }
                }}
            </button>
        </section>
    }
}

#[component]
fn Summary(summary: ImportResultView, store_id: i64) -> impl IntoView {
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
}
