//! The customers page's data layer against a recomputation in plain Rust
//! over the same rows: every filter and sort, alone and combined, page by
//! page (keyset), with the counts, the type chips, the stats and the export.
//! Runs on SQLite and, with TEST_DATABASE=postgres, on Postgres.

use std::collections::{BTreeMap, BTreeSet};

use db::customers::{
    export::Export,
    filter::{CustomerQuery, CustomerType, Range, Sort, SortKey, Status},
    search::{self, Drive, TypeCounts},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::Row;
use tests::{
    TestDatabase,
    events::{T0, course, enrollment, product, purchase, subscription, user},
};

const DAY: i64 = 24 * 60 * 60 * 1000;
/// The clock of every query (status is relative to it).
const NOW: i64 = T0;

/// One customer as the oracle sees it.
#[derive(Debug, Clone)]
struct Row_ {
    id: i64,
    name: Option<String>,
    email_normalized: Option<String>,
    search_text: String,
    /// The folded titles of its courses and products (search matches them).
    titles: Vec<String>,
    customer_type: CustomerType,
    has_active_subscription: bool,
    total_spent_cents: i64,
    last_activity_at: i64,
    joined_at: i64,
    courses: BTreeSet<i64>,
    products: BTreeSet<i64>,
    /// Net per currency, recomputed from the payments kept.
    totals: BTreeMap<String, i64>,
}

struct Fixture {
    database: TestDatabase,
    store: i64,
    other_store: i64,
    rows: Vec<Row_>,
    courses: Vec<i64>,
    products: Vec<i64>,
}

/// A seeded data set (two stores) plus hand-made customers with awkward
/// names and a course title no one else has.
async fn fixture() -> Fixture {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let report = devtools::seed::seed(
        db,
        &devtools::seed::SeedOptions {
            seed: 11,
            stores: 2,
            users: 700,
            anchor_ms: Some(NOW),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (store, other_store) = (report.store_ids[0], report.store_ids[1]);
    let at = NOW - 10 * DAY;
    let events = vec![
        course("x-c1", at, "cz1", "Zebra Taming Intensive", 5_000),
        product("x-d1", at, "dz1", "Quokka Field Guide", 1_500),
        enrollment(
            "x-e1",
            at,
            user("x-u1", Some("pct@example.com"), Some("100% Real_Name")),
            "cz1",
        ),
        enrollment("x-e2", at + 1, user("x-u2", None, None), "cz1"),
        purchase(
            "x-p1",
            at + 2,
            user("x-u3", Some("=cmd@evil.test"), Some("=HYPERLINK(\"x\")")),
            "x-pur1",
            "dz1",
            1_500,
            "USD",
        ),
        subscription(
            "x-s1",
            at + 3,
            user("x-u4", Some("ANNA.caps@Example.com"), Some("ÅNNA Ünder")),
            "x-sub1",
            "pz1",
            "active",
            1_900,
        ),
        // A third currency: one customer pays in pounds and in dollars,
        // another only in pounds.
        purchase(
            "x-p2",
            at + 4,
            user("x-u5", Some("pounds@example.com"), Some("Pound Payer")),
            "x-pur2",
            "dz1",
            2_090,
            "GBP",
        ),
        purchase(
            "x-p3",
            at + 5,
            user("x-u5", Some("pounds@example.com"), Some("Pound Payer")),
            "x-pur3",
            "dz1",
            1_500,
            "USD",
        ),
        purchase(
            "x-p4",
            at + 6,
            user("x-u6", Some("only.pounds@example.com"), Some("Only Pounds")),
            "x-pur4",
            "dz1",
            999,
            "GBP",
        ),
    ];
    let results = db::facts::apply_batch(db, store, &events).await.unwrap();
    assert!(
        results
            .iter()
            .all(|r| r.status != db::facts::EventStatus::Duplicate)
    );
    let rows = oracle_rows(db, store).await;
    let ids = |table: &str| {
        let table = table.to_string();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT id FROM {table} WHERE store_id = $1 ORDER BY id"
            ))
            .bind(store)
            .fetch_all(db.reader())
            .await
            .unwrap()
        }
    };
    let courses = ids("courses").await;
    let products = ids("products").await;
    assert!(rows.len() > 300, "the fixture has {} customers", rows.len());
    Fixture {
        database,
        store,
        other_store,
        rows,
        courses,
        products,
    }
}

/// The customers of a store with what the filters need, read as plain rows.
/// Who is who comes from the merge rule applied here (`tests::oracle`); a
/// customer has the courses it is enrolled in or bought and kept, and the
/// products it bought and kept (refunded ones are not its, issue 12).
async fn oracle_rows(db: &db::Db, store: i64) -> Vec<Row_> {
    let pool = db.reader();
    let customer_of = tests::oracle::groups(db, store).await;
    let mut items: BTreeMap<i64, (BTreeSet<i64>, BTreeSet<i64>)> = BTreeMap::new();
    for row in sqlx::query(
        "SELECT identity_id, course_id, 0 FROM enrollments WHERE store_id = $1 \
         UNION ALL SELECT identity_id, course_id, 0 FROM purchases \
           WHERE store_id = $1 AND course_id IS NOT NULL AND paid_at IS NOT NULL \
             AND refunded_at IS NULL \
         UNION ALL SELECT identity_id, product_id, 1 FROM purchases \
           WHERE store_id = $1 AND product_id IS NOT NULL AND paid_at IS NOT NULL \
             AND refunded_at IS NULL",
    )
    .bind(store)
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let customer = customer_of[&row.get::<i64, _>(0)];
        let entry = items.entry(customer).or_default();
        if row.get::<i64, _>(2) == 0 {
            entry.0.insert(row.get(1));
        } else {
            entry.1.insert(row.get(1));
        }
    }
    // Titles as shown (an entry without its catalog event yet goes by its
    // platform id), folded as search folds them.
    let titles = |table: &'static str| async move {
        sqlx::query(&format!(
            "SELECT id, COALESCE(title, external_id) FROM {table} WHERE store_id = $1"
        ))
        .bind(store)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get::<i64, _>(0), row.get::<String, _>(1).to_lowercase()))
        .collect::<BTreeMap<i64, String>>()
    };
    let (course_titles, product_titles) = (titles("courses").await, titles("products").await);
    // Net per currency: the payments kept (paid, not refunded).
    let mut totals: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    for row in sqlx::query(
        "SELECT identity_id, currency, amount_cents FROM purchases \
         WHERE store_id = $1 AND paid_at IS NOT NULL AND refunded_at IS NULL",
    )
    .bind(store)
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let customer = customer_of[&row.get::<i64, _>(0)];
        *totals
            .entry(customer)
            .or_default()
            .entry(row.get(1))
            .or_default() += row.get::<i64, _>(2);
    }
    let store_currency: String = sqlx::query_scalar("SELECT currency FROM stores WHERE id = $1")
        .bind(store)
        .fetch_one(pool)
        .await
        .unwrap();
    db::customers::list_all(db, store)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            let (courses, products) = items.remove(&c.id).unwrap_or_default();
            // The search text is the folded name and the normalised email,
            // nothing else (titles are searched through the catalog).
            let expected_text = format!(
                "{} {}",
                c.name.as_deref().unwrap_or_default().to_lowercase(),
                c.email_normalized.as_deref().unwrap_or_default()
            );
            assert_eq!(
                c.search_text,
                expected_text.trim(),
                "search text of {}",
                c.id
            );
            assert_eq!(
                (c.courses_count, c.products_count),
                (courses.len() as i64, products.len() as i64),
                "counts of {}",
                c.id
            );
            let totals = totals.remove(&c.id).unwrap_or_default();
            assert_eq!(
                c.total_spent_cents,
                totals.get(&store_currency).copied().unwrap_or(0),
                "net in the store's currency of {}",
                c.id
            );
            let titles = courses
                .iter()
                .map(|id| course_titles[id].clone())
                .chain(products.iter().map(|id| product_titles[id].clone()))
                .collect();
            Row_ {
                id: c.id,
                name: c.name,
                email_normalized: c.email_normalized,
                search_text: c.search_text,
                titles,
                customer_type: CustomerType::parse(&c.customer_type).unwrap(),
                has_active_subscription: c.has_active_subscription,
                total_spent_cents: c.total_spent_cents,
                last_activity_at: c.last_activity_at,
                joined_at: c.joined_at,
                courses,
                products,
                totals,
            }
        })
        .collect()
}

/// A row's nets as the list gives them: not zero, the store's currency
/// (`store`) first, then by currency.
fn shown_totals(row: &Row_, store: &str) -> Vec<(String, i64)> {
    let mut nets: Vec<(String, i64)> = row
        .totals
        .iter()
        .filter(|(_, cents)| **cents != 0)
        .map(|(currency, cents)| (currency.clone(), *cents))
        .collect();
    nets.sort_by_key(|(currency, _)| (currency != store, currency.clone()));
    nets
}

fn status_of(row: &Row_) -> Status {
    if row.has_active_subscription
        || row.last_activity_at >= NOW - db::customers::DEFAULT_ACTIVE_WINDOW_MS
    {
        Status::Active
    } else {
        Status::Inactive
    }
}

/// Whether a row matches, optionally ignoring the type filter.
fn matches(row: &Row_, q: &CustomerQuery, with_types: bool) -> bool {
    let term = q.search.trim().to_lowercase();
    let found = if term.chars().count() < search::MIN_SUBSTRING_CHARS {
        // Short terms: the start of the name (any case) or of the email.
        term.is_empty()
            || row
                .name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().starts_with(&term))
            || row
                .email_normalized
                .as_deref()
                .is_some_and(|e| e.starts_with(&term))
    } else {
        // Anywhere in the name or the email, or in the title of a course or
        // product the customer has.
        row.search_text.to_lowercase().contains(&term)
            || row.titles.iter().any(|title| title.contains(&term))
    };
    found
        && (!with_types || q.types.is_empty() || q.types.contains(&row.customer_type))
        && q.joined.contains(row.joined_at)
        && q.last_activity.contains(row.last_activity_at)
        && q.spent.contains(row.total_spent_cents)
        && q.active_subscription
            .is_none_or(|a| a == row.has_active_subscription)
        && q.course_id.is_none_or(|c| row.courses.contains(&c))
        && q.product_id.is_none_or(|p| row.products.contains(&p))
        && q.status.is_none_or(|s| s == status_of(row))
        && q.currency
            .as_ref()
            .is_none_or(|c| row.totals.get(c).is_some_and(|net| *net > 0))
}

/// The ids in the query's order.
fn expected_ids(rows: &[Row_], q: &CustomerQuery) -> Vec<i64> {
    let mut hits: Vec<&Row_> = rows.iter().filter(|r| matches(r, q, true)).collect();
    hits.sort_by(|a, b| {
        let ord = match q.sort.key {
            SortKey::TotalSpent => a.total_spent_cents.cmp(&b.total_spent_cents),
            SortKey::LastActivity => a.last_activity_at.cmp(&b.last_activity_at),
            SortKey::Joined => a.joined_at.cmp(&b.joined_at),
            SortKey::Name => a
                .name
                .as_deref()
                .unwrap_or("")
                .as_bytes()
                .cmp(b.name.as_deref().unwrap_or("").as_bytes()),
        }
        .then(a.id.cmp(&b.id));
        if q.sort.descending {
            ord.reverse()
        } else {
            ord
        }
    });
    hits.iter().map(|r| r.id).collect()
}

fn expected_types(rows: &[Row_], q: &CustomerQuery) -> TypeCounts {
    let mut counts = TypeCounts::default();
    for row in rows.iter().filter(|r| matches(r, q, false)) {
        match row.customer_type {
            CustomerType::Lead => counts.lead += 1,
            CustomerType::Paying => counts.paying += 1,
            CustomerType::Subscription => counts.subscription += 1,
        }
    }
    counts
}

/// Every page of `q`, following the cursors: the ids in order.
async fn walk_pages(f: &Fixture, q: &CustomerQuery, drive: Option<Drive>) -> Vec<i64> {
    let db = &f.database.db;
    let mut got = Vec::new();
    let mut page_q = q.clone();
    loop {
        let page = match drive {
            None => search::search_page(db, f.store, &page_q, NOW).await,
            Some(drive) => search::search_page_driven_by(db, f.store, &page_q, NOW, drive).await,
        }
        .unwrap();
        assert!(page.rows.len() <= q.page_size as usize);
        assert_eq!(page.offset, got.len() as i64, "position of a page of {q:?}");
        for row in &page.rows {
            let oracle = f.rows.iter().find(|r| r.id == row.id).unwrap();
            assert_eq!(row.status, status_of(oracle), "status of {}", row.id);
            assert_eq!(row.customer_type, oracle.customer_type);
            assert_eq!(
                row.totals,
                shown_totals(oracle, "USD"),
                "nets of {}",
                row.id
            );
        }
        got.extend(page.rows.iter().map(|r| r.id));
        match page.next_cursor {
            Some(cursor) => page_q.after = Some(cursor),
            None => break,
        }
        assert!(
            got.len() <= f.rows.len(),
            "pagination does not end for {q:?}"
        );
    }
    got
}

/// Every page of `q` from the last one back, following the `before`
/// cursors: the ids in order, each page at its position.
async fn walk_back(f: &Fixture, q: &CustomerQuery) -> Vec<i64> {
    let db = &f.database.db;
    let total = expected_ids(&f.rows, q).len() as i64;
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut page_q = CustomerQuery {
        from_end: true,
        ..q.clone()
    };
    let mut seen = 0;
    loop {
        let page = search::search_page(db, f.store, &page_q, NOW)
            .await
            .unwrap();
        seen += page.rows.len() as i64;
        assert_eq!(
            page.offset,
            total - seen,
            "position of a page of {q:?} read back"
        );
        let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
        let first = ids.first().copied();
        pages.push(ids);
        match first {
            Some(first) if page.offset > 0 => {
                page_q = CustomerQuery {
                    before: Some(first),
                    from_end: false,
                    ..q.clone()
                };
            }
            _ => break,
        }
        assert!(seen <= total, "backward pagination does not end for {q:?}");
    }
    pages.into_iter().rev().flatten().collect()
}

/// Walks every page of `q` and checks rows, order, counts and chips.
async fn check(f: &Fixture, q: &CustomerQuery) {
    let db = &f.database.db;
    let want = expected_ids(&f.rows, q);
    // As chosen by the match count, and with each driver forced: both plans
    // must give the same pages.
    for drive in [None, Some(Drive::Matches), Some(Drive::SortIndex)] {
        let got = walk_pages(f, q, drive).await;
        assert_eq!(got, want, "rows of {q:?} driven by {drive:?}");
    }
    assert_eq!(
        walk_back(f, q).await,
        want,
        "rows of {q:?} read from the end"
    );
    let counts = search::counts(db, f.store, q, NOW).await.unwrap();
    assert_eq!(counts.total, want.len() as i64, "count of {q:?}");
    assert_eq!(
        counts.by_type,
        expected_types(&f.rows, q),
        "type counts of {q:?}"
    );
    assert_eq!(
        search::count(db, f.store, q, NOW).await.unwrap(),
        counts.total
    );
}

fn q() -> CustomerQuery {
    CustomerQuery {
        page_size: 41,
        ..CustomerQuery::default()
    }
}

fn range(min: Option<i64>, max: Option<i64>) -> Range {
    Range { min, max }
}

#[tokio::test]
async fn each_filter_and_sort_alone_matches_the_recomputation() {
    let f = fixture().await;
    let spent: Vec<i64> = f.rows.iter().map(|r| r.total_spent_cents).collect();
    let median_spent = {
        let mut s = spent.clone();
        s.sort();
        s[s.len() / 2]
    };
    let mut cases = vec![q()];
    for key in SortKey::ALL {
        for descending in [false, true] {
            cases.push(CustomerQuery {
                sort: Sort { key, descending },
                ..q()
            });
        }
    }
    for term in [
        "ann",
        "ANN",
        "an",
        "a",
        "zebra",
        "taming int",
        "quokka",
        "example.com",
        "%",
        "_",
        "100% real_",
        "o'b",
        "müller",
        "ånna",
        "=hyperlink",
        "\"x\"",
        "  lee  ",
        "nothing-like-this",
    ] {
        cases.push(CustomerQuery {
            search: term.into(),
            ..q()
        });
    }
    for t in CustomerType::ALL {
        cases.push(CustomerQuery {
            types: vec![t],
            ..q()
        });
    }
    cases.push(CustomerQuery {
        types: vec![CustomerType::Lead, CustomerType::Subscription],
        ..q()
    });
    let mid = NOW - 365 * DAY;
    for r in [
        range(Some(mid), None),
        range(None, Some(mid)),
        range(Some(mid - 90 * DAY), Some(mid)),
    ] {
        cases.push(CustomerQuery { joined: r, ..q() });
        cases.push(CustomerQuery {
            last_activity: r,
            ..q()
        });
    }
    for r in [
        range(Some(1), None),
        range(None, Some(0)),
        range(Some(median_spent), Some(median_spent * 3)),
    ] {
        cases.push(CustomerQuery { spent: r, ..q() });
    }
    for a in [true, false] {
        cases.push(CustomerQuery {
            active_subscription: Some(a),
            ..q()
        });
    }
    for s in [Status::Active, Status::Inactive] {
        cases.push(CustomerQuery {
            status: Some(s),
            ..q()
        });
    }
    for &c in f.courses.iter().take(3).chain(f.courses.last()) {
        cases.push(CustomerQuery {
            course_id: Some(c),
            ..q()
        });
    }
    for &p in f.products.iter().take(2).chain(f.products.last()) {
        cases.push(CustomerQuery {
            product_id: Some(p),
            ..q()
        });
    }
    // Paid in each of the three currencies (the store's USD, the seed's
    // EUR, the fixture's GBP), and sorted by the store's.
    for currency in ["USD", "EUR", "GBP"] {
        cases.push(CustomerQuery {
            currency: Some(currency.into()),
            sort: Sort::parse("-total_spent").unwrap(),
            ..q()
        });
    }
    for case in &cases {
        check(&f, case).await;
    }
    // Every query found something unless it was meant not to.
    let empty: Vec<_> = cases
        .iter()
        .filter(|c| expected_ids(&f.rows, c).is_empty())
        .map(|c| c.search.clone())
        .collect();
    assert!(
        empty
            .iter()
            // "%" and "_" are short terms: no name or email starts with them.
            .all(|s| ["nothing-like-this", "o'b", "müller", "%", "_"].contains(&s.as_str())),
        "unexpectedly empty cases: {empty:?}"
    );
}

#[tokio::test]
async fn combined_filters_match_the_recomputation() {
    let f = fixture().await;
    let mut rng = StdRng::seed_from_u64(7);
    let terms = [
        "",
        "",
        "ann",
        "an",
        "lee",
        "yoga",
        "e",
        "mail.test",
        "zebra",
    ];
    let mut cases = vec![
        CustomerQuery {
            search: "ann".into(),
            types: vec![CustomerType::Paying],
            spent: range(Some(1_000), Some(100_000)),
            sort: Sort::parse("-total_spent").unwrap(),
            ..q()
        },
        CustomerQuery {
            course_id: Some(f.courses[0]),
            status: Some(Status::Active),
            sort: Sort::parse("name").unwrap(),
            ..q()
        },
    ];
    for _ in 0..60 {
        let pick = |rng: &mut StdRng, p: f64| rng.random_bool(p);
        let types: Vec<CustomerType> = CustomerType::ALL
            .into_iter()
            .filter(|_| rng.random_bool(0.3))
            .collect();
        let day = |rng: &mut StdRng| NOW - rng.random_range(0..730) * DAY;
        let (a, b) = (day(&mut rng), day(&mut rng));
        let (c, d) = (day(&mut rng), day(&mut rng));
        let (s1, s2) = (rng.random_range(0..20_000), rng.random_range(0..60_000));
        cases.push(CustomerQuery {
            search: terms[rng.random_range(0..terms.len())].into(),
            types,
            joined: if pick(&mut rng, 0.3) {
                range(Some(a.min(b)), Some(a.max(b)))
            } else {
                Range::default()
            },
            last_activity: if pick(&mut rng, 0.3) {
                range(Some(c.min(d)), None)
            } else {
                Range::default()
            },
            spent: if pick(&mut rng, 0.3) {
                range(Some(s1.min(s2)), Some(s1.max(s2)))
            } else {
                Range::default()
            },
            active_subscription: pick(&mut rng, 0.2).then(|| rng.random_bool(0.5)),
            course_id: pick(&mut rng, 0.2).then(|| f.courses[rng.random_range(0..f.courses.len())]),
            product_id: pick(&mut rng, 0.15)
                .then(|| f.products[rng.random_range(0..f.products.len())]),
            status: pick(&mut rng, 0.3).then(|| {
                if rng.random_bool(0.5) {
                    Status::Active
                } else {
                    Status::Inactive
                }
            }),
            sort: Sort {
                key: SortKey::ALL[rng.random_range(0..4)],
                descending: rng.random_bool(0.5),
            },
            page_size: rng.random_range(7..60),
            ..CustomerQuery::default()
        });
    }
    let mut nonempty = 0;
    for case in &cases {
        check(&f, case).await;
        nonempty += usize::from(!expected_ids(&f.rows, case).is_empty());
    }
    assert!(
        nonempty > 20,
        "only {nonempty} combined cases matched anyone"
    );
}

#[tokio::test]
async fn the_export_walks_the_whole_filtered_set_with_titles() {
    let f = fixture().await;
    let db = &f.database.db;
    for query in [
        CustomerQuery::default(),
        CustomerQuery {
            search: "zebra".into(),
            ..CustomerQuery::default()
        },
        CustomerQuery {
            types: vec![CustomerType::Paying],
            sort: Sort::parse("-total_spent").unwrap(),
            ..CustomerQuery::default()
        },
        CustomerQuery {
            currency: Some("GBP".into()),
            ..CustomerQuery::default()
        },
    ] {
        let mut export = Export::new(db, f.store, &query, NOW).unwrap();
        let mut ids = Vec::new();
        while let Some(batch) = export.next_batch().await.unwrap() {
            for row in batch {
                if query.search == "zebra" {
                    assert!(row.courses.iter().any(|t| t == "Zebra Taming Intensive"));
                }
                // Exactly the courses and products the customer has (kept
                // purchases only), the ones its counts count.
                let oracle = f.rows.iter().find(|r| r.id == row.customer.id).unwrap();
                assert_eq!(
                    (row.courses.len(), row.products.len()),
                    (oracle.courses.len(), oracle.products.len()),
                    "titles of {}",
                    row.customer.id
                );
                for title in row.courses.iter().chain(&row.products) {
                    assert!(oracle.titles.contains(&title.to_lowercase()), "{title}");
                }
                // The CSV's total columns: every currency's net.
                assert_eq!(row.customer.totals, shown_totals(oracle, "USD"));
                ids.push(row.customer.id);
            }
        }
        assert_eq!(ids, expected_ids(&f.rows, &query));
    }
}

#[tokio::test]
async fn stats_details_and_isolation() {
    let f = fixture().await;
    let db = &f.database.db;
    let stats = search::stats(db, f.store).await.unwrap();
    assert_eq!(stats.customers, f.rows.len() as i64);
    assert_eq!(
        stats.by_type,
        expected_types(&f.rows, &CustomerQuery::default())
    );
    let revenue: Vec<(String, i64)> = sqlx::query(
        "SELECT currency, amount_cents FROM purchases \
         WHERE store_id = $1 AND paid_at IS NOT NULL AND refunded_at IS NULL",
    )
    .bind(f.store)
    .fetch_all(db.reader())
    .await
    .unwrap()
    .iter()
    .fold(BTreeMap::<String, i64>::new(), |mut m, row| {
        *m.entry(row.get(0)).or_default() += row.get::<i64, _>(1);
        m
    })
    .into_iter()
    .collect();
    // Every currency, the store's first.
    let mut revenue = revenue;
    revenue.sort_by_key(|(currency, _)| (currency != "USD", currency.clone()));
    assert_eq!(stats.revenue, revenue);
    assert_eq!(
        revenue.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["USD", "EUR", "GBP"]
    );
    assert_eq!(
        search::currencies(db, f.store).await.unwrap(),
        ["USD", "EUR", "GBP"]
    );

    // Details: the hand-made customer with the rare course.
    let zebra = f
        .rows
        .iter()
        .find(|r| r.search_text.contains("100% real_name"))
        .unwrap();
    let details = db::customers::detail::customer_detail(db, f.store, zebra.id, NOW)
        .await
        .unwrap();
    assert_eq!(details.courses.len(), 1);
    assert_eq!(details.courses[0].title, "Zebra Taming Intensive");
    let buyer = f
        .rows
        .iter()
        .find(|r| r.titles.iter().any(|t| t.contains("quokka")))
        .unwrap();
    let details = db::customers::detail::customer_detail(db, f.store, buyer.id, NOW)
        .await
        .unwrap();
    assert_eq!(details.purchases[0].amount_cents, 1_500);

    // Another store's customer is not found; its id is no cursor here.
    let foreign: i64 = sqlx::query_scalar("SELECT id FROM customers WHERE store_id = $1 LIMIT 1")
        .bind(f.other_store)
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert!(matches!(
        db::customers::detail::customer_detail(db, f.store, foreign, NOW).await,
        Err(db::Error::NotFound(_))
    ));
    let page = search::search_page(
        db,
        f.store,
        &CustomerQuery {
            after: Some(foreign),
            ..q()
        },
        NOW,
    )
    .await;
    assert!(matches!(page, Err(db::Error::Invalid { ref field, .. }) if field == "after"));
    // Searches never leak another store's customers.
    let other = oracle_rows(db, f.other_store).await;
    let mine: BTreeSet<i64> = f.rows.iter().map(|r| r.id).collect();
    assert!(other.iter().all(|r| !mine.contains(&r.id)));
    let page = search::search_page(
        db,
        f.other_store,
        &CustomerQuery {
            search: "zebra".into(),
            ..q()
        },
        NOW,
    )
    .await
    .unwrap();
    assert!(page.rows.is_empty());

    // Bad input names its field.
    let bad = search::search_page(
        db,
        f.store,
        &CustomerQuery {
            spent: range(Some(10), Some(5)),
            ..q()
        },
        NOW,
    )
    .await;
    assert!(matches!(bad, Err(db::Error::Invalid { ref field, .. }) if field == "spent_max"));
}

#[tokio::test]
async fn the_search_index_follows_live_changes() {
    let f = fixture().await;
    let db = &f.database.db;
    let find = |term: &'static str| async move {
        search::count(
            db,
            f.store,
            &CustomerQuery {
                search: term.into(),
                ..q()
            },
            NOW,
        )
        .await
        .unwrap()
    };
    assert_eq!(find("zebra").await, 2);
    let rows = |customers: Vec<db::customers::Customer>| {
        customers
            .into_iter()
            .map(|c| (c.id, c.version, c.updated_at, c.search_text))
            .collect::<Vec<_>>()
    };
    let before = rows(db::customers::list_all(db, f.store).await.unwrap());
    // A renamed course renames every customer's match.
    db::facts::apply_batch(
        db,
        f.store,
        &[course("x-c1b", NOW - DAY, "cz1", "Okapi Whispering", 5_000)],
    )
    .await
    .unwrap();
    assert_eq!(find("zebra").await, 0);
    assert_eq!(find("okapi whisp").await, 2);
    // Titles are read through the catalog: the rename wrote no customer row.
    assert_eq!(
        rows(db::customers::list_all(db, f.store).await.unwrap()),
        before
    );
}
