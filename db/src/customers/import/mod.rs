//! Importing contacts from a CSV file (name, email, tags): a [`preview`] of
//! what was understood, then [`import_contacts`].
//!
//! Each valid row becomes a `lead` event applied by [`events::apply_valid`],
//! the very function the events API applies reported leads with: one path
//! for live events and imports, so an imported contact is derived exactly
//! like an opt-in (type lead unless they paid, source `import: <file>` when
//! the import is how they first came).
//!
//! Identity: a contact is matched by email, any case. If a user of the
//! platform has that email, the row is applied under one of that user's
//! platform ids, so an existing customer is updated, never duplicated; a
//! name in the file fills in a missing name but never renames anyone (users
//! are shared by every store).
//! Otherwise the contact gets the id `import:<normalised email>`: events may
//! not use ids with that prefix ([`events::IMPORTED_USER_PREFIX`]), so it
//! can never be a platform user's, and the same email always gets the same
//! id. The event id is derived from the store, source, email and name: a
//! second import of the same file repeats every event id and changes
//! nothing; a corrected name is a new event and wins (it is newer).
//!
//! Batches of [`IMPORT_BATCH`] rows, each one events transaction and then
//! one transaction for the rows' tags. A failed import can simply be run
//! again.

mod parse;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row as _;

pub use parse::{ColumnMapping, Contact, MAX_TAGS_PER_ROW, Rejected, Row, Rows, detect};

use super::{
    activity::Actor,
    search::{Arg, Sql},
    tags::{self, TagName},
};
use crate::{
    Db, Error, Result,
    events::{self, EventStatus, Fact, IMPORTED_USER_PREFIX, ValidEvent, ValidUser},
    validate::{ExternalId, Timestamp, Title},
};

/// Rows per events transaction.
pub const IMPORT_BATCH: usize = 1_000;
/// Largest file accepted.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// Longest file name kept in the lead's source (`import: <name>`).
pub const MAX_FILE_NAME_CHARS: usize = 180;

/// What a file holds, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub mapping: ColumnMapping,
    /// The first rows, as they would be imported or why not.
    pub rows: Vec<PreviewRow>,
    /// Data rows in the file (blank ones left out).
    pub total_rows: u64,
    pub valid_rows: u64,
    pub rejected_rows: u64,
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// The line the row starts on (the header is line 1).
    pub row: u64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    /// Why it would be rejected.
    pub error: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Data rows read (blank ones left out).
    pub rows: u64,
    /// New customers of the store.
    pub created: u64,
    /// Customers the store had, now with this import as a lead source, a
    /// new name or new tags.
    pub updated: u64,
    /// Rows already imported, with nothing new.
    pub unchanged: u64,
    /// Tags given to customers.
    pub tagged: u64,
    /// Rows not imported, with their line and reason.
    pub rejected: Vec<Rejected>,
}

/// Reads a file as [`import_contacts`] would and shows its first `limit`
/// rows, writing nothing. CPU only (a server runs it off the async
/// threads for large files).
pub fn preview(data: &[u8], limit: usize) -> Result<ImportPreview> {
    check_size(data)?;
    let mut rows = Rows::open(data)?;
    let mut preview = ImportPreview {
        mapping: rows.mapping().clone(),
        rows: Vec::new(),
        total_rows: 0,
        valid_rows: 0,
        rejected_rows: 0,
    };
    while let Some(row) = rows.next_row() {
        preview.total_rows += 1;
        let shown = match row {
            Row::Contact(c) => {
                preview.valid_rows += 1;
                PreviewRow {
                    row: c.row,
                    name: c.name.map(|n| n.as_str().to_string()),
                    email: Some(c.email.as_str().to_string()),
                    tags: c.tags.iter().map(|t| t.as_str().to_string()).collect(),
                    error: None,
                }
            }
            Row::Rejected(r) => {
                preview.rejected_rows += 1;
                PreviewRow {
                    row: r.row,
                    name: None,
                    email: None,
                    tags: Vec::new(),
                    error: Some(r.reason),
                }
            }
        };
        if preview.rows.len() < limit {
            preview.rows.push(shown);
        }
    }
    Ok(preview)
}

fn check_size(data: &[u8]) -> Result<()> {
    if data.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid(
            "file",
            format!("must be at most {} MB", MAX_IMPORT_BYTES / (1024 * 1024)),
        ));
    }
    Ok(())
}

/// The lead source of an import: `import: <file name>` (the name without
/// any directory).
pub fn source_of(file_name: &str) -> Result<Title> {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    if base.is_empty() {
        return Err(Error::invalid("file_name", "must not be empty"));
    }
    if base.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(Error::invalid(
            "file_name",
            format!("must be at most {MAX_FILE_NAME_CHARS} characters"),
        ));
    }
    Title::parse("file_name", &format!("import: {base}"))
}

/// Imports the contacts of a CSV file into the store: each valid row a lead
/// (see the module documentation), its tags added. `account_id` is who
/// imports (named in the tags' timeline entries). Errors only for the file
/// as a whole (unknown store, no email column, too large); bad rows are
/// listed in the summary.
#[tracing::instrument(skip(db, data), fields(bytes = data.len()))]
pub async fn import_contacts(
    db: &Db,
    store_id: i64,
    file_name: &str,
    data: &[u8],
    account_id: Option<i64>,
    now_ms: i64,
) -> Result<ImportSummary> {
    let source = source_of(file_name)?;
    check_size(data)?;
    let occurred_at = Timestamp::parse("now", now_ms)?;
    let mut rows = Rows::open(data)?;
    crate::stores::get_store(db, store_id).await?;
    let actor = {
        let mut conn = db.reader().acquire().await?;
        Actor::load(&mut conn, account_id).await?
    };
    let mut summary = ImportSummary::default();
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    loop {
        let row = rows.next_row();
        let end = row.is_none();
        match row {
            Some(Row::Contact(contact)) => batch.push(contact),
            Some(Row::Rejected(rejected)) => summary.rejected.push(rejected),
            None => {}
        }
        if !end {
            summary.rows += 1;
        }
        if batch.len() >= IMPORT_BATCH || (end && !batch.is_empty()) {
            let batch = std::mem::take(&mut batch);
            import_batch(
                db,
                store_id,
                &source,
                occurred_at,
                &batch,
                &actor,
                &mut summary,
            )
            .await?;
        }
        if end {
            break;
        }
    }
    tracing::info!(
        store_id,
        rows = summary.rows,
        created = summary.created,
        updated = summary.updated,
        unchanged = summary.unchanged,
        rejected = summary.rejected.len(),
        "contacts imported"
    );
    Ok(summary)
}

/// A bound list of text values: `$n, $n+1, ...`.
fn text_list(sql: &mut Sql, values: impl IntoIterator<Item = String>) -> String {
    values
        .into_iter()
        .map(|v| sql.arg(Arg::S(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn import_batch(
    db: &Db,
    store_id: i64,
    source: &Title,
    occurred_at: Timestamp,
    batch: &[Contact],
    actor: &Actor,
    summary: &mut ImportSummary,
) -> Result<()> {
    let emails = || batch.iter().map(|c| c.email.normalized().to_string());

    // Who the store already has, and the platform ids of known emails.
    let mut sql = Sql::default();
    let store = sql.arg(Arg::I(store_id));
    let list = text_list(&mut sql, emails());
    sql.text = format!(
        "SELECT email_normalized FROM customers \
         WHERE store_id = {store} AND email_normalized IN ({list})"
    );
    let existing: HashSet<String> = sql
        .query()
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    // Two single-table lookups rather than a join: each stays one index
    // probe per email (or at worst one scan) even when the planner's
    // statistics still describe tables that this import is filling.
    let mut sql = Sql::default();
    let list = text_list(&mut sql, emails());
    sql.text =
        format!("SELECT id, email_normalized, name FROM users WHERE email_normalized IN ({list})");
    // User id -> (normalised email, whether they have a name).
    let users: HashMap<i64, (String, bool)> = sql
        .query()
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|row| {
            let name: Option<String> = row.try_get(2)?;
            Ok((row.try_get(0)?, (row.try_get(1)?, name.is_some())))
        })
        .collect::<Result<_>>()?;
    // Normalised email -> (a platform id of that user, whether they have a name).
    let mut known: HashMap<String, (String, bool)> = HashMap::with_capacity(users.len());
    if !users.is_empty() {
        let mut sql = Sql::default();
        let list: Vec<String> = users.keys().map(|id| sql.arg(Arg::I(*id))).collect();
        sql.text = format!(
            "SELECT user_id, MIN(external_id) FROM user_ids WHERE user_id IN ({}) \
             GROUP BY user_id",
            list.join(", ")
        );
        for row in sql.query().fetch_all(db.reader()).await? {
            let (user_id, external): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            if let Some((email, named)) = users.get(&user_id) {
                known.insert(email.clone(), (external, *named));
            }
        }
    }

    // One lead event per row, applied like the events API's.
    let mut external_ids = Vec::with_capacity(batch.len());
    let mut events = Vec::with_capacity(batch.len());
    for contact in batch {
        let normalized = contact.email.normalized();
        // A name fills in a missing one; an import never renames a person
        // the platform (or an earlier import) named, in any store.
        let (external_id, name) = match known.get(normalized) {
            Some((id, named)) => (
                ExternalId::parse("user.id", id)?,
                if *named { None } else { contact.name.clone() },
            ),
            None => (imported_user_id(normalized)?, contact.name.clone()),
        };
        events.push(ValidEvent {
            event_id: event_id(store_id, source, contact)?,
            kind: "lead",
            occurred_at,
            fact: Fact::Lead {
                user: ValidUser {
                    external_id: external_id.clone(),
                    email: Some(contact.email.clone()),
                    name,
                },
                source: source.clone(),
            },
        });
        external_ids.push(external_id);
    }
    let results = events::apply_valid(db, store_id, &events).await?;
    let mut changed: Vec<bool> = results
        .iter()
        .map(|r| r.status == EventStatus::Applied)
        .collect();

    // The rows' tags, in one transaction.
    if batch.iter().any(|c| !c.tags.is_empty()) {
        let added = tag_batch(db, store_id, batch, &external_ids, actor, occurred_at.get()).await?;
        summary.tagged += added.iter().map(|&n| n as u64).sum::<u64>();
        for (changed, added) in changed.iter_mut().zip(&added) {
            *changed |= *added > 0;
        }
    }
    for (contact, changed) in batch.iter().zip(changed) {
        if !changed {
            summary.unchanged += 1;
        } else if existing.contains(contact.email.normalized()) {
            summary.updated += 1;
        } else {
            summary.created += 1;
        }
    }
    Ok(())
}

/// The platform id of an imported contact the platform does not know:
/// `import:<normalised email>`, or for an email too long for an id, a digest
/// of it.
fn imported_user_id(normalized: &str) -> Result<ExternalId> {
    let id = format!("{IMPORTED_USER_PREFIX}{normalized}");
    if id.chars().count() <= crate::validate::MAX_ID_LEN {
        return ExternalId::parse("user.id", &id);
    }
    ExternalId::parse(
        "user.id",
        &format!(
            "{IMPORTED_USER_PREFIX}sha256:{}",
            hex(&Sha256::digest(normalized.as_bytes()))
        ),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The event id of a row: a digest of what the row says, so the same row
/// imported again is a repeat.
fn event_id(store_id: i64, source: &Title, contact: &Contact) -> Result<ExternalId> {
    let mut digest = Sha256::new();
    for part in [
        store_id.to_string().as_str(),
        source.as_str(),
        contact.email.normalized(),
        contact.name.as_ref().map_or("", |n| n.as_str()),
    ] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    ExternalId::parse(
        "event_id",
        &format!("{IMPORTED_USER_PREFIX}{}", hex(&digest.finalize()[..16])),
    )
}

/// Gives each row's user its tags; answers, per row, how many were new.
async fn tag_batch(
    db: &Db,
    store_id: i64,
    batch: &[Contact],
    external_ids: &[ExternalId],
    actor: &Actor,
    now_ms: i64,
) -> Result<Vec<usize>> {
    let mut tx = db.writer().begin().await?;
    let mut sql = Sql::default();
    let list = text_list(
        &mut sql,
        external_ids.iter().map(|id| id.as_str().to_string()),
    );
    sql.text = format!("SELECT external_id, user_id FROM user_ids WHERE external_id IN ({list})");
    let users: HashMap<String, i64> = sql
        .query()
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_>>()?;
    let names: Vec<&TagName> = batch.iter().flat_map(|c| &c.tags).collect();
    let tag_ids = tags::ensure_tags(&mut tx, store_id, &names, now_ms).await?;
    let mut pairs = Vec::new();
    let mut row_of_user = HashMap::new();
    for (i, (contact, external)) in batch.iter().zip(external_ids).enumerate() {
        let Some(&user_id) = users.get(external.as_str()) else {
            continue;
        };
        row_of_user.insert(user_id, i);
        pairs.extend(
            contact
                .tags
                .iter()
                .map(|name| (user_id, &tag_ids[name.normalized()])),
        );
    }
    let mut added = vec![0; batch.len()];
    for (_, user_id) in tags::tag_users(&mut tx, store_id, &pairs, actor, now_ms).await? {
        added[row_of_user[&user_id]] += 1;
    }
    tx.commit().await?;
    Ok(added)
}
