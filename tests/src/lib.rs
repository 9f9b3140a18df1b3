//! Test helpers: a fresh database per test (SQLite or Postgres, chosen by
//! `TEST_DATABASE`), the real app served on port 0, and a headless browser.
//!
//! The same test code runs on both databases: `TEST_DATABASE=sqlite` (the
//! default) or `TEST_DATABASE=postgres` (on `TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432`, where each test creates its own
//! uniquely named database and drops it afterwards).

pub mod backfill;
pub mod browser;
pub mod campaigns;
mod database;
pub mod events;
pub mod lookup;
pub mod oracle;
pub mod process;
pub mod smtp;
mod spawn;

pub use database::TestDatabase;
pub use spawn::{PASSWORD, Session, TestApp};
