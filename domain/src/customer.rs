//! What a customer is, in words the database, the URL and the segment
//! definitions share: the derived type, the status, a subscription's state.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// The derived customer type (DESIGN.md: subscription > paying > lead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerType {
    Lead,
    Paying,
    Subscription,
}

impl CustomerType {
    pub const ALL: [CustomerType; 3] = [
        CustomerType::Lead,
        CustomerType::Paying,
        CustomerType::Subscription,
    ];

    /// The stored value (`customers.type`), also the URL value.
    pub const fn as_str(self) -> &'static str {
        match self {
            CustomerType::Lead => "lead",
            CustomerType::Paying => "paying",
            CustomerType::Subscription => "subscription",
        }
    }

    /// The word the pages show.
    pub const fn label(self) -> &'static str {
        match self {
            CustomerType::Lead => "Lead",
            CustomerType::Paying => "Customer",
            CustomerType::Subscription => "Subscriber",
        }
    }

    pub fn parse(value: &str) -> Result<CustomerType, Invalid> {
        CustomerType::ALL
            .into_iter()
            .find(|t| t.as_str() == value)
            .ok_or_else(|| {
                Invalid::new(
                    "type",
                    format!("unknown type {value:?} (expected lead, paying or subscription)"),
                )
            })
    }
}

/// Active: an active subscription or activity within the window; else inactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Inactive,
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Active, Status::Inactive];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }

    pub fn parse(value: &str) -> Result<Status, Invalid> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| {
                Invalid::new(
                    "status",
                    format!("unknown status {value:?} (expected active or inactive)"),
                )
            })
    }
}

/// A closed set of words, parsed case-insensitively (with aliases), stored
/// and serialised as its canonical word.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident = $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(field: &str, value: &str) -> Result<Self, Invalid> {
                match value.trim().to_ascii_lowercase().as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(Invalid::new(field, concat!("must be one of ", $what))),
                }
            }
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

word_enum!(
    /// How often a plan bills.
    Interval, "day, week, month, year", {
        Day = "day", Week = "week", Month = "month", Year = "year",
    }
);

word_enum!(
    /// A subscription's state, as the billing system reports it.
    SubscriptionStatus, "active, trialing, past_due, cancelled, expired", {
        Active = "active",
        Trialing = "trialing",
        PastDue = "past_due",
        Cancelled = "cancelled" | "canceled",
        Expired = "expired",
    }
);

impl SubscriptionStatus {
    /// Whether this status makes the customer a subscriber.
    pub const fn is_active(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Active | SubscriptionStatus::Trialing
        )
    }

    /// The words the pages show.
    pub const fn label(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::PastDue => "past due",
            SubscriptionStatus::Cancelled => "cancelled",
            SubscriptionStatus::Expired => "expired",
        }
    }
}

word_enum!(
    /// Whether a customer's email address may receive campaigns, per
    /// normalised email within the store (see `db::consent`). Only
    /// `Subscribed` receives; an address never reported is `NotAsked`.
    Consent, "subscribed, unsubscribed, not_asked", {
        Subscribed = "subscribed" | "yes" | "true" | "1" | "opted_in" | "opt_in",
        Unsubscribed = "unsubscribed" | "no" | "false" | "0" | "opted_out" | "opt_out",
        NotAsked = "not_asked",
    }
);

impl Default for Consent {
    /// An address no report names.
    fn default() -> Consent {
        Consent::NotAsked
    }
}

impl Consent {
    /// The words the pages show.
    pub const fn label(self) -> &'static str {
        match self {
            Consent::Subscribed => "Subscribed",
            Consent::Unsubscribed => "Unsubscribed",
            Consent::NotAsked => "Not asked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_and_name_their_field() {
        assert_eq!(CustomerType::parse("paying"), Ok(CustomerType::Paying));
        assert_eq!(CustomerType::parse("vip").unwrap_err().field, "type");
        assert_eq!(Status::parse("gone").unwrap_err().field, "status");
        assert_eq!(
            SubscriptionStatus::parse("status", "Canceled"),
            Ok(SubscriptionStatus::Cancelled)
        );
        assert!(SubscriptionStatus::parse("status", "paused").is_err());
        assert!(Interval::parse("interval", "fortnight").is_err());
        assert_eq!(Consent::parse("consent", " Yes"), Ok(Consent::Subscribed));
        assert_eq!(Consent::parse("consent", "no"), Ok(Consent::Unsubscribed));
        assert_eq!(
            Consent::parse("consent", "maybe").unwrap_err().field,
            "consent"
        );
    }

    #[test]
    fn words_serialise_as_they_are_stored() {
        for status in SubscriptionStatus::ALL {
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        for t in CustomerType::ALL {
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
        }
    }
}
