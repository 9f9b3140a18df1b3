//! The backfill panel: start the backfill of one store (its settings page)
//! or of every store (`/admin/backfill`), watch it progress without
//! reloading, and see the past runs.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{BackfillRunView, StartBackfill, backfill_runs};

/// How often the page asks for progress while a run is going.
const POLL: Duration = Duration::from_millis(500);

/// The page's backfill data: the start action and the runs it shows,
/// created at the top of the page (resources are numbered in creation
/// order on the server and in the browser, so none is made inside another's
/// `Suspend`).
#[derive(Clone, Copy)]
pub struct Backfill {
    start: ServerAction<StartBackfill>,
    runs: Resource<Result<Vec<BackfillRunView>, crate::error::AppError>>,
}

impl Backfill {
    pub fn new(store_id: Option<i64>) -> Backfill {
        let start = ServerAction::<StartBackfill>::new();
        let tick = RwSignal::new(0_u64);
        let runs = Resource::new(
            move || (tick.get(), start.version().get()),
            move |_| backfill_runs(store_id),
        );
        // While a run goes on, ask again every POLL (in the browser only).
        Effect::new(move |_| {
            let running = runs
                .get()
                .and_then(Result::ok)
                .is_some_and(|runs| runs.first().is_some_and(BackfillRunView::is_running));
            if running {
                set_timeout(move || tick.update(|t| *t += 1), POLL);
            }
        });
        Backfill { start, runs }
    }
}

#[component]
pub fn AdminBackfillPage() -> impl IntoView {
    let backfill = Backfill::new(None);
    view! {
        <Title text="Backfill: all stores" />
        <div class="page-head">
            <h1>"Backfill: all stores"</h1>
        </div>
        <BackfillPanel store_id=None backfill />
    }
}

#[component]
pub fn BackfillPanel(store_id: Option<i64>, backfill: Backfill) -> impl IntoView {
    let Backfill { start, runs } = backfill;
    let start_error = move || {
        start
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <p class="error" role="alert" data-testid="backfill-refused">{error.to_string()}</p> })
    };

    view! {
        <section class="backfill" data-testid="backfill">
            <h2>"Backfill"</h2>
            <p class="muted">
                "Turns the history of course enrollments, product purchases and subscriptions into customers. \
                 Customers that are already right are left as they are."
            </p>
            <ActionForm action=start>
                {store_id.map(|id| view! { <input type="hidden" name="store_id" value=id.to_string() /> })}
                <button type="submit" class="button primary" data-testid="backfill-start">
                    "Start backfill"
                </button>
            </ActionForm>
            {start_error}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    runs.get()
                        .map(|result| match result {
                            Ok(runs) => view! { <Runs runs /> }.into_any(),
                            Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

/// The current (or last) run, then the history. One root element.
#[component]
fn Runs(runs: Vec<BackfillRunView>) -> impl IntoView {
    let current = runs.first().cloned();
    view! {
        <div class="backfill-runs">
            {current.map(|run| view! { <Current run /> })}
            <h3>"Past runs"</h3>
            {if runs.is_empty() {
                view! { <p class="muted" data-testid="backfill-none">"No backfill has run yet."</p> }.into_any()
            } else {
                view! { <History runs /> }.into_any()
            }}
        </div>
    }
}

#[component]
fn Current(run: BackfillRunView) -> impl IntoView {
    let max = run.found_total.max(1);
    let value = run.rows_done.min(max);
    let left = run
        .seconds_left
        .map(|s| format!(", about {s:.0} s left"))
        .unwrap_or_default();
    let progress = format!(
        "{} of {} rows ({:.0} rows/s{left})",
        thousands(run.rows_done),
        thousands(run.found_total),
        run.rate
    );
    view! {
        <div class="backfill-current" data-testid="backfill-current" data-status=run.status.clone()>
            <p data-testid="backfill-found">{run.found.clone()}</p>
            <progress
                max=max.to_string()
                value=value.to_string()
                data-testid="backfill-progress"
            >
                {format!("{} of {}", run.rows_done, run.found_total)}
            </progress>
            <p class="muted" data-testid="backfill-counts">{progress}</p>
            {(!run.is_running())
                .then(|| view! { <p class="backfill-summary" data-testid="backfill-summary">{run.summary.clone()}</p> })}
            {run.message.clone().map(|message| view! { <p class="muted">{message}</p> })}
            {(!run.error_lines.is_empty())
                .then(|| {
                    view! {
                        <ul class="backfill-errors" data-testid="backfill-errors">
                            {run.error_lines.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}
                        </ul>
                    }
                })}
        </div>
    }
}

#[component]
fn History(runs: Vec<BackfillRunView>) -> impl IntoView {
    view! {
        // Scrolls sideways on a phone instead of being cut off.
        <div class="table-scroll">
        <table class="backfill-history" data-testid="backfill-history">
            <thead>
                <tr>
                    <th>"Started"</th>
                    <th>"Store"</th>
                    <th>"Status"</th>
                    <th>"Rows"</th>
                    <th>"Created"</th>
                    <th>"Updated"</th>
                    <th>"Unchanged"</th>
                    <th>"Errors"</th>
                    <th>"Duration"</th>
                </tr>
            </thead>
            <tbody>
                {runs
                    .into_iter()
                    .map(|run| {
                        view! {
                            <tr>
                                <td title=format!("Run {}", run.id)>{run.started_label.clone()}</td>
                                <td>{run.scope.clone()}</td>
                                <td>{run.status.clone()}</td>
                                <td>{thousands(run.rows_done)}</td>
                                <td>{thousands(run.created)}</td>
                                <td>{thousands(run.updated)}</td>
                                <td>{thousands(run.unchanged)}</td>
                                <td>{thousands(run.errors)}</td>
                                <td>{format!("{:.1} s", run.seconds)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// Counts as the rest of the app writes them (`2,314`).
fn thousands(n: u64) -> String {
    crate::pages::customers::format::thousands(i64::try_from(n).unwrap_or(i64::MAX))
}
