//! Timestamps are stored as integer milliseconds since the Unix epoch: the one
//! representation both databases (and sqlx's `Any` driver) handle the same way.

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
