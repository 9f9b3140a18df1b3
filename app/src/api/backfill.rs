//! The backfill from the settings pages: start a run (it goes on after the
//! request returns), and read its progress and the past runs.
//!
//! `store_id: None` means every store, which only a platform admin may ask
//! for (anyone else gets "not found", as for a store they may not open).

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One run as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackfillRunView {
    pub id: i64,
    pub store_id: Option<i64>,
    /// running, completed, failed or interrupted.
    pub status: String,
    /// `Found … to process`.
    pub found: String,
    pub found_total: u64,
    pub rows_done: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
    /// `Backfill complete: … created, … updated, … errors; … unchanged`.
    pub summary: String,
    /// Source rows per second.
    pub rate: f64,
    pub seconds_left: Option<f64>,
    pub started_at: i64,
    /// `started_at` on the store's clock (UTC for all stores at once).
    pub started_label: String,
    /// The store's name, or "All stores".
    pub scope: String,
    pub seconds: f64,
    pub message: Option<String>,
    /// The first errors, each naming its source row.
    pub error_lines: Vec<String>,
}

impl BackfillRunView {
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }
}

/// Starts a backfill of one store (its owner, or a platform admin) or of
/// every store (`None`: platform admins only). Refused with a
/// clear message while one runs for the same store.
#[server(endpoint = "start_backfill")]
pub async fn start_backfill(store_id: Option<i64>) -> Result<BackfillRunView, AppError> {
    let account = authorize(store_id).await?;
    let db = crate::state::app_state()?.db;
    let options = db::backfill::RunOptions {
        store_id,
        started_by: Some(account.id),
        ..Default::default()
    };
    let run = db::backfill::start(&db, &options).await?;
    tracing::info!(
        run = run.id,
        ?store_id,
        account = account.id,
        "backfill started"
    );
    let scope = ssr::Scope::of(&db, store_id).await?;
    let view = ssr::view(run.clone(), Vec::new(), &scope);
    // The run outlives the request; its progress is in the database.
    tokio::spawn(async move {
        if let Err(error) = db::backfill::execute(&db, run, false, &mut |_| {}).await {
            tracing::error!(%error, "backfill stopped");
        }
    });
    Ok(view)
}

/// The newest runs of a store (or of every scope, for an admin with `None`),
/// newest first: the first one is the current run when it is running.
#[server(endpoint = "backfill_runs", input = GetUrl)]
pub async fn backfill_runs(store_id: Option<i64>) -> Result<Vec<BackfillRunView>, AppError> {
    authorize(store_id).await?;
    let db = crate::state::app_state()?.db;
    let runs = db::backfill::list_runs(&db, store_id, 20).await?;
    let mut views = Vec::with_capacity(runs.len());
    // An admin's list holds several stores' runs: each store read once.
    let mut scopes: std::collections::HashMap<Option<i64>, ssr::Scope> =
        std::collections::HashMap::new();
    for (i, run) in runs.into_iter().enumerate() {
        if let std::collections::hash_map::Entry::Vacant(slot) = scopes.entry(run.store_id) {
            slot.insert(ssr::Scope::of(&db, run.store_id).await?);
        }
        let errors = if i < 5 && run.errors > 0 {
            db::backfill::list_errors(&db, run.id, 20)
                .await?
                .iter()
                .map(ToString::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let scope = &scopes[&run.store_id];
        views.push(ssr::view(run, errors, scope));
    }
    Ok(views)
}

/// One store's backfill is its owner's ([`Right::ManageStore`]); every
/// store's at once, a platform admin's ([`Right::AllStores`]).
#[cfg(feature = "ssr")]
async fn authorize(store_id: Option<i64>) -> Result<db::accounts::Account, AppError> {
    use crate::auth::{Right, ssr};
    match store_id {
        Some(id) => Ok(ssr::authorize_store(id, Right::ManageStore).await?.account),
        None => ssr::authorize_platform(Right::AllStores).await,
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use db::backfill::{Run, Status};

    use super::BackfillRunView;

    /// What a run's row names: its store and the clock its dates are on.
    pub struct Scope {
        pub name: String,
        pub clock: db::time::Clock,
    }

    impl Scope {
        pub async fn of(db: &db::Db, store_id: Option<i64>) -> Result<Scope, db::Error> {
            Ok(match store_id {
                Some(id) => {
                    let store = db::stores::get_store(db, id).await?;
                    Scope {
                        clock: store.clock(),
                        name: store.name,
                    }
                }
                None => Scope {
                    name: "All stores".into(),
                    clock: db::time::Clock::utc(),
                },
            })
        }
    }

    pub fn view(run: Run, error_lines: Vec<String>, scope: &Scope) -> BackfillRunView {
        let now = db::time::now_ms();
        // A running run whose process is gone is shown as interrupted (it
        // resumes when the backfill is started again).
        let status = if run.status == Status::Running && !run.is_alive(now) {
            Status::Interrupted
        } else {
            run.status
        };
        BackfillRunView {
            id: run.id,
            store_id: run.store_id,
            status: status.as_str().to_string(),
            found: run.found.sentence(),
            found_total: run.found.total(),
            rows_done: run.rows_done,
            created: run.created,
            updated: run.updated,
            unchanged: run.unchanged,
            errors: run.errors,
            summary: Run {
                status,
                ..run.clone()
            }
            .summary(),
            rate: run.rate(now),
            seconds_left: run.seconds_left(now),
            started_at: run.started_at,
            started_label: scope.clock.date_time(run.started_at),
            scope: scope.name.clone(),
            seconds: (run.finished_at.unwrap_or(now) - run.started_at).max(0) as f64 / 1000.0,
            message: run.message,
            error_lines,
        }
    }
}
