//! The product's vocabulary, shared by the data layer (`db`), the server and
//! the browser's WASM (`app`), so each concept has one definition. Plain
//! types and pure functions only: this crate compiles to WASM.

pub mod access;
pub mod campaign;
pub mod customer;
mod invalid;
pub mod segment;

pub use invalid::Invalid;
