//! Every integration test, one binary (linking the whole server once, not
//! once per file): the real app on port 0 and the data layer, on the
//! database `TEST_DATABASE` names. Shared fixtures live in the `tests`
//! library (`tests/src`); the browser tests are their own binary
//! (`tests/browser`).

mod accounts;
mod backfill;
mod backfill_crash;
mod campaign_links;
mod campaign_pages;
mod campaign_processes;
mod campaigns;
mod consent;
mod core_concurrency;
mod core_convergence;
mod core_facts;
mod customer_detail;
mod customer_page;
mod customers_page;
mod customers_search;
mod events_api;
mod foundation;
mod roles;
mod seed;
mod segment_pages;
mod segments;
mod sessions;
mod sign_in_attack;
mod tenant_people;
mod upgrade;
