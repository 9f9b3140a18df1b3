//! Leads: an opt-in or a contact of a file, per (identity, source); dated by
//! its earliest report.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use crate::{
    Backend, Result,
    sql::{Json, Sql, from_json},
};

/// One lead report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report<'a> {
    pub identity_id: i64,
    pub source: &'a str,
    pub imported: bool,
    pub at: i64,
}

pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    reports: &[Report<'_>],
) -> Result<()> {
    let mut earliest: BTreeMap<(i64, &str), (bool, i64)> = BTreeMap::new();
    for r in reports {
        earliest
            .entry((r.identity_id, r.source))
            .and_modify(|(_, at)| *at = (*at).min(r.at))
            .or_insert((r.imported, r.at));
    }
    if earliest.is_empty() {
        return Ok(());
    }
    let rows: Vec<(i64, i64, &str, i64, i64)> = earliest
        .into_iter()
        .map(|((identity, source), (imported, at))| {
            (store_id, identity, source, i64::from(imported), at)
        })
        .collect();
    let mut sql = Sql::default();
    let values = sql.json(&rows);
    let select = from_json(
        Backend::of(conn),
        &values,
        &[
            ("store_id", Json::Int),
            ("identity_id", Json::Int),
            ("source", Json::Text),
            ("imported", Json::Int),
            ("created_at", Json::Int),
        ],
    );
    sql.text = format!(
        "INSERT INTO leads (store_id, identity_id, source, imported, created_at) {select} \
         WHERE true ON CONFLICT (store_id, identity_id, source) DO UPDATE SET \
         created_at = CASE WHEN excluded.created_at < leads.created_at \
             THEN excluded.created_at ELSE leads.created_at END"
    );
    sql.query().execute(&mut *conn).await?;
    Ok(())
}
