//! Importing contacts from a CSV file (name, email, tags): a [`preview`] of
//! what was understood (and, with [`preview_for_store`], which rows update
//! customers the store has), then [`import_contacts`].
//!
//! Each valid row becomes a `lead` event recorded by [`facts::record`], the
//! very function the events API records reported leads with: one path for
//! live events and imports.
//!
//! Identity: every contact gets the platform id `import:<normalised email>`
//! of the store (events may not use that prefix,
//! [`events::IMPORTED_USER_PREFIX`], so it is never a platform user's), and
//! the merge rule makes it one customer with whoever has that email in the
//! store, in any case: an existing customer is updated, never duplicated.
//! What the platform reported wins: the import fills in a missing name and
//! the consent of an address that has none (a `consent` column; an
//! explicit unsubscribe always stands, see `crate::consent`),
//! never re-spells an email, and is not activity (a 2025 subscriber stays
//! where the list sorts them). Nothing outside the store is looked up.
//! The event id is derived from the store, source, email and name: a second
//! import of the same file repeats every event id and changes nothing; a
//! corrected name is a new event and wins (it is newer).
//!
//! Batches of [`IMPORT_BATCH`] rows, each one events transaction and then
//! one transaction for the rows' tags. A failed import can simply be run
//! again.

mod parse;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row as _;

use domain::customer::Consent;

use crate::validate::normalize_email;

pub use parse::{ColumnMapping, Contact, MAX_TAGS_PER_ROW, Rejected, Row, Rows, detect};

use super::{
    activity::Actor,
    tags::{self, TagName},
};
use crate::{
    Db, Error, Result,
    events::{self, Event, IMPORTED_USER_PREFIX, UserRef},
    facts::{self, EventStatus},
    sql::{Json, Sql, json_in},
    validate::{ExternalId, Source, Timestamp},
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
    /// What the file says of email consent (an import only fills it in
    /// where the address has none yet; an unsubscribe always stands).
    #[serde(default)]
    pub consent: Option<Consent>,
    /// Why it would be rejected.
    pub error: Option<String>,
    /// A customer of the store has this email: the import updates them
    /// (see [`preview_for_store`]; always false from [`preview`]).
    pub updates_customer: bool,
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
                    consent: c.consent,
                    error: None,
                    updates_customer: false,
                }
            }
            Row::Rejected(r) => {
                preview.rejected_rows += 1;
                PreviewRow {
                    row: r.row,
                    name: None,
                    email: None,
                    tags: Vec::new(),
                    consent: None,
                    error: Some(r.reason),
                    updates_customer: false,
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
pub fn source_of(file_name: &str) -> Result<Source> {
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
    Source::parse("file_name", &format!("import: {base}"))
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

/// The emails of `emails` the store's customers have (normalised).
async fn known_emails(
    db: &Db,
    store_id: i64,
    emails: impl IntoIterator<Item = String>,
) -> Result<HashSet<String>> {
    let emails: Vec<String> = emails.into_iter().collect();
    let mut known = HashSet::new();
    if emails.is_empty() {
        return Ok(known);
    }
    let mut sql = Sql::default();
    let store = sql.arg(store_id);
    let list = sql.json(&emails);
    sql.text = format!(
        "SELECT email_normalized FROM customers \
         WHERE store_id = {store} AND {}",
        json_in(db.backend(), "email_normalized", &list, Json::Text)
    );
    for row in sql.query().fetch_all(db.reader()).await? {
        known.insert(row.try_get("email_normalized")?);
    }
    Ok(known)
}

/// [`preview`], marking the rows whose email a customer of the store has
/// (the import updates them; it creates the others).
pub async fn preview_for_store(
    db: &Db,
    store_id: i64,
    data: &[u8],
    limit: usize,
) -> Result<ImportPreview> {
    crate::stores::get_store(db, store_id).await?;
    let owned = data.to_vec();
    let mut preview = tokio::task::spawn_blocking(move || preview(&owned, limit))
        .await
        .map_err(|_| Error::invalid("file", "could not be read"))??;
    let emails = preview
        .rows
        .iter()
        .filter_map(|r| r.email.as_deref())
        .map(normalize_email);
    let known = known_emails(db, store_id, emails).await?;
    for row in &mut preview.rows {
        row.updates_customer = row
            .email
            .as_deref()
            .is_some_and(|email| known.contains(&normalize_email(email)));
    }
    Ok(preview)
}

async fn import_batch(
    db: &Db,
    store_id: i64,
    source: &Source,
    occurred_at: Timestamp,
    batch: &[Contact],
    actor: &Actor,
    summary: &mut ImportSummary,
) -> Result<()> {
    let existing = known_emails(
        db,
        store_id,
        batch.iter().map(|c| c.email.normalized().to_string()),
    )
    .await?;

    // One lead event per row, recorded like the events API's.
    let mut external_ids = Vec::with_capacity(batch.len());
    let mut events = Vec::with_capacity(batch.len());
    for contact in batch {
        let external_id = imported_user_id(contact.email.normalized())?;
        let event = Event::Lead(events::Lead {
            event_id: event_id(store_id, source, contact)?.as_str().to_string(),
            occurred_at: occurred_at.get(),
            user: UserRef {
                id: external_id.as_str().to_string(),
                email: Some(contact.email.as_str().to_string()),
                name: contact.name.as_ref().map(|n| n.as_str().to_string()),
            },
            source: source.as_str().to_string(),
            consent: contact.consent.map(|c| c.as_str().to_string()),
        });
        events.push(event.validate_import()?);
        external_ids.push(external_id);
    }
    let results = facts::record(db, store_id, &events).await?;
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

/// The platform id of an imported contact: `import:<normalised email>`, or
/// for an email too long for an id, a digest of it.
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
fn event_id(store_id: i64, source: &Source, contact: &Contact) -> Result<ExternalId> {
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
    // Only when said, so files without the column keep their event ids.
    if let Some(consent) = contact.consent {
        digest.update(consent.as_str().as_bytes());
        digest.update([0]);
    }
    ExternalId::parse(
        "event_id",
        &format!("{IMPORTED_USER_PREFIX}{}", hex(&digest.finalize()[..16])),
    )
}

/// Gives each row's customer its tags; answers, per row, how many were new.
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
    let store = sql.arg(store_id);
    let names: Vec<&str> = external_ids.iter().map(|id| id.as_str()).collect();
    let list = sql.json(&names);
    sql.text = format!(
        "SELECT external_id, customer_id FROM identities \
         WHERE store_id = {store} AND {} AND customer_id IS NOT NULL",
        json_in(db.backend(), "external_id", &list, Json::Text)
    );
    let customers: HashMap<String, i64> = sql
        .query()
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("external_id")?, row.try_get("customer_id")?)))
        .collect::<Result<_>>()?;
    let names: Vec<&TagName> = batch.iter().flat_map(|c| &c.tags).collect();
    let tag_ids = tags::ensure_tags(&mut tx, store_id, &names, now_ms).await?;
    let mut pairs = Vec::new();
    let mut rows_of_customer: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, (contact, external)) in batch.iter().zip(external_ids).enumerate() {
        let Some(&customer) = customers.get(external.as_str()) else {
            continue;
        };
        rows_of_customer.entry(customer).or_default().push(i);
        pairs.extend(
            contact
                .tags
                .iter()
                .map(|name| (customer, &tag_ids[name.normalized()])),
        );
    }
    let mut added = vec![0; batch.len()];
    for (_, customer) in tags::tag_customers(&mut tx, store_id, &pairs, actor, now_ms).await? {
        if let Some(&row) = rows_of_customer[&customer].first() {
            added[row] += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}
