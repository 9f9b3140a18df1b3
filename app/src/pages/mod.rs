//! One file per page.

mod customer;
pub mod customers;
mod import;
mod login;
mod not_found;
mod settings;
mod store;
mod stores;

pub use customer::CustomerPage;
pub use customers::CustomersPage;
pub use import::ImportPage;
pub use login::LoginPage;
pub use not_found::{NotFound, NotFoundOr};
pub use settings::{AdminBackfillPage, SettingsPage};
pub use store::StorePage;
pub use stores::StoresPage;
