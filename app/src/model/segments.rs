//! The segments pages' shared types: what the server functions answer. The
//! definition itself is `domain::segment::Group`, the one type the data
//! layer stores and counts.

use domain::segment::Group;
use serde::{Deserialize, Serialize};

use super::customers::CatalogOption;

/// A saved segment in the store's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSummary {
    pub id: i64,
    pub name: String,
    /// Last changed, on the store's clock.
    pub updated_on: String,
}

/// A segment opened in the builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentEdit {
    pub id: i64,
    pub name: String,
    pub definition: Group,
}

/// What the builder offers in its choices, and what the reader may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentBuilderView {
    pub store_name: String,
    /// The store's currency (amounts are in it).
    pub currency: String,
    pub courses: Vec<CatalogOption>,
    pub products: Vec<CatalogOption>,
    pub plans: Vec<CatalogOption>,
    /// The store's campaigns that have been sent (the engagement rule's
    /// choices), newest first.
    pub campaigns: Vec<CatalogOption>,
    /// The store's tag names.
    pub tags: Vec<String>,
    /// The segment being edited; `None` for a new one.
    pub segment: Option<SegmentEdit>,
    /// Whether the reader may save and delete segments.
    pub may_save: bool,
}

/// A definition's live count: everyone in it, and per type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCount {
    pub total: i64,
    pub leads: i64,
    pub paying: i64,
    pub subscribers: i64,
}
