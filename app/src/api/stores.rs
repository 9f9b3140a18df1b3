use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{error::AppError, model::StoreSummary};

/// Longest filter text accepted.
pub const MAX_FILTER_LEN: usize = 200;

/// Stores whose name contains `filter`. A read, so it is a GET.
#[server(endpoint = "stores", input = GetUrl)]
pub async fn list_stores(filter: String) -> Result<Vec<StoreSummary>, AppError> {
    if filter.chars().count() > MAX_FILTER_LEN {
        return Err(AppError::Invalid {
            field: "filter".into(),
            message: format!("must be at most {MAX_FILTER_LEN} characters"),
        });
    }
    let state = crate::state::app_state()?;
    let stores = db::stores::list_stores(&state.db, &filter, None).await?;
    Ok(stores.into_iter().map(StoreSummary::from).collect())
}
