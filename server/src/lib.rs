//! The axum server and the command line around it.
//!
//! `config` parses the command line and environment, `cli` dispatches the
//! subcommands, `routes` builds the HTTP application (so tests can start it
//! on port 0), `serve` runs it until Ctrl-C or SIGTERM.

#![forbid(unsafe_code)]

pub mod auth;
pub mod backfill_cli;
pub mod bench;
pub mod campaign_messages;
pub mod cli;
pub mod config;
pub mod core_cli;
pub mod customer_export;
pub mod events_api;
pub mod export;
pub mod health;
pub mod import_pages;
pub mod mail_links;
pub mod routes;
pub mod serve;
pub mod server_page;
pub mod site;
pub mod store_access;
pub mod telemetry;
