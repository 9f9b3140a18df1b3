//! Display helpers: money, counts, dates and "3 days ago". Pure functions of
//! their inputs (times relative to a given `now`), so the server's HTML and
//! the browser's hydration print the same text.

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Cents in a currency: `$1,234.50`, `€12.00`, `12.00 CHF`.
pub fn money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let amount = format!("{}.{:02}", thousands((abs / 100) as i64), abs % 100);
    match currency {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

/// A customer's nets per currency, as the owner reads them: `$12.00 ·
/// €209.00` (in the order given: the store's currency first), leaving out
/// zeros; `$0.00` in the store's currency when nothing is left.
pub fn money_list(totals: &[(String, i64)], store_currency: &str) -> String {
    let shown: Vec<String> = totals
        .iter()
        .filter(|(_, cents)| *cents != 0)
        .map(|(currency, cents)| money(*cents, currency))
        .collect();
    if shown.is_empty() {
        money(0, store_currency)
    } else {
        shown.join(" · ")
    }
}

/// `n thing` / `n things`.
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// (year, month, day) of a unix-ms instant, UTC.
fn civil(ms: i64) -> (i64, u32, u32, i64) {
    let days = ms.div_euclid(DAY_MS);
    let ms_of_day = ms.rem_euclid(DAY_MS);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, ms_of_day)
}

/// `2025-11-24T14:03:09Z` (for exports: UTC, whatever the store's zone;
/// pages show dates on the store's clock, `db::time::Clock`).
pub fn iso(ms: i64) -> String {
    let (y, m, d, t) = civil(ms);
    let seconds = t / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `just now`, `5 minutes ago`, `3 days ago`, `2 years ago`.
pub fn ago(ms: i64, now: i64) -> String {
    let seconds = (now - ms) / 1000;
    if seconds < 60 {
        return "just now".into();
    }
    let (n, unit) = match seconds {
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s if s < 86_400 * 30 => (s / 86_400, "day"),
        s if s < 86_400 * 365 => (s / (86_400 * 30), "month"),
        s => (s / (86_400 * 365), "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// Up to two initials: `Ann Lee` → `AL`; an email's first letter otherwise.
pub fn initials(name: Option<&str>, email: Option<&str>) -> String {
    let from_name: String = name
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect();
    if !from_name.is_empty() {
        return from_name.to_uppercase();
    }
    email
        .and_then(|e| e.chars().next())
        .map_or_else(|| "?".into(), |c| c.to_uppercase().to_string())
}

/// The label of a stored customer type.
pub fn type_label(kind: &str) -> &'static str {
    domain::customer::CustomerType::parse(kind).map_or("Unknown", |t| t.label())
}

/// Where a customer came from, as a sentence fragment: `Course: Rust 101`,
/// `Opt-in: webinar`, `Imported from contacts.csv`.
pub fn source_label(kind: &str, title: &str) -> String {
    if let Some(file) = title.strip_prefix("import: ") {
        return format!("Imported from {file}");
    }
    match kind {
        "course" => format!("Course: {title}"),
        "product" => format!("Product: {title}"),
        "subscription" => format!("Subscription: {title}"),
        "lead" => format!("Opt-in: {title}"),
        "import" => format!("Imported: {title}"),
        other => format!("{other}: {title}"),
    }
}

/// The label of a status (active, inactive).
pub fn status_label(status: &str) -> &'static str {
    match status {
        "active" => "Active",
        "inactive" => "Inactive",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(2314), "2,314");
        assert_eq!(thousands(-1_000_000), "-1,000,000");
        assert_eq!(money(123_450, "USD"), "$1,234.50");
        assert_eq!(money(-5, "CHF"), "-0.05 CHF");
        let nets = [("USD".to_string(), 1200), ("EUR".to_string(), 20_900)];
        assert_eq!(money_list(&nets, "USD"), "$12.00 · €209.00");
        assert_eq!(money_list(&nets[1..], "USD"), "€209.00");
        assert_eq!(money_list(&[], "GBP"), "£0.00");
        assert_eq!(
            source_label("lead", "import: contacts.csv"),
            "Imported from contacts.csv"
        );
        assert_eq!(source_label("lead", "webinar"), "Opt-in: webinar");
        assert_eq!(iso(1_709_164_800_000 + 61_000), "2024-02-29T00:01:01Z");
        assert_eq!(ago(0, 3 * DAY_MS + 5), "3 days ago");
        assert_eq!(ago(0, 1_000), "just now");
        assert_eq!(initials(Some("ann lee smith"), None), "AL");
        assert_eq!(initials(None, Some("zed@x")), "Z");
    }
}
