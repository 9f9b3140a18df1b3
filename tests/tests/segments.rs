//! Segments against a recomputation in plain Rust: random definitions of
//! nested all/any/none groups over every kind of rule, counted and paged by
//! the data layer, must hold exactly the customers the rules select here.
//! Plus what a store may name in a definition, and that a segment is its
//! store's alone. On SQLite and, with TEST_DATABASE=postgres, on Postgres.

use std::collections::{BTreeMap, BTreeSet};

use db::{
    Error,
    customers::{
        filter::{CustomerQuery, CustomerType, Status},
        search,
    },
    segments,
};
use domain::{
    customer::{Consent, SubscriptionStatus},
    segment::{Combine, Condition, Engagement, Group, Progress, Rule, When},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::Row;
use tests::{TestDatabase, events::T0};

const DAY: i64 = 24 * 60 * 60 * 1000;
const NOW: i64 = T0;
const TAGS: [&str; 3] = ["VIP", "webinar", "nobody has this"];

/// One customer with everything a rule can ask of it.
#[derive(Debug, Default)]
struct Person {
    customer_type: String,
    active_subscription: bool,
    spent: i64,
    joined: i64,
    activity: i64,
    has_email: bool,
    email: Option<String>,
    consent: Consent,
    /// Best progress per course.
    courses: BTreeMap<i64, i64>,
    products: BTreeSet<i64>,
    subscriptions: BTreeSet<(String, i64)>,
    tags: BTreeSet<String>,
    /// (campaign, what: received | open | click, when).
    engagement: Vec<(i64, &'static str, i64)>,
}

struct Fixture {
    database: TestDatabase,
    store: i64,
    other_store: i64,
    people: BTreeMap<i64, Person>,
    courses: Vec<i64>,
    products: Vec<i64>,
    plans: Vec<i64>,
    campaigns: Vec<i64>,
}

async fn ids(db: &db::Db, table: &str, store: i64) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE store_id = $1 ORDER BY id"
    ))
    .bind(store)
    .fetch_all(db.reader())
    .await
    .unwrap()
}

async fn fixture() -> Fixture {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let report = devtools::seed::seed(
        db,
        &devtools::seed::SeedOptions {
            seed: 5,
            stores: 2,
            users: 600,
            anchor_ms: Some(NOW),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (store, other_store) = (report.store_ids[0], report.store_ids[1]);
    // Tags: every 7th customer is VIP, every 5th went to the webinar.
    for customer in db::customers::list_all(db, store).await.unwrap() {
        for (every, tag) in [(7, TAGS[0]), (5, TAGS[1])] {
            if customer.id % every == 0 {
                db::customers::tags::add_tag(db, store, customer.id, None, tag, NOW)
                    .await
                    .unwrap();
            }
        }
    }
    // Some tagged customers then merge with an older platform id of the
    // same email, which becomes their anchor: their tags and facts now sit
    // on an identity merged into another customer's id.
    let tagged: Vec<_> = db::customers::list_all(db, store)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.id % 7 == 0 && c.email.is_some())
        .take(8)
        .collect();
    for (i, customer) in tagged.iter().enumerate() {
        let person = tests::events::user(&format!("merge-{i}"), customer.email.as_deref(), None);
        let older =
            tests::events::lead(&format!("merge-{i}"), NOW - 4_000 * DAY, person, "old list");
        db::facts::apply_batch(db, store, &[older]).await.unwrap();
    }
    let merged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM customer_tags ct JOIN identities i ON i.id = ct.identity_id \
         WHERE ct.store_id = $1 AND i.customer_id <> i.id",
    )
    .bind(store)
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert!(merged >= 8, "tags on merged identities: {merged}");
    let campaigns = sent_campaigns(db, store).await;
    let people = people(db, store).await;
    assert!(
        people.values().any(|p| !p.engagement.is_empty())
            && people.values().any(|p| p.engagement.is_empty()),
        "some customers received campaigns, some did not"
    );
    assert!(people.len() >= 300, "{} customers", people.len());
    Fixture {
        courses: ids(db, "courses", store).await,
        products: ids(db, "products", store).await,
        plans: ids(db, "plans", store).await,
        campaigns,
        database,
        store,
        other_store,
        people,
    }
}

/// Two sent campaigns with messages and what recipients did, written as
/// rows: deliveries and bounces, opens and clicks over 60 days. Some
/// messages went to identities that merged into another customer since
/// (their id is no longer a customer's): they count for that customer.
async fn sent_campaigns(db: &db::Db, store: i64) -> Vec<i64> {
    let mut rng = StdRng::seed_from_u64(17);
    let mut campaigns = Vec::new();
    for name in ["Spring sale", "Welcome back"] {
        let input = db::campaigns::CampaignInput {
            name: name.into(),
            subject: name.into(),
            sender_name: "Store".into(),
            body: "Hello".into(),
            segment_id: None,
        };
        let id = db::campaigns::create(db, store, &input, NOW - 90 * DAY)
            .await
            .unwrap();
        sqlx::query("UPDATE campaigns SET status = 'sent' WHERE id = $1")
            .bind(id)
            .execute(db.writer())
            .await
            .unwrap();
        campaigns.push(id);
    }
    let identities: Vec<(i64, String)> = sqlx::query(
        "SELECT i.id, c.email_normalized FROM identities i \
         JOIN customers c ON c.store_id = i.store_id AND c.id = i.customer_id \
         WHERE i.store_id = $1 AND c.email_normalized IS NOT NULL ORDER BY i.id",
    )
    .bind(store)
    .fetch_all(db.reader())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect();
    let mut tx = db.writer().begin().await.unwrap();
    for &campaign in &campaigns {
        for (identity, email) in &identities {
            if !rng.random_bool(0.6) {
                continue;
            }
            let sent_at = NOW - rng.random_range(0..60) * DAY - rng.random_range(0..DAY);
            let status = if rng.random_bool(0.9) {
                "sent"
            } else {
                "bounced"
            };
            let message: i64 = sqlx::query_scalar(
                "INSERT INTO campaign_messages (store_id, campaign_id, customer_id, email, \
                 email_normalized, status, next_attempt_at, sent_at) \
                 VALUES ($1, $2, $3, $4, $4, $5, 0, $6) RETURNING id",
            )
            .bind(store)
            .bind(campaign)
            .bind(identity)
            .bind(email)
            .bind(status)
            .bind((status == "sent").then_some(sent_at))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            if status != "sent" {
                continue;
            }
            let opened = rng.random_bool(0.5);
            let clicked = rng.random_bool(0.3);
            for (kind, happened) in [("open", opened), ("click", clicked)] {
                if !happened {
                    continue;
                }
                let at = sent_at + rng.random_range(0..20) * DAY;
                sqlx::query(
                    "INSERT INTO campaign_events (store_id, campaign_id, message_id, \
                     customer_id, kind, at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(store)
                .bind(campaign)
                .bind(message)
                .bind(identity)
                .bind(kind)
                .bind(at)
                .execute(&mut *tx)
                .await
                .unwrap();
            }
        }
    }
    tx.commit().await.unwrap();
    let on_merged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_messages m JOIN identities i \
         ON i.store_id = m.store_id AND i.id = m.customer_id \
         WHERE m.store_id = $1 AND i.customer_id <> i.id",
    )
    .bind(store)
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert!(on_merged > 0, "messages to identities merged since");
    campaigns
}

/// The store's customers, read as plain rows; who is who by the merge rule
/// computed in `tests::oracle`, not by the database's `customer_id`.
async fn people(db: &db::Db, store: i64) -> BTreeMap<i64, Person> {
    let pool = db.reader();
    let customer_of = tests::oracle::groups(db, store).await;
    let mut people: BTreeMap<i64, Person> = db::customers::list_all(db, store)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                c.id,
                Person {
                    customer_type: c.customer_type,
                    active_subscription: c.has_active_subscription,
                    spent: c.total_spent_cents,
                    joined: c.joined_at,
                    activity: c.last_activity_at,
                    has_email: c.email_normalized.is_some(),
                    email: c.email_normalized.clone(),
                    consent: Consent::NotAsked,
                    ..Person::default()
                },
            )
        })
        .collect();
    let rows = |sql: &'static str| async move {
        sqlx::query(sql).bind(store).fetch_all(pool).await.unwrap()
    };
    for row in
        rows("SELECT identity_id, course_id, progress FROM enrollments WHERE store_id = $1").await
    {
        let person = people.get_mut(&customer_of[&row.get::<i64, _>(0)]).unwrap();
        let best = person.courses.entry(row.get(1)).or_insert(0);
        *best = (*best).max(row.get(2));
    }
    for row in rows(
        "SELECT identity_id, product_id FROM purchases WHERE store_id = $1 \
         AND product_id IS NOT NULL AND paid_at IS NOT NULL AND refunded_at IS NULL",
    )
    .await
    {
        let person = people.get_mut(&customer_of[&row.get::<i64, _>(0)]).unwrap();
        person.products.insert(row.get(1));
    }
    for row in
        rows("SELECT identity_id, status, plan_id FROM subscriptions WHERE store_id = $1").await
    {
        let person = people.get_mut(&customer_of[&row.get::<i64, _>(0)]).unwrap();
        person.subscriptions.insert((row.get(1), row.get(2)));
    }
    for row in rows(
        "SELECT ct.identity_id, t.name_normalized FROM customer_tags ct \
         JOIN tags t ON t.id = ct.tag_id WHERE ct.store_id = $1",
    )
    .await
    {
        let person = people.get_mut(&customer_of[&row.get::<i64, _>(0)]).unwrap();
        person.tags.insert(row.get(1));
    }
    for row in rows(
        "SELECT customer_id, campaign_id, sent_at FROM campaign_messages \
         WHERE store_id = $1 AND status = 'sent'",
    )
    .await
    {
        let person = people.get_mut(&customer_of[&row.get::<i64, _>(0)]).unwrap();
        person.engagement.push((row.get(1), "received", row.get(2)));
    }
    for row in
        rows("SELECT customer_id, campaign_id, kind, at FROM campaign_events WHERE store_id = $1")
            .await
    {
        let person = people.get_mut(&customer_of[&row.get::<i64, _>(0)]).unwrap();
        let kind = match row.get::<String, _>(2).as_str() {
            "open" => "open",
            _ => "click",
        };
        person.engagement.push((row.get(1), kind, row.get(3)));
    }
    let consents: BTreeMap<String, String> =
        rows("SELECT email_normalized, consent FROM email_consents WHERE store_id = $1")
            .await
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
    for person in people.values_mut() {
        if let Some(word) = person.email.as_ref().and_then(|e| consents.get(e)) {
            person.consent = Consent::parse("consent", word).unwrap();
        }
    }
    assert!(
        people.values().any(|p| p.consent == Consent::Subscribed)
            && people.values().any(|p| p.consent == Consent::Unsubscribed),
        "the seed gives some customers consent and some unsubscribe"
    );
    people
}

fn holds(p: &Person, group: &Group) -> bool {
    let mut results = group.rules.iter().map(|rule| match rule {
        Rule::Group(inner) => holds(p, inner),
        Rule::Condition(c) => meets(p, c),
    });
    match group.combine {
        Combine::All => results.all(|r| r),
        Combine::Any => results.any(|r| r),
        Combine::None => !results.any(|r| r),
    }
}

fn when(at: i64, when: &When) -> bool {
    match *when {
        When::Between { from, to } => from.is_none_or(|f| at >= f) && to.is_none_or(|t| at <= t),
        When::MoreThanDaysAgo(days) => at < NOW - i64::from(days) * DAY,
        When::WithinDays(days) => at >= NOW - i64::from(days) * DAY,
    }
}

fn meets(p: &Person, c: &Condition) -> bool {
    match c {
        Condition::Type { is } => p.customer_type == is.as_str(),
        Condition::Status { is } => {
            let active = p.active_subscription || p.activity >= NOW - 90 * DAY;
            (*is == Status::Active) == active
        }
        Condition::TotalSpent { min, max } => {
            min.is_none_or(|m| p.spent >= m) && max.is_none_or(|m| p.spent <= m)
        }
        Condition::Joined { when: w } => when(p.joined, w),
        Condition::LastActivity { when: w } => when(p.activity, w),
        Condition::Enrolled { course, progress } => p
            .courses
            .iter()
            .filter(|(id, _)| course.is_none_or(|c| c == **id))
            .any(|(_, best)| match progress {
                None => true,
                Some(Progress::Below(n)) => *best < i64::from(*n),
                Some(Progress::AtLeast(n)) => *best >= i64::from(*n),
            }),
        Condition::Completed { course } => p
            .courses
            .iter()
            .any(|(id, best)| course.is_none_or(|c| c == *id) && *best == 100),
        Condition::Bought { product } => match product {
            Some(id) => p.products.contains(id),
            None => !p.products.is_empty(),
        },
        Condition::Subscription { status, plan } => p.subscriptions.iter().any(|(s, pl)| {
            status.is_none_or(|st| st.as_str() == s) && plan.is_none_or(|x| x == *pl)
        }),
        Condition::Tag { name, has } => p.tags.contains(&name.to_lowercase()) == *has,
        Condition::HasEmail { has } => p.has_email == *has,
        Condition::Consent { is } => p.consent == *is,
        Condition::Engagement {
            action,
            campaign,
            within_days,
            did,
        } => {
            let kinds: &[&str] = match action {
                Engagement::Received => &["received"],
                Engagement::Opened => &["open", "click"],
                Engagement::Clicked => &["click"],
            };
            let since = within_days.map_or(i64::MIN, |d| NOW - i64::from(d) * DAY);
            p.engagement.iter().any(|(c, kind, at)| {
                campaign.is_none_or(|x| x == *c) && kinds.contains(kind) && *at >= since
            }) == *did
        }
    }
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn random_condition(rng: &mut StdRng, f: &Fixture) -> Condition {
    let some = |rng: &mut StdRng, ids: &[i64]| rng.random_bool(0.6).then(|| pick(rng, ids));
    let moment = |rng: &mut StdRng| match rng.random_range(0..3) {
        0 => When::MoreThanDaysAgo(pick(rng, &[7, 30, 90, 365])),
        1 => When::WithinDays(pick(rng, &[7, 30, 90, 365])),
        _ => When::Between {
            from: rng
                .random_bool(0.7)
                .then(|| NOW - rng.random_range(0..400) * DAY),
            to: Some(NOW - rng.random_range(0..200) * DAY),
        }
        .normalised(),
    };
    match rng.random_range(0..13) {
        0 => Condition::Type {
            is: pick(rng, &CustomerType::ALL),
        },
        1 => Condition::Status {
            is: pick(rng, &Status::ALL),
        },
        2 => {
            let min = rng.random_range(0..20_000);
            Condition::TotalSpent {
                min: Some(min),
                max: rng
                    .random_bool(0.5)
                    .then(|| min + rng.random_range(0..50_000)),
            }
        }
        3 => Condition::Joined { when: moment(rng) },
        4 => Condition::LastActivity { when: moment(rng) },
        5 => Condition::Enrolled {
            course: some(rng, &f.courses),
            progress: match rng.random_range(0..3) {
                0 => None,
                1 => Some(Progress::Below(pick(rng, &[1, 25, 50, 100]))),
                _ => Some(Progress::AtLeast(pick(rng, &[0, 50, 75, 100]))),
            },
        },
        6 => Condition::Completed {
            course: some(rng, &f.courses),
        },
        7 => Condition::Bought {
            product: some(rng, &f.products),
        },
        8 => Condition::Subscription {
            status: rng
                .random_bool(0.6)
                .then(|| pick(rng, SubscriptionStatus::ALL)),
            plan: some(rng, &f.plans),
        },
        9 => Condition::Tag {
            name: pick(rng, &TAGS).to_uppercase(),
            has: rng.random_bool(0.5),
        },
        10 => Condition::HasEmail {
            has: rng.random_bool(0.8),
        },
        11 => Condition::Consent {
            is: pick(rng, Consent::ALL),
        },
        _ => Condition::Engagement {
            action: pick(rng, &Engagement::ALL),
            campaign: some(rng, &f.campaigns),
            within_days: rng.random_bool(0.6).then(|| pick(rng, &[7, 30, 45])),
            did: rng.random_bool(0.5),
        },
    }
}

trait Normalised {
    fn normalised(self) -> Self;
}

impl Normalised for When {
    /// A `between` whose ends are in order.
    fn normalised(self) -> When {
        match self {
            When::Between {
                from: Some(from),
                to: Some(to),
            } if from > to => When::Between {
                from: Some(to),
                to: Some(from),
            },
            other => other,
        }
    }
}

fn random_group(rng: &mut StdRng, f: &Fixture, depth: usize) -> Group {
    let combine = pick(rng, &Combine::ALL);
    let rules = (0..rng.random_range(1..=3))
        .map(|_| {
            if depth < 3 && rng.random_bool(0.3) {
                Rule::Group(random_group(rng, f, depth + 1))
            } else {
                Rule::Condition(random_condition(rng, f))
            }
        })
        .collect();
    Group { combine, rules }
}

fn expected(f: &Fixture, group: &Group, types: &[CustomerType]) -> BTreeSet<i64> {
    f.people
        .iter()
        .filter(|(_, p)| holds(p, group))
        .filter(|(_, p)| types.is_empty() || types.iter().any(|t| t.as_str() == p.customer_type))
        .map(|(id, _)| *id)
        .collect()
}

/// Every id of the list for `query`, page after page.
async fn walk(f: &Fixture, mut query: CustomerQuery) -> BTreeSet<i64> {
    query.page_size = 200;
    let mut seen = BTreeSet::new();
    loop {
        let page = search::search_page(&f.database.db, f.store, &query, NOW)
            .await
            .unwrap();
        for row in &page.rows {
            assert!(seen.insert(row.id), "customer {} listed twice", row.id);
        }
        match page.next_cursor {
            Some(cursor) => query.after = Some(cursor),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn random_segments_hold_exactly_whom_their_rules_select() {
    let f = fixture().await;
    let db = &f.database.db;
    let mut rng = StdRng::seed_from_u64(16);
    let (mut empty, mut everyone) = (0, 0);
    for case in 0..120 {
        let group = random_group(&mut rng, &f, 1);
        let want = expected(&f, &group, &[]);
        let counts = segments::count(db, f.store, &group, NOW).await.unwrap();
        assert_eq!(
            counts.total as usize,
            want.len(),
            "case {case}: count of {}",
            serde_json::to_string(&group).unwrap()
        );
        // Every fourth case is also paged, and narrowed by a type chip.
        if case % 4 == 0 {
            let query = CustomerQuery {
                segment: Some(group.clone()),
                ..CustomerQuery::default()
            };
            assert_eq!(walk(&f, query.clone()).await, want, "case {case}: pages");
            let narrowed = CustomerQuery {
                types: vec![CustomerType::Lead],
                ..query
            };
            assert_eq!(
                walk(&f, narrowed).await,
                expected(&f, &group, &[CustomerType::Lead]),
                "case {case}: narrowed to leads"
            );
        }
        empty += usize::from(want.is_empty());
        everyone += usize::from(want.len() == f.people.len());
    }
    // The cases are worth something: most select some but not all.
    assert!(
        empty < 50 && everyone < 50,
        "{empty} empty, {everyone} everyone"
    );
}

#[tokio::test]
async fn the_issues_segment_and_its_parts_count_right() {
    let f = fixture().await;
    let db = &f.database.db;
    // The benchmark's segment: inactive leads 30 days, in a course below
    // half or tagged VIP.
    let course = f.courses[0];
    let group = Group {
        combine: Combine::All,
        rules: vec![
            Rule::Condition(Condition::LastActivity {
                when: When::MoreThanDaysAgo(30),
            }),
            Rule::Condition(Condition::Type {
                is: CustomerType::Lead,
            }),
            Rule::Group(Group {
                combine: Combine::Any,
                rules: vec![
                    Rule::Condition(Condition::Enrolled {
                        course: Some(course),
                        progress: Some(Progress::Below(50)),
                    }),
                    Rule::Condition(Condition::Tag {
                        name: "vip".into(),
                        has: true,
                    }),
                ],
            }),
            Rule::Condition(Condition::Engagement {
                action: Engagement::Opened,
                campaign: None,
                within_days: Some(30),
                did: false,
            }),
        ],
    };
    let want = expected(&f, &group, &[]);
    assert!(!want.is_empty(), "the fixture has such leads");
    let counts = segments::count(db, f.store, &group, NOW).await.unwrap();
    assert_eq!(counts.total as usize, want.len());
    assert_eq!(counts.by_type.lead as usize, want.len());
    // An empty definition is everyone; an empty "any" nobody.
    let everyone = segments::count(db, f.store, &Group::default(), NOW)
        .await
        .unwrap();
    assert_eq!(everyone.total as usize, f.people.len());
}

#[tokio::test]
async fn a_segment_is_its_stores_alone() {
    let f = fixture().await;
    let db = &f.database.db;
    let group = Group {
        combine: Combine::All,
        rules: vec![Rule::Condition(Condition::Type {
            is: CustomerType::Lead,
        })],
    };
    let id = segments::save(db, f.store, None, " Leads ", &group, None, NOW)
        .await
        .unwrap();
    let saved = segments::get(db, f.store, id).await.unwrap();
    assert_eq!((saved.name.as_str(), &saved.definition), ("Leads", &group));
    // Another store cannot read, change or delete it, nor see it listed.
    assert!(matches!(
        segments::get(db, f.other_store, id).await,
        Err(Error::NotFound("segment"))
    ));
    assert!(matches!(
        segments::save(db, f.other_store, Some(id), "Mine", &group, None, NOW).await,
        Err(Error::NotFound("segment"))
    ));
    assert!(matches!(
        segments::delete(db, f.other_store, id).await,
        Err(Error::NotFound("segment"))
    ));
    assert!(segments::list(db, f.other_store).await.unwrap().is_empty());
    assert_eq!(segments::list(db, f.store).await.unwrap().len(), 1);
    // A rule naming another store's course is refused, naming the rule.
    let foreign = ids(db, "courses", f.other_store).await[0];
    let bad = Group {
        combine: Combine::All,
        rules: vec![
            Rule::Condition(Condition::HasEmail { has: true }),
            Rule::Group(Group {
                combine: Combine::Any,
                rules: vec![Rule::Condition(Condition::Completed {
                    course: Some(foreign),
                })],
            }),
        ],
    };
    match segments::count(db, f.store, &bad, NOW).await {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "rule 2.1");
            assert!(message.contains("no course"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Names are unique in the store, ignoring case; renaming keeps the id.
    match segments::save(db, f.store, None, "LEADS", &group, None, NOW).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "name"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let same = segments::save(
        db,
        f.store,
        Some(id),
        "leads, renamed",
        &group,
        None,
        NOW + 1,
    )
    .await
    .unwrap();
    assert_eq!(same, id);
    assert_eq!(
        segments::get(db, f.store, id).await.unwrap().updated_at,
        NOW + 1
    );
    // The other store's own segment of the same name is its own.
    segments::save(db, f.other_store, None, "Leads", &group, None, NOW)
        .await
        .unwrap();
    segments::delete(db, f.store, id).await.unwrap();
    assert!(segments::list(db, f.store).await.unwrap().is_empty());
    assert_eq!(segments::list(db, f.other_store).await.unwrap().len(), 1);
}
