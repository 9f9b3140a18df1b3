//! One file per page.

mod not_found;
mod stores;

pub use not_found::NotFound;
pub use stores::StoresPage;
