//! The customers page's shared types: the URL state ([`CustomerFilter`]) and
//! what the server functions answer.

use domain::customer::CustomerType;
use serde::{Deserialize, Serialize};

/// The page's whole state, exactly as it is in the URL query: raw strings,
/// empty when unset. The server parses it (field-named errors); the page
/// reads it to show the controls and rewrites it to navigate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerFilter {
    /// Search text.
    pub q: String,
    /// Comma-separated types: lead, paying, subscription.
    #[serde(rename = "type")]
    pub kind: String,
    /// Dates `YYYY-MM-DD` (UTC), inclusive.
    pub joined_from: String,
    pub joined_to: String,
    pub active_from: String,
    pub active_to: String,
    /// Amounts in the store currency's major unit (`12.50`), inclusive.
    pub spent_min: String,
    pub spent_max: String,
    /// Active subscription: `yes` or `no`.
    pub sub: String,
    /// Course or product id.
    pub course: String,
    pub product: String,
    /// Tag name.
    pub tag: String,
    /// `active` or `inactive`.
    pub status: String,
    /// Paid in this currency (`EUR`).
    pub currency: String,
    /// A saved segment's id: the list is that segment, narrowed by the rest.
    pub segment: String,
    /// `-total_spent`, `name`, ...; empty means most recent activity first.
    pub sort: String,
    /// Rows per page: 25, 50 (empty) or 100.
    pub size: String,
    /// Keyset cursor: the last customer id of the previous page.
    pub after: String,
    /// Keyset cursor backwards: the first customer id of the next page.
    pub before: String,
    /// `last`: the last page.
    pub page: String,
    /// What the owner just did, said once above the list: `erased`, or
    /// `tagged-N`. A code, never text to show, so a link cannot put words
    /// on the page.
    pub notice: String,
}

/// The page sizes offered, smallest first; [`DEFAULT_PAGE_SIZE`] when unset.
pub const PAGE_SIZES: [u32; 4] = [25, 50, 100, 200];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// The parameters that move through the pages; changing any other one starts
/// again from the first page.
const PAGING: [&str; 3] = ["after", "before", "page"];

/// The customer types in chip order, with their labels.
pub const CUSTOMER_TYPES: [(&str, &str); 3] = [
    type_choice(CustomerType::Lead),
    type_choice(CustomerType::Paying),
    type_choice(CustomerType::Subscription),
];

/// A type's URL value and label, as `domain` defines them.
const fn type_choice(t: CustomerType) -> (&'static str, &'static str) {
    (t.as_str(), t.label())
}

/// The sort options, as URL values and labels.
pub const SORTS: [(&str, &str); 8] = [
    ("-last_activity", "Last activity, newest first"),
    ("last_activity", "Last activity, oldest first"),
    (
        "-total_spent",
        "Spent in the store's currency, highest first",
    ),
    ("total_spent", "Spent in the store's currency, lowest first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-joined", "Joined, newest first"),
    ("joined", "Joined, oldest first"),
];

impl CustomerFilter {
    /// Reads the state from a query lookup (`ParamsMap::get`, a form...).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> CustomerFilter {
        let mut filter = CustomerFilter::default();
        for (name, field) in filter.fields_mut() {
            *field = get(name).unwrap_or_default();
        }
        filter
    }

    fn fields_mut(&mut self) -> [(&'static str, &mut String); 21] {
        [
            ("q", &mut self.q),
            ("type", &mut self.kind),
            ("joined_from", &mut self.joined_from),
            ("joined_to", &mut self.joined_to),
            ("active_from", &mut self.active_from),
            ("active_to", &mut self.active_to),
            ("spent_min", &mut self.spent_min),
            ("spent_max", &mut self.spent_max),
            ("sub", &mut self.sub),
            ("course", &mut self.course),
            ("product", &mut self.product),
            ("tag", &mut self.tag),
            ("status", &mut self.status),
            ("currency", &mut self.currency),
            ("segment", &mut self.segment),
            ("sort", &mut self.sort),
            ("size", &mut self.size),
            ("after", &mut self.after),
            ("before", &mut self.before),
            ("page", &mut self.page),
            ("notice", &mut self.notice),
        ]
    }

    /// The set parameters, in a stable order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut copy = self.clone();
        copy.fields_mut()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name, value.clone()))
            .collect()
    }

    /// `?a=b&...` (or the empty string), URL-encoded.
    pub fn query_string(&self) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect();
        format!("?{}", encoded.join("&"))
    }

    /// A copy with one parameter changed; a page move (`after`, `before`,
    /// `page`) replaces the others, any other change starts again from the
    /// first page.
    pub fn with(&self, name: &str, value: impl Into<String>) -> CustomerFilter {
        let mut copy = self.clone();
        copy.after.clear();
        copy.before.clear();
        copy.page.clear();
        copy.notice.clear();
        let value = value.into();
        for (field_name, field) in copy.fields_mut() {
            if field_name == name {
                *field = value.clone();
            }
        }
        copy
    }

    /// A copy that says `notice` once (the rest unchanged).
    pub fn with_notice(&self, notice: impl Into<String>) -> CustomerFilter {
        CustomerFilter {
            notice: notice.into(),
            ..self.clone()
        }
    }

    /// The same view from its first page.
    pub fn first_page(&self) -> CustomerFilter {
        self.with("after", "")
    }

    /// The selected types.
    pub fn types(&self) -> Vec<&str> {
        self.kind
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// A copy with type `t` selected or unselected.
    pub fn toggle_type(&self, t: &str) -> CustomerFilter {
        let mut types = self.types();
        if types.contains(&t) {
            types.retain(|other| *other != t);
        } else {
            types.push(t);
        }
        // Chip order, whatever order they were clicked in.
        let ordered: Vec<&str> = CUSTOMER_TYPES
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| types.contains(name))
            .collect();
        self.with("type", ordered.join(","))
    }

    /// Whether anything but the sort, page size and cursor narrows the list.
    pub fn is_filtered(&self) -> bool {
        self.pairs()
            .iter()
            .any(|(name, _)| !matches!(*name, "sort" | "size" | "notice") && !PAGING.contains(name))
    }

    /// The same view without any filter (sort and page size kept).
    pub fn cleared(&self) -> CustomerFilter {
        CustomerFilter {
            sort: self.sort.clone(),
            size: self.size.clone(),
            ..CustomerFilter::default()
        }
    }

    /// Rows per page (the default for an unknown size; the server refuses it).
    pub fn page_size(&self) -> u32 {
        self.size.parse().unwrap_or(DEFAULT_PAGE_SIZE)
    }
}

/// The customers list a customer's page goes back to: `list` is the list's
/// query string as it was (`?q=ann&type=lead`), carried by the profile's
/// links and forms; anything that is not a query string gives the bare list.
/// Only the query is taken from it, so it can point nowhere else.
pub fn list_href(store_id: i64, list: &str) -> String {
    let query = if list.starts_with('?') && !list.contains(['#', '\r', '\n']) {
        list
    } else {
        ""
    };
    format!("/store/{store_id}/customers{query}")
}

/// [`list_href`] with a notice for the list to say (see
/// [`CustomerFilter::notice`]).
pub fn list_href_with_notice(store_id: i64, list: &str, notice: &str) -> String {
    let href = list_href(store_id, list);
    let join = if href.contains('?') { '&' } else { '?' };
    format!("{href}{join}notice={}", encode(notice))
}

/// A customer's page, carrying the list it was opened from (see
/// [`list_href`]); `extra` is more of its query (`before=...`), or empty.
pub fn customer_href(store_id: i64, customer_id: i64, list: &str, extra: &str) -> String {
    let mut query: Vec<String> = Vec::new();
    if !extra.is_empty() {
        query.push(extra.to_string());
    }
    if list.starts_with('?') && list.len() > 1 {
        query.push(format!("list={}", encode(list)));
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("/store/{store_id}/customers/{customer_id}{query}")
}

/// Percent-encodes a query value: the app's one encoder (RFC 3986
/// unreserved characters kept, and `,` and `/`, which a query may hold as
/// they are: the type list and the sign-in's `next` path stay readable).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRowView {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    /// lead, paying or subscription.
    pub kind: String,
    /// active or inactive.
    pub status: String,
    pub total_spent_cents: i64,
    pub last_activity_at: i64,
    /// `last_activity_at` on the store's wall clock (its time zone).
    pub last_activity_label: String,
    pub joined_at: i64,
    pub courses_count: i64,
    pub products_count: i64,
    /// Net per currency where not zero, the store's currency first.
    pub totals: Vec<(String, i64)>,
    pub tags: Vec<String>,
}

/// One page of the list with its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerList {
    pub rows: Vec<CustomerRowView>,
    /// The `after` of the next page, if there is one.
    pub next_after: Option<i64>,
    /// The `before` of the previous page, if there is one.
    pub previous_before: Option<i64>,
    /// How many matching customers come before this page.
    pub offset: i64,
    /// How many match (every page).
    pub total: i64,
    /// Per type, how many match when the type filter is left out.
    pub leads: i64,
    pub paying: i64,
    pub subscribers: i64,
    /// The currency of `total_spent_cents`.
    pub currency: String,
    /// The name of the segment the list is narrowed to (`?segment=`).
    pub segment_name: Option<String>,
    /// The server's clock when it answered ("3 days ago" is relative to it,
    /// so the server's HTML and the browser's agree).
    pub now_ms: i64,
}

impl CustomerList {
    pub fn type_count(&self, t: &str) -> i64 {
        match t {
            "lead" => self.leads,
            "paying" => self.paying,
            "subscription" => self.subscribers,
            _ => 0,
        }
    }
}

/// A course or product the filter offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogOption {
    pub id: i64,
    pub title: String,
}

#[cfg(feature = "ssr")]
impl CatalogOption {
    /// The catalog's items as the pages' choices.
    pub fn list(items: Vec<db::customers::search::CatalogItem>) -> Vec<CatalogOption> {
        items
            .into_iter()
            .map(|item| CatalogOption {
                id: item.id,
                title: item.title,
            })
            .collect()
    }
}

/// The store-wide part of the page: stats cards and the filter's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOverview {
    pub store_name: String,
    pub currency: String,
    pub customers: i64,
    pub leads: i64,
    pub paying: i64,
    pub subscribers: i64,
    /// Net revenue per currency.
    pub revenue: Vec<(String, i64)>,
    pub courses: Vec<CatalogOption>,
    pub products: Vec<CatalogOption>,
    /// The store's tags (name, customers carrying it).
    pub tags: Vec<(String, i64)>,
    /// Lifetime value per currency: (currency, paying customers, average net
    /// per paying customer in cents).
    pub lifetime_value: Vec<(String, i64, i64)>,
    /// The reader's role in the store: the page leaves out what it may not do.
    pub role: domain::access::Role,
}

/// What an expanded row shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetailView {
    pub courses: Vec<CourseView>,
    pub products: Vec<ProductView>,
    pub subscriptions: Vec<SubscriptionView>,
    pub totals: Vec<(String, i64)>,
    pub now_ms: i64,
    /// The store's time zone (IANA): dates are shown in it.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseView {
    pub title: String,
    pub progress: i64,
    pub last_accessed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub title: String,
    pub paid_at: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub refunded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub plan: String,
    pub status: String,
    pub amount_cents: i64,
    pub currency: String,
    pub interval: String,
    pub started_at: i64,
}

#[cfg(feature = "ssr")]
mod ssr {
    use db::customers::{
        filter::{CustomerQuery, CustomerType, Range, Sort, Status},
        search::CustomerRow,
    };

    use super::*;
    use crate::model::input::{DAY_MS, parse_cents, parse_date, parse_id};

    impl CustomerFilter {
        /// The saved segment the list is narrowed to, if any.
        pub fn segment_id(&self) -> Result<Option<i64>, db::Error> {
            optional(&self.segment, "segment", parse_id)
        }

        /// [`Self::to_query`] with the segment of `?segment=` loaded from
        /// the store (another store's id is not found): what every list,
        /// count, export and bulk tag of a store runs.
        pub async fn to_store_query(
            &self,
            db: &db::Db,
            store_id: i64,
        ) -> Result<CustomerQuery, db::Error> {
            Ok(self.to_named_store_query(db, store_id).await?.0)
        }

        /// [`Self::to_store_query`] and the segment's name (the list shows it).
        pub async fn to_named_store_query(
            &self,
            db: &db::Db,
            store_id: i64,
        ) -> Result<(CustomerQuery, Option<String>), db::Error> {
            let mut query = self.to_query()?;
            let mut name = None;
            if let Some(id) = self.segment_id()? {
                let segment = db::segments::get(db, store_id, id).await?;
                query.segment = Some(segment.definition);
                name = Some(segment.name);
            }
            Ok((query, name))
        }

        /// The data layer's query, or an error naming the URL parameter.
        pub fn to_query(&self) -> Result<CustomerQuery, db::Error> {
            let types = self
                .types()
                .into_iter()
                .map(CustomerType::parse)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CustomerQuery {
                search: self.q.clone(),
                types,
                joined: date_range(
                    &self.joined_from,
                    "joined_from",
                    &self.joined_to,
                    "joined_to",
                )?,
                last_activity: date_range(
                    &self.active_from,
                    "active_from",
                    &self.active_to,
                    "active_to",
                )?,
                spent: Range {
                    min: optional(&self.spent_min, "spent_min", parse_cents)?,
                    max: optional(&self.spent_max, "spent_max", parse_cents)?,
                },
                active_subscription: optional(&self.sub, "sub", |v| match v {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                })?,
                course_id: optional(&self.course, "course", parse_id)?,
                product_id: optional(&self.product, "product", parse_id)?,
                tag: Some(self.tag.trim().to_string()).filter(|t| !t.is_empty()),
                status: match self.status.as_str() {
                    "" => None,
                    other => Some(Status::parse(other)?),
                },
                currency: Some(self.currency.trim().to_string()).filter(|c| !c.is_empty()),
                // Loaded by the caller, who knows the store: see
                // `segment_id` and `api::customers::ssr::query_of`.
                segment: None,
                sort: match self.sort.as_str() {
                    "" => Sort::default(),
                    other => Sort::parse(other)?,
                },
                page_size: optional(&self.size, "size", |v| {
                    v.parse().ok().filter(|size| PAGE_SIZES.contains(size))
                })?
                .unwrap_or(DEFAULT_PAGE_SIZE),
                after: optional(&self.after, "after", parse_id)?,
                before: optional(&self.before, "before", parse_id)?,
                from_end: optional(&self.page, "page", |v| (v == "last").then_some(true))?
                    .unwrap_or(false),
            })
        }
    }

    fn optional<T>(
        value: &str,
        field: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, db::Error> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        parse(value)
            .map(Some)
            .ok_or_else(|| db::Error::invalid(field, format!("{value:?} is not valid here")))
    }

    /// A day range: from the first day's start to the last day's end.
    fn date_range(
        from: &str,
        from_field: &str,
        to: &str,
        to_field: &str,
    ) -> Result<Range, db::Error> {
        Ok(Range {
            min: optional(from, from_field, parse_date)?,
            max: optional(to, to_field, parse_date)?.map(|day| day + DAY_MS - 1),
        })
    }

    impl CustomerRowView {
        /// A row as the list shows it, its dates on the store's `clock`.
        pub fn new(row: CustomerRow, clock: &db::time::Clock) -> Self {
            CustomerRowView {
                last_activity_label: clock.date_time(row.last_activity_at),
                id: row.id,
                name: row.name,
                email: row.email,
                kind: row.customer_type.as_str().to_string(),
                status: row.status.as_str().to_string(),
                total_spent_cents: row.total_spent_cents,
                last_activity_at: row.last_activity_at,
                joined_at: row.joined_at,
                courses_count: row.courses_count,
                products_count: row.products_count,
                totals: row.totals,
                tags: row.tags,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_amounts_and_dates() {
            assert_eq!(parse_cents("12"), Some(1200));
            assert_eq!(parse_cents("12.5"), Some(1250));
            assert_eq!(parse_cents("0.07"), Some(7));
            assert_eq!(parse_cents("1.234"), None);
            assert_eq!(parse_cents("-1"), None);
            assert_eq!(parse_date("1970-01-02"), Some(DAY_MS));
            assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800_000));
            assert_eq!(parse_date("2023-02-29"), None);
        }

        #[test]
        fn bad_parameters_name_their_field() {
            let field = |f: CustomerFilter| match f.to_query().unwrap_err() {
                db::Error::Invalid { field, .. } => field,
                other => panic!("{other:?}"),
            };
            let base = CustomerFilter::default();
            assert!(base.to_query().is_ok());
            assert_eq!(field(base.with("type", "vip")), "type");
            assert_eq!(field(base.with("spent_min", "ten")), "spent_min");
            assert_eq!(field(base.with("joined_to", "2024-13-01")), "joined_to");
            assert_eq!(field(base.with("sort", "email")), "sort");
            assert_eq!(field(base.with("sub", "maybe")), "sub");
            assert_eq!(field(base.with("size", "30")), "size");
            assert_eq!(field(base.with("page", "2")), "page");
            // The currency's form is the data layer's check.
            let euro = base.with("currency", "euro").to_query().unwrap();
            assert!(
                matches!(euro.validate(), Err(db::Error::Invalid { field, .. }) if field == "currency")
            );
        }

        #[test]
        fn the_query_string_round_trips() {
            let filter = CustomerFilter::default()
                .with("q", "ann & co")
                .toggle_type("paying")
                .toggle_type("lead")
                .with("sort", "-total_spent");
            assert_eq!(
                filter.query_string(),
                "?q=ann%20%26%20co&type=lead,paying&sort=-total_spent"
            );
            assert_eq!(filter.toggle_type("lead").kind, "paying");
            let paged = filter.with("size", "25").with("before", "7");
            assert_eq!(paged.with("page", "last").before, "");
            assert_eq!(
                paged.with("q", "bo").query_string(),
                "?q=bo&type=lead,paying&sort=-total_spent&size=25"
            );
        }
    }
}

#[cfg(test)]
mod encode_tests {
    use super::encode;

    #[test]
    fn encodes_what_a_query_value_cannot_hold() {
        assert_eq!(encode("/store/3/customers"), "/store/3/customers");
        assert_eq!(encode("lead,paying"), "lead,paying");
        assert_eq!(
            encode("/store/3/customers?q=ann lee&type=lead"),
            "/store/3/customers%3Fq%3Dann%20lee%26type%3Dlead"
        );
        assert_eq!(encode("\t//evil#"), "%09//evil%23");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn a_profile_carries_the_list_it_came_from() {
        use super::{customer_href, list_href};
        let list = "?q=ann lee&type=lead";
        let href = customer_href(3, 9, list, "");
        assert_eq!(
            href,
            "/store/3/customers/9?list=%3Fq%3Dann%20lee%26type%3Dlead"
        );
        assert_eq!(
            customer_href(3, 9, "", "before=x"),
            "/store/3/customers/9?before=x"
        );
        assert_eq!(list_href(3, list), "/store/3/customers?q=ann lee&type=lead");
        for hostile in ["//evil.test", "https://evil.test/?a", "?a#x", "x?a"] {
            assert_eq!(list_href(3, hostile), "/store/3/customers", "{hostile}");
        }
    }
}
