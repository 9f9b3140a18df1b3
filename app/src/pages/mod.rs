//! One file per page.

mod account;
mod admin_stores;
mod campaigns;
pub mod customer;
pub mod customers;
#[cfg(feature = "ssr")]
pub mod import;
mod login;
mod not_found;
mod segments;
mod settings;
mod store;
mod stores;
#[cfg(feature = "ssr")]
pub mod unsubscribe;

pub use account::AccountPage;
pub use admin_stores::AdminStoresPage;
pub use campaigns::{CampaignPage, CampaignsPage};
pub use customer::CustomerPage;
pub use customers::CustomersPage;
pub use login::LoginPage;
pub use not_found::{NotFound, NotFoundOr};
pub use segments::{SegmentBuilderPage, SegmentsPage};
pub use settings::{AdminBackfillPage, SettingsPage};
pub use store::StorePage;
pub use stores::StoresPage;
