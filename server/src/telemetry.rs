use tracing_subscriber::{EnvFilter, fmt};

/// Logs to stderr, filtered by `filter` (RUST_LOG syntax). Safe to call twice
/// (tests do): the second call is a no-op.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
