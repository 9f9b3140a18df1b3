//! What the customers page asks for: search text, filters, sort and a keyset
//! cursor, validated before any SQL is built. Errors name the field the way
//! the page's URL does (`q`, `type`, `spent_min`, ...), so the page can point
//! at the control that is wrong.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Rows per page unless the caller asks otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Most rows one page may ask for (the export uses its own batches).
pub const MAX_PAGE_SIZE: u32 = 200;

pub use domain::customer::{CustomerType, Status};
use domain::segment::Group;

/// What the list is ordered by; ties are broken by customer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    TotalSpent,
    LastActivity,
    Name,
    Joined,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::TotalSpent,
        SortKey::LastActivity,
        SortKey::Name,
        SortKey::Joined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::TotalSpent => "total_spent",
            SortKey::LastActivity => "last_activity",
            SortKey::Name => "name",
            SortKey::Joined => "joined",
        }
    }
}

/// A sort key and direction; written `-total_spent` (descending) or `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    /// Most recently active first.
    fn default() -> Self {
        Sort {
            key: SortKey::LastActivity,
            descending: true,
        }
    }
}

impl Sort {
    pub fn parse(value: &str) -> Result<Sort> {
        let (descending, name) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let key = SortKey::ALL
            .into_iter()
            .find(|key| key.as_str() == name)
            .ok_or_else(|| {
                Error::invalid(
                    "sort",
                    format!(
                        "unknown sort {value:?} (expected total_spent, last_activity, name or \
                         joined, with a leading - for descending)"
                    ),
                )
            })?;
        Ok(Sort { key, descending })
    }

    /// The URL form: `-key` when descending.
    pub fn as_param(self) -> String {
        format!(
            "{}{}",
            if self.descending { "-" } else { "" },
            self.key.as_str()
        )
    }
}

/// An optional lower and upper bound, both inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Range {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl Range {
    pub fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    pub fn contains(&self, value: i64) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }

    fn check(&self, min_field: &str, max_field: &str) -> Result<()> {
        match (self.min, self.max) {
            (Some(min), Some(max)) if min > max => Err(Error::invalid(
                max_field,
                format!("must not be before or below {min_field}"),
            )),
            _ => Ok(()),
        }
    }
}

/// One request of the customers page. Empty fields do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CustomerQuery {
    /// Substring of the name, email or any course or product title,
    /// case-insensitive.
    pub search: String,
    /// Any of these types; empty means all.
    pub types: Vec<CustomerType>,
    /// Joined between (unix ms, inclusive).
    pub joined: Range,
    /// Last activity between (unix ms, inclusive).
    pub last_activity: Range,
    /// Total spent between (cents in the store currency, inclusive).
    pub spent: Range,
    pub active_subscription: Option<bool>,
    /// Has this course (enrolled or bought it).
    pub course_id: Option<i64>,
    /// Has this product (bought it).
    pub product_id: Option<i64>,
    /// Carries the store's tag of this name (any case).
    pub tag: Option<String>,
    pub status: Option<Status>,
    /// Paid in this currency (a net above zero in it): the one way to find
    /// customers whose money is not in the store's currency.
    pub currency: Option<String>,
    /// A segment's rules (loaded by the caller from `?segment=`, scoped to
    /// the store): the list is that segment, narrowed by the rest.
    pub segment: Option<Group>,
    pub sort: Sort,
    /// Keyset cursor: the id of the last customer of the previous page.
    pub after: Option<i64>,
    /// Keyset cursor backwards: the id of the first customer of the next
    /// page (the page is the one just before it).
    pub before: Option<i64>,
    /// The last page (the set's end, read backwards).
    pub from_end: bool,
    pub page_size: u32,
}

impl Default for CustomerQuery {
    fn default() -> Self {
        CustomerQuery {
            search: String::new(),
            types: Vec::new(),
            joined: Range::default(),
            last_activity: Range::default(),
            spent: Range::default(),
            active_subscription: None,
            course_id: None,
            product_id: None,
            tag: None,
            status: None,
            currency: None,
            segment: None,
            sort: Sort::default(),
            after: None,
            before: None,
            from_end: false,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl CustomerQuery {
    /// The search text as matched: trimmed.
    pub fn search_term(&self) -> &str {
        self.search.trim()
    }

    /// Checks every field; the first problem is returned, naming its field.
    pub fn validate(&self) -> Result<()> {
        if self.search.chars().count() > MAX_SEARCH_CHARS {
            return Err(Error::invalid(
                "q",
                format!("must be at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        if self.search.chars().any(char::is_control) {
            return Err(Error::invalid("q", "must not contain control characters"));
        }
        self.joined.check("joined_from", "joined_to")?;
        self.last_activity.check("active_from", "active_to")?;
        if self.spent.min.is_some_and(|v| v < 0) {
            return Err(Error::invalid("spent_min", "must not be negative"));
        }
        if self.spent.max.is_some_and(|v| v < 0) {
            return Err(Error::invalid("spent_max", "must not be negative"));
        }
        self.spent.check("spent_min", "spent_max")?;
        if let Some(tag) = &self.tag {
            super::tags::TagName::parse("tag", tag)?;
        }
        for (field, id) in [("course", self.course_id), ("product", self.product_id)] {
            if id.is_some_and(|id| id <= 0) {
                return Err(Error::invalid(field, "must be a positive id"));
            }
        }
        if let Some(currency) = &self.currency
            && !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(Error::invalid(
                "currency",
                "must be a three-letter currency code (USD, EUR, ...)",
            ));
        }
        if let Some(segment) = &self.segment {
            segment.validate()?;
        }
        for (field, id) in [("after", self.after), ("before", self.before)] {
            if id.is_some_and(|id| id <= 0) {
                return Err(Error::invalid(field, "must be a positive id"));
            }
        }
        if self.after.is_some() && self.before.is_some() {
            return Err(Error::invalid("before", "cannot be used with after"));
        }
        if self.from_end && (self.after.is_some() || self.before.is_some()) {
            return Err(Error::invalid("page", "the last page takes no cursor"));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::invalid(
                "page_size",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(error: Error) -> String {
        match error {
            Error::Invalid { field, .. } => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn sorts_parse_both_directions() {
        assert_eq!(
            Sort::parse("-total_spent").unwrap(),
            Sort {
                key: SortKey::TotalSpent,
                descending: true
            }
        );
        assert_eq!(Sort::parse("name").unwrap().as_param(), "name");
        assert_eq!(field(Sort::parse("-email").unwrap_err()), "sort");
    }

    #[test]
    fn invalid_queries_name_their_field() {
        let bad = |q: CustomerQuery| field(q.validate().unwrap_err());
        let base = CustomerQuery::default();
        assert!(base.validate().is_ok());
        assert_eq!(
            bad(CustomerQuery {
                search: "x".repeat(201),
                ..base.clone()
            }),
            "q"
        );
        assert_eq!(
            bad(CustomerQuery {
                spent: Range {
                    min: Some(-1),
                    max: None
                },
                ..base.clone()
            }),
            "spent_min"
        );
        assert_eq!(
            bad(CustomerQuery {
                joined: Range {
                    min: Some(10),
                    max: Some(5)
                },
                ..base.clone()
            }),
            "joined_to"
        );
        assert_eq!(
            bad(CustomerQuery {
                page_size: 0,
                ..base.clone()
            }),
            "page_size"
        );
        assert_eq!(
            bad(CustomerQuery {
                currency: Some("eur".into()),
                ..base.clone()
            }),
            "currency"
        );
        assert_eq!(
            bad(CustomerQuery {
                after: Some(3),
                before: Some(9),
                ..base.clone()
            }),
            "before"
        );
        assert_eq!(
            bad(CustomerQuery {
                before: Some(9),
                from_end: true,
                ..base.clone()
            }),
            "page"
        );
    }
}
