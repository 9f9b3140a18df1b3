//! Timestamps are stored as integer milliseconds since the Unix epoch: the one
//! representation both databases (and sqlx's `Any` driver) handle the same way.

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A store's wall clock: dates as people in its time zone read them.
#[derive(Debug, Clone)]
pub struct Clock {
    zone: jiff::tz::TimeZone,
}

impl Clock {
    /// The clock of an IANA time zone (`Europe/Berlin`, `UTC`).
    pub fn new(time_zone: &str) -> crate::Result<Clock> {
        jiff::tz::TimeZone::get(time_zone)
            .map(|zone| Clock { zone })
            .map_err(|_| crate::Error::invalid("time_zone", "is not a known IANA time zone"))
    }

    /// UTC: for a zone that is no longer known (stored names are checked
    /// when they are set).
    pub fn utc() -> Clock {
        Clock {
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// The clock of `time_zone`, or UTC when it is not known.
    pub fn or_utc(time_zone: &str) -> Clock {
        Clock::new(time_zone).unwrap_or_else(|_| Clock::utc())
    }

    fn zoned(&self, ms: i64) -> Option<jiff::Zoned> {
        jiff::Timestamp::from_millisecond(ms)
            .ok()
            .map(|at| at.to_zoned(self.zone.clone()))
    }

    /// `2025-11-24`.
    pub fn date(&self, ms: i64) -> String {
        self.zoned(ms)
            .map(|at| at.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }

    /// `2025-11-24 14:03 CET`.
    pub fn date_time(&self, ms: i64) -> String {
        self.zoned(ms)
            .map(|at| at.strftime("%Y-%m-%d %H:%M %Z").to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn dates_are_read_in_the_stores_zone_with_its_daylight_saving() {
        // 2025-01-15 23:30 UTC and 2025-07-15 23:30 UTC.
        let (winter, summer) = (1_736_983_800_000, 1_752_622_200_000);
        let berlin = Clock::new("Europe/Berlin").unwrap();
        assert_eq!(berlin.date_time(winter), "2025-01-16 00:30 CET");
        assert_eq!(berlin.date_time(summer), "2025-07-16 01:30 CEST");
        assert_eq!(berlin.date(winter), "2025-01-16");
        let utc = Clock::new("UTC").unwrap();
        assert_eq!(utc.date_time(winter), "2025-01-15 23:30 UTC");
        let new_york = Clock::new("America/New_York").unwrap();
        assert_eq!(new_york.date(winter), "2025-01-15");
        assert!(Clock::new("Mars/Olympus").is_err());
    }
}
