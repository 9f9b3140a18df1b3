//! Newtypes that parse: once a value has one of these types it is valid, and
//! every error names the field it came from (`events[3].amount_cents`).

use crate::{Error, Result};

/// Longest external id or event id.
pub const MAX_ID_LEN: usize = 200;
/// Longest lead source (`leads.source`).
pub const MAX_SOURCE_LEN: usize = 200;
/// Longest person name.
pub const MAX_NAME_LEN: usize = 200;
/// Longest course, product or plan title.
pub const MAX_TITLE_LEN: usize = 300;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Largest amount accepted, in cents (ten billion in major units).
pub const MAX_CENTS: i64 = 1_000_000_000_000;
/// Earliest timestamp accepted: 2000-01-01T00:00:00Z.
pub const MIN_TIMESTAMP_MS: i64 = 946_684_800_000;
/// How far in the future an event may be dated (clock skew).
pub const MAX_FUTURE_MS: i64 = 24 * 60 * 60 * 1000;

fn clean(field: &str, value: &str, max: usize, what: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, format!("{what} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(value.to_string())
}

/// A platform id (user, course, purchase, ...) or an event id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        clean(field, value, MAX_ID_LEN, "the id").map(ExternalId)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A title of a course, product or plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        clean(field, value, MAX_TITLE_LEN, "the title").map(Title)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a lead came from (a form, a list, `import: contacts.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source(String);

impl Source {
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        clean(field, value, MAX_SOURCE_LEN, "the source").map(Source)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name; blank means unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, value: Option<&str>) -> Result<Option<Self>> {
        match value.map(str::trim) {
            None | Some("") => Ok(None),
            Some(value) => clean(field, value, MAX_NAME_LEN, "the name").map(|n| Some(Name(n))),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as given (trimmed) with its normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    given: String,
    normalized: String,
}

impl Email {
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        let given = value.trim();
        if given.chars().count() > MAX_EMAIL_LEN {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_EMAIL_LEN} characters"),
            ));
        }
        let malformed = || Error::invalid(field, "is not an email address");
        let (local, domain) = given.split_once('@').ok_or_else(malformed)?;
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || given.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(malformed());
        }
        // Lowercasing can lengthen text ('İ' becomes two characters): the
        // stored normalised form must fit its column too.
        let normalized = normalize_email(given);
        if normalized.chars().count() > MAX_EMAIL_LEN {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_EMAIL_LEN} characters"),
            ));
        }
        Ok(Email {
            given: given.to_string(),
            normalized,
        })
    }
    pub fn as_str(&self) -> &str {
        &self.given
    }
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// The one normalisation of emails: trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A non-negative amount of money in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cents(i64);

impl Cents {
    pub fn parse(field: &str, value: i64) -> Result<Self> {
        if value < 0 {
            return Err(Error::invalid(field, "must not be negative"));
        }
        if value > MAX_CENTS {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_CENTS}"),
            ));
        }
        Ok(Cents(value))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

/// An ISO 4217 currency code, upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        let code = value.trim().to_ascii_uppercase();
        if code.len() != 3 || !ISO_4217.split(' ').any(|c| c == code) {
            return Err(Error::invalid(field, "is not an ISO 4217 currency code"));
        }
        Ok(Currency(code))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Course progress, a whole percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress(i64);

impl Progress {
    pub fn parse(field: &str, value: i64) -> Result<Self> {
        if !(0..=100).contains(&value) {
            return Err(Error::invalid(field, "must be between 0 and 100"));
        }
        Ok(Progress(value))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

/// When something happened, in unix milliseconds: not before 2000, not more
/// than a day ahead of this server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn parse(field: &str, value: i64) -> Result<Self> {
        if value < MIN_TIMESTAMP_MS {
            return Err(Error::invalid(
                field,
                "must be unix milliseconds after 2000-01-01",
            ));
        }
        if value > crate::time::now_ms() + MAX_FUTURE_MS {
            return Err(Error::invalid(field, "must not be in the future"));
        }
        Ok(Timestamp(value))
    }
    /// A timestamp that may lie in the future (a billing period's end).
    pub fn parse_any(field: &str, value: i64) -> Result<Self> {
        if value < MIN_TIMESTAMP_MS {
            return Err(Error::invalid(
                field,
                "must be unix milliseconds after 2000-01-01",
            ));
        }
        Ok(Timestamp(value))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

pub use domain::customer::{Interval, SubscriptionStatus};

/// Active ISO 4217 codes (plus XAU etc. left out: no one pays a course in gold).
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB \
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD \
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR \
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR \
MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK \
SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES \
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(error: Error) -> String {
        match error {
            Error::Invalid { field, .. } => field,
            other => panic!("expected Invalid, got {other}"),
        }
    }

    #[test]
    fn emails_parse_and_normalise() {
        let email = Email::parse("email", "  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ann.Lee@Example.COM");
        assert_eq!(email.normalized(), "ann.lee@example.com");
        for bad in [
            "",
            "ann",
            "@x.com",
            "ann@",
            "ann@x",
            "a b@x.com",
            "ann@@x.com",
            "a@x..com",
        ] {
            assert_eq!(
                field_of(Email::parse("user.email", bad).unwrap_err()),
                "user.email"
            );
        }
        let long = format!("{}@x.com", "a".repeat(250));
        assert!(Email::parse("email", &long).is_err());
    }

    #[test]
    fn money_and_currency() {
        assert_eq!(Cents::parse("amount_cents", 0).unwrap().get(), 0);
        assert!(Cents::parse("amount_cents", -1).is_err());
        assert_eq!(Currency::parse("currency", "eur").unwrap().as_str(), "EUR");
        assert!(Currency::parse("currency", "XYZ").is_err());
        assert!(Currency::parse("currency", "US").is_err());
    }

    #[test]
    fn words_and_ranges() {
        assert!(Progress::parse("progress", 101).is_err());
        assert!(Progress::parse("progress", -1).is_err());
        assert!(Timestamp::parse("occurred_at", 1000).is_err());
        assert!(ExternalId::parse("course_id", "  ").is_err());
        assert!(ExternalId::parse("course_id", &"x".repeat(201)).is_err());
        assert_eq!(Name::parse("user.name", Some("  ")).unwrap(), None);
        assert!(Title::parse("title", "a\u{0}b").is_err());
    }
}
