//! What the store's people did to a customer (a note added, a tag added or
//! removed): the timeline's entries that are not facts. Written by the notes
//! and tags functions inside their own transactions, so an entry exists if
//! and only if the change does.

use sqlx::AnyConnection;

use crate::{Error, Result};

/// Who made a change: an account (its email kept with the entry, so it still
/// says who after the account is gone), or nobody in particular (an import
/// run by the system).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Actor {
    pub id: Option<i64>,
    pub email: Option<String>,
}

impl Actor {
    /// The account `account_id`, or `Error::NotFound("account")`.
    pub async fn load(conn: &mut AnyConnection, account_id: Option<i64>) -> Result<Actor> {
        let Some(id) = account_id else {
            return Ok(Actor::default());
        };
        let email: String = sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound("account"))?;
        Ok(Actor {
            id: Some(id),
            email: Some(email),
        })
    }
}

/// One change to log.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Activity<'a> {
    NoteAdded(i64),
    TagAdded(&'a str),
    TagRemoved(&'a str),
}

/// Logs one change.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    identity_id: i64,
    activity: Activity<'_>,
    actor: &Actor,
    at: i64,
) -> Result<()> {
    let (kind, note, tag) = match activity {
        Activity::NoteAdded(note) => ("note_added", Some(note), None),
        Activity::TagAdded(tag) => ("tag_added", None, Some(tag)),
        Activity::TagRemoved(tag) => ("tag_removed", None, Some(tag)),
    };
    sqlx::query(
        "INSERT INTO customer_activity (store_id, identity_id, kind, note_id, tag_name, \
         account_id, account_email, happened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(store_id)
    .bind(identity_id)
    .bind(kind)
    .bind(note)
    .bind(tag)
    .bind(actor.id)
    .bind(actor.email.as_deref())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
