//! Platform users: finding (or creating) the user an event names, and keeping
//! their name and email last-writer-wins by event time.
//!
//! Resolution: by the platform id; else by normalised email (the platform id
//! becomes an alias of that user, so two ids whose emails differ only in case
//! are one person); else a new user. A user without email is known by their
//! platform id only. An email already held by another user is not moved
//! (users are never merged after the fact).

use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, events::ValidUser};

/// The user an event is about, locked for this transaction; `profile_changed`
/// says their name or email changed (so their other stores' rows change too).
pub struct Resolved {
    pub user_id: i64,
    pub profile_changed: bool,
}

pub async fn resolve(
    conn: &mut AnyConnection,
    backend: Backend,
    user: &ValidUser,
    at: i64,
    now: i64,
) -> Result<Resolved> {
    let external_id = user.external_id.as_str();
    let mut user_id: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM user_ids WHERE external_id = $1")
            .bind(external_id)
            .fetch_optional(&mut *conn)
            .await?;
    if user_id.is_none() {
        let name = user.name.as_ref().map(|n| n.as_str());
        let (email, normalized) = match &user.email {
            Some(e) => (Some(e.as_str()), Some(e.normalized())),
            None => (None, None),
        };
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO users (email, email_normalized, email_at, name, name_at, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (email_normalized) DO NOTHING RETURNING id",
        )
        .bind(email)
        .bind(normalized)
        .bind(if email.is_some() { at } else { 0 })
        .bind(name)
        .bind(if name.is_some() { at } else { 0 })
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        let candidate = match created {
            Some(id) => id,
            None => {
                sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
                    .bind(normalized)
                    .fetch_one(&mut *conn)
                    .await?
            }
        };
        let mapped = sqlx::query(
            "INSERT INTO user_ids (external_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (external_id) DO NOTHING",
        )
        .bind(external_id)
        .bind(candidate)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if mapped == 1 {
            if created.is_some() {
                // A new user, written with this event's name and email and
                // locked by this transaction (its row is not yet visible to
                // others): nothing to update, no other store to tell.
                return Ok(Resolved {
                    user_id: candidate,
                    profile_changed: false,
                });
            }
            user_id = Some(candidate);
        } else {
            // Another transaction mapped this platform id first: use its user
            // and drop the one made here, if any.
            if created.is_some() {
                sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(candidate)
                    .execute(&mut *conn)
                    .await?;
            }
            user_id = Some(
                sqlx::query_scalar("SELECT user_id FROM user_ids WHERE external_id = $1")
                    .bind(external_id)
                    .fetch_one(&mut *conn)
                    .await?,
            );
        }
    }
    let user_id = user_id.expect("resolved above");
    let profile_changed = update_profile(conn, backend, user_id, user, at, now).await?;
    Ok(Resolved {
        user_id,
        profile_changed,
    })
}

/// Applies the event's name and email if it is the newest report of each
/// (ties: the greater value), and locks the user's row.
async fn update_profile(
    conn: &mut AnyConnection,
    backend: Backend,
    user_id: i64,
    user: &ValidUser,
    at: i64,
    now: i64,
) -> Result<bool> {
    let sql = match backend {
        Backend::Postgres => {
            "SELECT name, name_at, email, email_normalized, email_at FROM users \
             WHERE id = $1 FOR UPDATE"
        }
        Backend::Sqlite => {
            "SELECT name, name_at, email, email_normalized, email_at FROM users WHERE id = $1"
        }
    };
    let row = sqlx::query(sql).bind(user_id).fetch_one(&mut *conn).await?;
    let mut name: Option<String> = row.try_get(0)?;
    let mut name_at: i64 = row.try_get(1)?;
    let mut email: Option<String> = row.try_get(2)?;
    let mut normalized: Option<String> = row.try_get(3)?;
    let mut email_at: i64 = row.try_get(4)?;
    let mut dirty = false;
    let mut changed = false;

    if let Some(new) = &user.name {
        let new = new.as_str();
        if at > name_at || (at == name_at && name.as_deref().is_none_or(|old| new > old)) {
            changed |= name.as_deref() != Some(new);
            name = Some(new.to_string());
            name_at = at;
            dirty = true;
        }
    }
    if let Some(new) = &user.email {
        let newer = at > email_at
            || (at == email_at && email.as_deref().is_none_or(|old| new.as_str() > old));
        if newer {
            let free = normalized.as_deref() == Some(new.normalized())
                || sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email_normalized = $1")
                    .bind(new.normalized())
                    .fetch_optional(&mut *conn)
                    .await?
                    .is_none();
            if free {
                changed |= email.as_deref() != Some(new.as_str());
                email = Some(new.as_str().to_string());
                normalized = Some(new.normalized().to_string());
                email_at = at;
                dirty = true;
            }
        }
    }
    if dirty {
        sqlx::query(
            "UPDATE users SET name = $2, name_at = $3, email = $4, email_normalized = $5, \
             email_at = $6, updated_at = $7 WHERE id = $1",
        )
        .bind(user_id)
        .bind(name)
        .bind(name_at)
        .bind(email)
        .bind(normalized)
        .bind(email_at)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(changed)
}

/// The stores other than `store_id` where the user is a customer.
pub async fn other_stores(
    conn: &mut AnyConnection,
    user_id: i64,
    store_id: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT store_id FROM customers WHERE user_id = $1 AND store_id <> $2 ORDER BY store_id",
    )
    .bind(user_id)
    .bind(store_id)
    .fetch_all(&mut *conn)
    .await?)
}
