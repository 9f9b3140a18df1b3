//! Notes the store's people keep about a customer: added, edited and
//! deleted, each with its author and time. Adding one logs a "note added"
//! entry for the timeline in the same transaction; deleting a note takes its
//! entry with it (a deleted note leaves no text behind).

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{
    activity::{self, Activity, Actor},
    owned::{IDENTITIES_OF, anchor_of, positive_id},
};
use crate::{Db, Error, Result};

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 5_000;

/// A note as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: i64,
    pub body: String,
    /// The author's account, while it exists.
    pub author_id: Option<i64>,
    pub author_email: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// The email of the account that last edited it.
    pub edited_by: Option<String>,
}

/// A note's text: trimmed, 1 to [`MAX_NOTE_CHARS`] characters, line breaks
/// and tabs allowed but no other control characters.
pub fn parse_body(field: &str, body: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::invalid(field, "the note must not be empty"));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(body.to_string())
}

const NOTE_COLUMNS: &str =
    "id, body, author_id, author_email, created_at, edited_at, edited_by FROM customer_notes";

fn note_from(row: &AnyRow) -> Result<Note> {
    Ok(Note {
        id: row.try_get(0)?,
        body: row.try_get(1)?,
        author_id: row.try_get(2)?,
        author_email: row.try_get(3)?,
        created_at: row.try_get(4)?,
        edited_at: row.try_get(5)?,
        edited_by: row.try_get(6)?,
    })
}

/// The account that writes, which must exist.
async fn author(conn: &mut AnyConnection, account_id: i64) -> Result<Actor> {
    positive_id("account_id", account_id)?;
    Actor::load(conn, Some(account_id)).await
}

/// Adds a note by account `account_id` to customer `customer_id` of the store.
#[tracing::instrument(skip(db, body))]
pub async fn add_note(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    account_id: i64,
    body: &str,
    now_ms: i64,
) -> Result<Note> {
    let body = parse_body("body", body)?;
    let mut tx = db.writer().begin().await?;
    let anchor = anchor_of(&mut *tx, store_id, customer_id).await?;
    let actor = author(&mut tx, account_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO customer_notes (store_id, identity_id, body, author_id, author_email, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(store_id)
    .bind(anchor)
    .bind(&body)
    .bind(account_id)
    .bind(actor.email.as_deref())
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    activity::record(
        &mut tx,
        store_id,
        anchor,
        Activity::NoteAdded(id),
        &actor,
        now_ms,
    )
    .await?;
    let note = get_in(&mut tx, store_id, customer_id, id).await?;
    tx.commit().await?;
    Ok(note)
}

/// Replaces a note's text; the author stays, the editor and time are kept.
#[tracing::instrument(skip(db, body))]
pub async fn edit_note(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    note_id: i64,
    account_id: i64,
    body: &str,
    now_ms: i64,
) -> Result<Note> {
    let body = parse_body("body", body)?;
    let mut tx = db.writer().begin().await?;
    anchor_of(&mut *tx, store_id, customer_id).await?;
    let actor = author(&mut tx, account_id).await?;
    let changed = sqlx::query(&format!(
        "UPDATE customer_notes SET body = $4, edited_at = $5, edited_by = $6 \
         WHERE store_id = $1 AND identity_id IN {IDENTITIES_OF} AND id = $3"
    ))
    .bind(store_id)
    .bind(customer_id)
    .bind(note_id)
    .bind(&body)
    .bind(now_ms)
    .bind(actor.email.as_deref())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound("note"));
    }
    let note = get_in(&mut tx, store_id, customer_id, note_id).await?;
    tx.commit().await?;
    Ok(note)
}

/// Deletes a note and its timeline entry.
#[tracing::instrument(skip(db))]
pub async fn delete_note(db: &Db, store_id: i64, customer_id: i64, note_id: i64) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    anchor_of(&mut *tx, store_id, customer_id).await?;
    // The note's own store and customer are checked by the first statement:
    // its entry goes only if the note does.
    sqlx::query(&format!(
        "DELETE FROM customer_activity WHERE note_id = $3 AND note_id IN \
         (SELECT id FROM customer_notes WHERE store_id = $1 AND identity_id IN {IDENTITIES_OF} \
          AND id = $3)"
    ))
    .bind(store_id)
    .bind(customer_id)
    .bind(note_id)
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query(&format!(
        "DELETE FROM customer_notes WHERE store_id = $1 AND identity_id IN {IDENTITIES_OF} \
         AND id = $3"
    ))
    .bind(store_id)
    .bind(customer_id)
    .bind(note_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound("note"));
    }
    tx.commit().await?;
    Ok(())
}

/// A customer's notes, newest first.
pub async fn list_notes(db: &Db, store_id: i64, customer_id: i64) -> Result<Vec<Note>> {
    anchor_of(db.reader(), store_id, customer_id).await?;
    list_for_customer(db.reader(), store_id, customer_id).await
}

/// The notes on a customer's identities, newest first (the export's too).
pub(crate) async fn list_for_customer<'c, E>(
    executor: E,
    store_id: i64,
    customer_id: i64,
) -> Result<Vec<Note>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT {NOTE_COLUMNS} WHERE store_id = $1 AND identity_id IN {IDENTITIES_OF} \
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(executor)
    .await?
    .iter()
    .map(note_from)
    .collect()
}

async fn get_in(
    conn: &mut AnyConnection,
    store_id: i64,
    customer_id: i64,
    id: i64,
) -> Result<Note> {
    let row = sqlx::query(&format!(
        "SELECT {NOTE_COLUMNS} WHERE store_id = $1 AND identity_id IN {IDENTITIES_OF} AND id = $3"
    ))
    .bind(store_id)
    .bind(customer_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound("note"))?;
    note_from(&row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(parse_body("body", "  hi\nthere ").unwrap(), "hi\nthere");
        let field = |r: Result<String>| match r {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        };
        assert_eq!(field(parse_body("body", "   ")), "body");
        assert_eq!(field(parse_body("body", &"x".repeat(5_001))), "body");
        assert_eq!(field(parse_body("body", "a\u{7}b")), "body");
        assert!(parse_body("body", &"é".repeat(5_000)).is_ok());
    }
}
