//! The browser tests, one binary: headless Chromium against the release
//! build (`cargo leptos build --release --precompress`). Each test is
//! `#[ignore]`d in the plain run; scripts/test.sh runs this binary with
//! `--run-ignored only`. Shared helpers live in `tests::browser`.

mod accessibility;
mod backfill;
mod campaigns;
mod customer;
mod customers;
mod members;
mod onboarding;
mod place;
mod segments;
mod sign_in;
mod weight;
