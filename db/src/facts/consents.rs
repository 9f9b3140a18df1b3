//! The consent a batch reports: a lead's `consent` (implied: an opt-in
//! never undoes an explicit unsubscribe) and `consent` events (explicit),
//! each for the email it names, else the one the store knows for the user.
//! A consent event is not a fact about the person (it makes no customer and
//! is not activity), so it writes no identity; its user's email is looked up.

use std::collections::HashMap;

use domain::customer::Consent;
use sqlx::{AnyConnection, Row};

use crate::{
    Result, consent,
    events::{Fact, ValidEvent},
    identity,
    sql::{Json, Sql, json_in},
};

/// Records the batch's consent reports. `identities` are the batch's
/// written identities (their email after the batch).
pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    fresh: &[&ValidEvent],
    identities: &HashMap<String, identity::write::Written>,
    now: i64,
) -> Result<()> {
    let said: Vec<(&ValidEvent, &crate::events::ValidUser, Consent, bool, &str)> = fresh
        .iter()
        .filter_map(|e| match &e.fact {
            Fact::Lead {
                user,
                source,
                consent: Some(consent),
            } => Some((*e, user, *consent, false, source.as_str())),
            Fact::Consent { user, consent } => Some((*e, user, *consent, true, "consent event")),
            _ => None,
        })
        .collect();
    if said.is_empty() {
        return Ok(());
    }
    // Users of consent events without an email: the store's email for them.
    let unknown: Vec<&str> = said
        .iter()
        .filter(|(_, user, ..)| user.email.is_none())
        .map(|(_, user, ..)| user.external_id.as_str())
        .filter(|id| !identities.contains_key(*id))
        .collect();
    let mut known: HashMap<String, String> = HashMap::new();
    if !unknown.is_empty() {
        let mut sql = Sql::default();
        let store = sql.arg(store_id);
        let list = sql.json(&unknown);
        sql.text = format!(
            "SELECT external_id, email_normalized FROM identities WHERE store_id = {store} \
             AND {} AND email_normalized IS NOT NULL",
            json_in(crate::Backend::of(conn), "external_id", &list, Json::Text)
        );
        for row in sql.query().fetch_all(&mut *conn).await? {
            known.insert(
                row.try_get("external_id")?,
                row.try_get("email_normalized")?,
            );
        }
    }
    let reports: Vec<consent::Report> = said
        .iter()
        .filter_map(|(e, user, consent, explicit, source)| {
            let id = user.external_id.as_str();
            let email = match &user.email {
                Some(email) => email.normalized(),
                None => identities
                    .get(id)
                    .and_then(|w| w.email_now.as_deref())
                    .or_else(|| known.get(id).map(String::as_str))?,
            };
            Some(consent::Report {
                email_normalized: email,
                consent: *consent,
                explicit: *explicit,
                at: e.occurred_at.get(),
                key: e.event_id.as_str(),
                source,
            })
        })
        .collect();
    consent::record(conn, store_id, &reports, now).await
}
