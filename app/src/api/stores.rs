use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{
    error::AppError,
    model::{StoreHome, StoreSummary},
};

/// Longest filter text accepted.
pub const MAX_FILTER_LEN: usize = 200;

/// The signed-in account's stores (every store for a platform admin) whose
/// name contains `filter`. A read, so it is a GET.
#[server(endpoint = "stores", input = GetUrl)]
pub async fn list_stores(filter: String) -> Result<Vec<StoreSummary>, AppError> {
    if filter.chars().count() > MAX_FILTER_LEN {
        return Err(AppError::Invalid {
            field: "filter".into(),
            message: format!("must be at most {MAX_FILTER_LEN} characters"),
        });
    }
    let account = crate::auth::ssr::require_account().await?;
    let state = crate::state::app_state()?;
    let stores = db::accounts::stores_for(&state.db, &account, &filter).await?;
    Ok(stores.into_iter().map(StoreSummary::from).collect())
}

/// One store the signed-in account may open, and its role there.
#[server(endpoint = "store", input = GetUrl)]
pub async fn get_store(store_id: i64) -> Result<StoreHome, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ReadCustomers).await?;
    let state = crate::state::app_state()?;
    Ok(StoreHome {
        store: db::stores::get_store(&state.db, store_id).await?.into(),
        role: access.role,
    })
}
