//! Accounts into and ids back out of a test database: the fixtures every
//! test file would otherwise write for itself.

/// An account `email` (password [`crate::PASSWORD`]) owning `store`; its id.
pub async fn add_owner(db: &db::Db, store: i64, email: &str) -> i64 {
    let account = db::accounts::upsert_account(db, email, crate::PASSWORD, false)
        .await
        .unwrap();
    db::accounts::add_member(db, store, account, db::accounts::Role::Owner)
        .await
        .unwrap();
    account
}

/// The customer a platform id of the store belongs to (through its
/// identity; the derived row must exist).
pub async fn customer_id(db: &db::Db, store: i64, external: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN identities i \
         ON i.store_id = c.store_id AND i.customer_id = c.id \
         WHERE c.store_id = $1 AND i.external_id = $2",
    )
    .bind(store)
    .bind(external)
    .fetch_one(db.reader())
    .await
    .unwrap_or_else(|e| panic!("no customer for {external} in store {store}: {e}"))
}

/// The customer of the store with this (already normalised) email.
pub async fn customer_by_email(db: &db::Db, store: i64, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM customers WHERE store_id = $1 AND email_normalized = $2")
        .bind(store)
        .bind(email)
        .fetch_one(db.reader())
        .await
        .unwrap_or_else(|e| panic!("no customer with {email} in store {store}: {e}"))
}

/// One integer from `sql`, with `binds` as `$1`, `$2`, ….
pub async fn scalar(db: &db::Db, sql: &str, binds: &[i64]) -> i64 {
    let mut query = sqlx::query_scalar::<_, i64>(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    query
        .fetch_one(db.reader())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// An account `email` (password [`crate::PASSWORD`]) that is a member of
/// `store`; its id.
pub async fn add_member(db: &db::Db, store: i64, email: &str) -> i64 {
    let account = db::accounts::upsert_account(db, email, crate::PASSWORD, false)
        .await
        .unwrap();
    db::accounts::add_member(db, store, account, db::accounts::Role::Member)
        .await
        .unwrap();
    account
}
