//! The in-process SMTP server the sending tests speak to: the one the
//! benchmarks use too (`devtools::smtp`).

pub use devtools::smtp::{Received, SmtpSink, link_in};
