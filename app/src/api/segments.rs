//! Segments: the store's saved filters. Reading and counting is the
//! customers page's right; saving and deleting change what the whole store
//! sees, so they are the owner's ([`Right::ManageCustomers`]). Every call
//! names its store, and the data layer scopes every statement to it.
//!
//! A definition travels as its JSON text (`definition`): a GET can carry it,
//! and the data layer's checks name the rule that is wrong.

use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
use crate::auth::Right;
use crate::{
    error::AppError,
    model::segments::{SegmentBuilderView, SegmentCount, SegmentSummary},
};

#[cfg(feature = "ssr")]
fn definition_of(json: &str) -> Result<domain::segment::Group, AppError> {
    serde_json::from_str(json).map_err(|e| {
        db::Error::invalid("definition", format!("not a segment definition: {e}")).into()
    })
}

/// The store's segments, by name.
#[server(endpoint = "segments", input = GetUrl)]
pub async fn store_segments(store_id: i64) -> Result<Vec<SegmentSummary>, AppError> {
    crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    let clock = db::stores::get_store(&db, store_id).await?.clock();
    Ok(db::segments::list(&db, store_id)
        .await?
        .into_iter()
        .map(|s| SegmentSummary {
            id: s.id,
            name: s.name,
            updated_on: clock.date(s.updated_at),
        })
        .collect())
}

/// What the builder needs: the store's catalog and tags, and the segment
/// `segment_id` when one is edited.
#[server(endpoint = "segments/builder", input = GetUrl)]
pub async fn segment_builder(
    store_id: i64,
    #[server(default)] segment_id: Option<i64>,
) -> Result<SegmentBuilderView, AppError> {
    let access = crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    let (store, catalog, tags, campaigns) = tokio::join!(
        db::stores::get_store(&db, store_id),
        db::customers::search::catalog(&db, store_id),
        db::customers::tags::store_tags(&db, store_id),
        db::campaigns::started(&db, store_id),
    );
    let (store, catalog, tags, campaigns) = (store?, catalog?, tags?, campaigns?);
    let segment = match segment_id {
        Some(id) => {
            let s = db::segments::get(&db, store_id, id).await?;
            Some(crate::model::segments::SegmentEdit {
                id: s.id,
                name: s.name,
                definition: s.definition,
            })
        }
        None => None,
    };
    Ok(SegmentBuilderView {
        store_name: store.name,
        currency: store.currency,
        courses: crate::model::customers::CatalogOption::list(catalog.courses),
        products: crate::model::customers::CatalogOption::list(catalog.products),
        plans: crate::model::customers::CatalogOption::list(catalog.plans),
        campaigns: campaigns
            .into_iter()
            .map(|(id, title)| crate::model::customers::CatalogOption { id, title })
            .collect(),
        tags: tags.into_iter().map(|t| t.name).collect(),
        segment,
        may_save: access.role.may(Right::ManageCustomers),
    })
}

/// How many customers `definition` holds now: the builder's live count.
#[server(endpoint = "segments/count", input = GetUrl)]
pub async fn count_segment(store_id: i64, definition: String) -> Result<SegmentCount, AppError> {
    crate::auth::ssr::authorize_store(store_id, Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    let definition = definition_of(&definition)?;
    let counts = db::segments::count(&db, store_id, &definition, db::time::now_ms()).await?;
    Ok(SegmentCount {
        total: counts.total,
        leads: counts.by_type.lead,
        paying: counts.by_type.paying,
        subscribers: counts.by_type.subscription,
    })
}

/// Saves a new segment (no `segment_id`) or changes one; answers its id.
#[server(endpoint = "segments/save")]
pub async fn save_segment(
    store_id: i64,
    #[server(default)] segment_id: Option<i64>,
    name: String,
    definition: String,
) -> Result<i64, AppError> {
    let access = crate::auth::ssr::authorize_store(store_id, Right::ManageCustomers).await?;
    let db = crate::state::app_state()?.db;
    let definition = definition_of(&definition)?;
    let id = db::segments::save(
        &db,
        store_id,
        segment_id,
        &name,
        &definition,
        Some(access.account.id),
        db::time::now_ms(),
    )
    .await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        segment = id,
        "segment saved"
    );
    Ok(id)
}

/// Deletes a segment of the store.
#[server(endpoint = "segments/delete")]
pub async fn delete_segment(store_id: i64, segment_id: i64) -> Result<(), AppError> {
    let access = crate::auth::ssr::authorize_store(store_id, Right::ManageCustomers).await?;
    let db = crate::state::app_state()?.db;
    db::segments::delete(&db, store_id, segment_id).await?;
    tracing::info!(
        store = store_id,
        by = access.account.id,
        segment = segment_id,
        "segment deleted"
    );
    Ok(())
}
