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

    /// `2025-11-24T14:03`: the value of an `<input type="datetime-local">`.
    pub fn local_input(&self, ms: i64) -> String {
        self.zoned(ms)
            .map(|at| at.strftime("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    }

    /// The moment a wall-clock time of this zone names (`2025-11-24T14:03`,
    /// as a `datetime-local` input sends it; seconds may follow). A time
    /// that occurs twice (clocks going back) is the earlier; one that is
    /// skipped (clocks going forward) is read as after the jump.
    pub fn parse_local(&self, field: &str, text: &str) -> crate::Result<i64> {
        let civil: jiff::civil::DateTime = text.trim().parse().map_err(|_| {
            crate::Error::invalid(field, "is not a date and time (2025-11-24T14:03)")
        })?;
        self.zone
            .to_ambiguous_zoned(civil)
            .compatible()
            .map(|at| at.timestamp().as_millisecond())
            .map_err(|_| crate::Error::invalid(field, "is not a time of the store's clock"))
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

    #[test]
    fn wall_clock_times_are_read_in_the_stores_zone() {
        let berlin = Clock::new("Europe/Berlin").unwrap();
        // 2025-01-16 00:30 CET is 2025-01-15 23:30 UTC.
        assert_eq!(
            berlin.parse_local("at", "2025-01-16T00:30").unwrap(),
            1_736_983_800_000
        );
        assert_eq!(berlin.local_input(1_736_983_800_000), "2025-01-16T00:30");
        // Summer time: two hours ahead.
        assert_eq!(
            berlin.parse_local("at", "2025-07-16T01:30").unwrap(),
            1_752_622_200_000
        );
        let error = berlin.parse_local("send_at", "next tuesday").unwrap_err();
        assert!(error.to_string().contains("send_at"), "{error}");
    }
}
