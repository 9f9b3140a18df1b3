//! Types that travel between the server and the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSummary {
    pub id: i64,
    pub name: String,
    pub currency: String,
    /// The IANA time zone its dates are shown in.
    pub time_zone: String,
}

#[cfg(feature = "ssr")]
impl From<db::stores::Store> for StoreSummary {
    fn from(store: db::stores::Store) -> Self {
        StoreSummary {
            id: store.id,
            name: store.name,
            currency: store.currency,
            time_zone: store.time_zone,
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

pub mod campaigns;
pub mod customer;
pub mod customers;
pub mod input;
pub mod segments;

/// A store's home: the store and the reader's role in it (the page leaves
/// out what the role may not do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHome {
    pub store: StoreSummary,
    pub role: domain::access::Role,
}

/// One account of a store, on its settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub account_id: i64,
    pub email: String,
    pub role: domain::access::Role,
    /// When, on the store's wall clock.
    pub added_on: String,
}

/// An account just given a role; `one_time_password` when it was created
/// (shown once: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedAccountView {
    pub email: String,
    pub one_time_password: Option<String>,
}

/// Who the store's campaigns are from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderView {
    /// The store's own address, if set.
    pub address: Option<String>,
    /// This server's `MAIL_FROM`, used when the store sets none.
    pub server_default: String,
}

/// An API key as listed (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    /// When, on the store's wall clock.
    pub created_on: String,
    pub revoked_on: Option<String>,
}

/// A key just created: `token` is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKeyView {
    pub key: ApiKeyView,
    pub token: String,
}

/// A store just created by a platform admin, with its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedStoreView {
    pub store: StoreSummary,
    pub owner: AddedAccountView,
}

#[cfg(feature = "ssr")]
impl From<db::accounts::AddedAccount> for AddedAccountView {
    fn from(added: db::accounts::AddedAccount) -> Self {
        AddedAccountView {
            email: added.email,
            one_time_password: added.one_time_password,
        }
    }
}

#[cfg(feature = "ssr")]
impl ApiKeyView {
    /// A key as the settings page lists it, its dates on the store's `clock`.
    pub fn new(key: db::api_keys::ApiKey, clock: &db::time::Clock) -> Self {
        ApiKeyView {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            created_on: clock.date(key.created_at),
            revoked_on: key.revoked_at.map(|at| clock.date(at)),
        }
    }
}
