//! Enrollments and progress: one row per (course, identity). enrolled_at is
//! the earliest report, last_accessed_at the newest, progress the newest
//! progress report's (ties: the higher); each milestone (25/50/75/100 %) is
//! reached at the earliest report at or above it. All minima and maxima, so
//! any order of reports converges.

use std::collections::{BTreeMap, HashMap};

use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Result,
    sql::{Json, Sql, from_json},
};

/// The progress milestones.
pub(crate) const MILESTONES: [i64; 4] = [25, 50, 75, 100];

/// One report: an enrollment (`progress` None) or a progress report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report {
    pub course_id: i64,
    pub identity_id: i64,
    pub at: i64,
    pub progress: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct Merged {
    enrolled_at: i64,
    last_at: i64,
    /// The newest progress report: (at, progress).
    progress: Option<(i64, i64)>,
}

type Pair = (i64, i64);

/// Records the batch's enrollment and progress reports.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    reports: &[Report],
) -> Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let mut merged: BTreeMap<Pair, Merged> = BTreeMap::new();
    let mut progress_reports: BTreeMap<Pair, Vec<(i64, i64)>> = BTreeMap::new();
    for r in reports {
        let key = (r.course_id, r.identity_id);
        let m = merged.entry(key).or_insert(Merged {
            enrolled_at: r.at,
            last_at: r.at,
            progress: None,
        });
        m.enrolled_at = m.enrolled_at.min(r.at);
        m.last_at = m.last_at.max(r.at);
        if let Some(p) = r.progress {
            if m.progress.is_none_or(|current| (r.at, p) > current) {
                m.progress = Some((r.at, p));
            }
            progress_reports.entry(key).or_default().push((r.at, p));
        }
    }
    let pairs: Vec<(Pair, Merged)> = merged.into_iter().collect();
    let backend = Backend::of(conn);

    // The stored progress of the pairs with new progress counts as a report
    // too (history loaded in bulk has no milestone rows yet).
    let mut stored: HashMap<Pair, (i64, i64, i64)> = HashMap::new();
    let with_progress: Vec<Pair> = progress_reports.keys().copied().collect();
    if !with_progress.is_empty() {
        let mut sql = Sql::default();
        let store = sql.arg(store_id);
        let rows = sql.json(&with_progress);
        let pairs = from_json(
            backend,
            &rows,
            &[("course_id", Json::Int), ("identity_id", Json::Int)],
        );
        sql.text = format!(
            "SELECT e.id, e.course_id, e.identity_id, e.progress, e.progress_at \
             FROM ({pairs}) j JOIN enrollments e \
               ON e.course_id = j.course_id AND e.identity_id = j.identity_id \
             WHERE e.store_id = {store}"
        );
        for row in sql.query().fetch_all(&mut *conn).await? {
            stored.insert(
                (row.try_get("course_id")?, row.try_get("identity_id")?),
                (
                    row.try_get("id")?,
                    row.try_get("progress")?,
                    row.try_get("progress_at")?,
                ),
            );
        }
    }

    let rows: Vec<[i64; 7]> = pairs
        .iter()
        .map(|((course, identity), m)| {
            [
                store_id,
                *course,
                *identity,
                m.enrolled_at,
                m.progress.map_or(0, |p| p.1),
                m.progress.map_or(0, |p| p.0),
                m.last_at,
            ]
        })
        .collect();
    let mut sql = Sql::default();
    let rows = sql.json(&rows);
    let select = from_json(
        backend,
        &rows,
        &[
            ("store_id", Json::Int),
            ("course_id", Json::Int),
            ("identity_id", Json::Int),
            ("enrolled_at", Json::Int),
            ("progress", Json::Int),
            ("progress_at", Json::Int),
            ("last_accessed_at", Json::Int),
        ],
    );
    sql.text = format!(
        "INSERT INTO enrollments (store_id, course_id, identity_id, enrolled_at, progress, \
         progress_at, last_accessed_at) {select} WHERE true \
         ON CONFLICT (course_id, identity_id) DO UPDATE SET \
         enrolled_at = CASE WHEN excluded.enrolled_at < enrollments.enrolled_at \
             THEN excluded.enrolled_at ELSE enrollments.enrolled_at END, \
         progress = CASE WHEN excluded.progress_at > enrollments.progress_at \
             OR (excluded.progress_at = enrollments.progress_at \
                 AND excluded.progress > enrollments.progress) \
             THEN excluded.progress ELSE enrollments.progress END, \
         progress_at = CASE WHEN excluded.progress_at > enrollments.progress_at \
             THEN excluded.progress_at ELSE enrollments.progress_at END, \
         last_accessed_at = CASE WHEN excluded.last_accessed_at > enrollments.last_accessed_at \
             THEN excluded.last_accessed_at ELSE enrollments.last_accessed_at END \
         RETURNING id, course_id, identity_id"
    );
    let mut ids: HashMap<Pair, i64> = HashMap::with_capacity(pairs.len());
    for row in sql.query().fetch_all(&mut *conn).await? {
        ids.insert(
            (row.try_get("course_id")?, row.try_get("identity_id")?),
            row.try_get("id")?,
        );
    }

    // Milestones: per enrollment and percent, the earliest report at or
    // above it (the stored row's report included).
    let mut reached: Vec<[i64; 5]> = Vec::new();
    for (pair, mut list) in progress_reports {
        if let Some(&(_, progress, progress_at)) = stored.get(&pair)
            && progress_at > 0
        {
            list.push((progress_at, progress));
        }
        for percent in MILESTONES {
            if let Some(at) = list
                .iter()
                .filter(|(_, p)| *p >= percent)
                .map(|(at, _)| *at)
                .min()
            {
                reached.push([ids[&pair], percent, store_id, pair.1, at]);
            }
        }
    }
    if !reached.is_empty() {
        let mut sql = Sql::default();
        let rows = sql.json(&reached);
        let select = from_json(
            backend,
            &rows,
            &[
                ("enrollment_id", Json::Int),
                ("percent", Json::Int),
                ("store_id", Json::Int),
                ("identity_id", Json::Int),
                ("reached_at", Json::Int),
            ],
        );
        sql.text = format!(
            "INSERT INTO enrollment_milestones (enrollment_id, percent, store_id, identity_id, \
             reached_at) {select} WHERE true ON CONFLICT (enrollment_id, percent) DO UPDATE SET \
             reached_at = excluded.reached_at \
             WHERE excluded.reached_at < enrollment_milestones.reached_at"
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}
