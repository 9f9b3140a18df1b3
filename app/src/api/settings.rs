//! A store's settings page: its members, its API keys and its campaigns'
//! sender address. All are the owner's ([`crate::auth::Right::ManageStore`]); every statement is scoped to the store
//! of the request, so an id of another store's member or key finds nothing.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{
    error::AppError,
    model::{AddedAccountView, ApiKeyView, CreatedKeyView, MemberView, SenderView},
};

/// The store's accounts: the owner first, then members by email.
#[server(endpoint = "settings/members", input = GetUrl)]
pub async fn store_members(store_id: i64) -> Result<Vec<MemberView>, AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    let clock = db::stores::get_store(&db, store_id).await?.clock();
    Ok(db::accounts::members(&db, store_id)
        .await?
        .into_iter()
        .map(|member| MemberView {
            account_id: member.account_id,
            email: member.email,
            role: member.role,
            added_on: clock.date(member.added_at),
        })
        .collect())
}

/// Adds the account with `email` as a member, creating it (with a one-time
/// password, answered once) when there is none.
#[server(endpoint = "settings/members/add")]
pub async fn add_store_member(store_id: i64, email: String) -> Result<AddedAccountView, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    let members = db::accounts::members(&db, store_id).await?;
    if let Some(existing) = members.iter().find(|m| {
        db::accounts::normalize_email(&m.email).ok() == db::accounts::normalize_email(&email).ok()
    }) {
        return Err(db::Error::invalid(
            "email",
            format!(
                "{} is already the store's {}",
                existing.email,
                existing.role.as_str()
            ),
        )
        .into());
    }
    let added =
        db::accounts::add_member_by_email(&db, store_id, &email, crate::auth::Role::Member).await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        member = added.account_id,
        "member added"
    );
    Ok(added.into())
}

/// Takes a member out of the store: their next request there answers as
/// for a store that does not exist. The owner cannot be removed here.
#[server(endpoint = "settings/members/remove")]
pub async fn remove_store_member(store_id: i64, account_id: i64) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    let members = db::accounts::members(&db, store_id).await?;
    match members.iter().find(|m| m.account_id == account_id) {
        None => return Err(AppError::NotFound),
        Some(m) if m.role == crate::auth::Role::Owner => {
            return Err(db::Error::invalid("account_id", "the owner cannot be removed").into());
        }
        Some(_) => {}
    }
    db::accounts::remove_member(&db, store_id, account_id).await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        member = account_id,
        "member removed"
    );
    Ok(())
}

/// The store's API keys, newest first (never their tokens).
#[server(endpoint = "settings/keys", input = GetUrl)]
pub async fn store_api_keys(store_id: i64) -> Result<Vec<ApiKeyView>, AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    let clock = db::stores::get_store(&db, store_id).await?.clock();
    Ok(db::api_keys::list(&db, store_id)
        .await?
        .into_iter()
        .map(|key| ApiKeyView::new(key, &clock))
        .collect())
}

/// Creates a key; its token is in this answer and nowhere else.
#[server(endpoint = "settings/keys/create")]
pub async fn create_api_key(store_id: i64, name: String) -> Result<CreatedKeyView, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    let created = db::api_keys::create(&db, store_id, &name).await?;
    let clock = db::stores::get_store(&db, store_id).await?.clock();
    tracing::info!(
        store = store_id,
        by = access.account.id,
        key = created.key.id,
        "api key created"
    );
    Ok(CreatedKeyView {
        key: ApiKeyView::new(created.key, &clock),
        token: created.token,
    })
}

/// Revokes one of the store's keys; it stops working at once.
#[server(endpoint = "settings/keys/revoke")]
pub async fn revoke_api_key(store_id: i64, key_id: i64) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    db::api_keys::revoke(&db, store_id, key_id).await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        key = key_id,
        "api key revoked"
    );
    Ok(())
}

/// Who the store's campaigns are from: its own address, or the server's.
#[server(endpoint = "settings/sender", input = GetUrl)]
pub async fn store_sender(store_id: i64) -> Result<SenderView, AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let state = crate::state::app_state()?;
    Ok(SenderView {
        address: db::stores::get_store(&state.db, store_id).await?.mail_from,
        server_default: state
            .mail
            .as_ref()
            .map(|setup| setup.settings.from.email.to_string())
            .unwrap_or_default(),
    })
}

/// Sets the store's sender address (empty: the server's `MAIL_FROM`).
#[server(endpoint = "settings/sender/save")]
pub async fn set_store_sender(store_id: i64, address: String) -> Result<(), AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ManageStore).await?;
    let db = crate::state::app_state()?.db;
    let kept = db::stores::set_sender(&db, store_id, &address).await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        sender = kept.as_deref().unwrap_or("(server default)"),
        "campaign sender set"
    );
    Ok(())
}
