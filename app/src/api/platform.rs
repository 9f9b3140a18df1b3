//! What only a platform admin does ([`crate::auth::Right::AllStores`]): onboard a creator
//! with a new store and its owner.

use leptos::prelude::*;

use crate::{error::AppError, model::CreatedStoreView};

/// Creates a store with its currency, time zone and owner (the account is created, with
/// a one-time password answered once, when the email has none).
#[server(endpoint = "admin/stores/create")]
pub async fn create_store(
    name: String,
    currency: String,
    time_zone: String,
    owner_email: String,
) -> Result<CreatedStoreView, AppError> {
    let account = crate::auth::ssr::authorize_platform(crate::auth::Right::AllStores).await?;
    let db = crate::state::app_state()?.db;
    let currency = currency.trim().to_uppercase();
    let (store_id, owner) =
        db::accounts::create_store_with_owner(&db, &name, &currency, &time_zone, &owner_email)
            .await?;
    tracing::info!(store = store_id, by = account.id, "store created");
    Ok(CreatedStoreView {
        store: db::stores::get_store(&db, store_id).await?.into(),
        owner: owner.into(),
    })
}
