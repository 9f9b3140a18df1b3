//! Types that travel between the server and the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSummary {
    pub id: i64,
    pub name: String,
    pub currency: String,
}

#[cfg(feature = "ssr")]
impl From<db::stores::Store> for StoreSummary {
    fn from(store: db::stores::Store) -> Self {
        StoreSummary {
            id: store.id,
            name: store.name,
            currency: store.currency,
        }
    }
}

/// The signed-in account, as the browser sees it, with the stores it may open
/// (the top bar's store switcher).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub is_admin: bool,
    pub stores: Vec<StoreSummary>,
}

pub mod customer;
pub mod customers;
