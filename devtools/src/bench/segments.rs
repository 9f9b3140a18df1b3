//! `server bench segments`: a segment's live count (what the builder shows
//! as the owner edits) and its first page, through the data layer's own
//! functions, on the biggest store. The issue's segment: last activity more
//! than 30 days ago AND lead AND (enrolled in the biggest course below 50 %
//! OR tagged VIP) AND not opened any campaign in 30 days. Run `server bench
//! campaigns` first: it sends a campaign and records opens, so the
//! engagement rule reads real rows.

use std::time::{Duration, Instant};

use anyhow::Context;
use db::{
    Db,
    customers::{filter::CustomerQuery, search, tags},
    segments,
};
use domain::{
    customer::{CustomerType, SubscriptionStatus},
    segment::{Combine, Condition, Engagement, Group, Progress, Rule, When},
};

use super::http::percentile;

pub struct SegmentsOptions {
    pub store: Option<i64>,
    pub iterations: usize,
    pub warmup: usize,
}

fn all(rules: Vec<Rule>) -> Group {
    Group {
        combine: Combine::All,
        rules,
    }
}

fn rule(condition: Condition) -> Rule {
    Rule::Condition(condition)
}

pub async fn run(db: &Db, options: &SegmentsOptions) -> anyhow::Result<()> {
    let store = match options.store {
        Some(store) => store,
        None => super::events::biggest_store(db)
            .await?
            .context("no store: seed first (server seed --stores 20 --users 400000)")?,
    };
    let now = db::time::now_ms();
    let (course, enrolled) = super::events::biggest_course(db, store).await?;
    let course = course.id;
    // The seed tags no one: tag the customers a common search finds, once,
    // through bulk tagging (the owner's own path).
    let vip = CustomerQuery {
        tag: Some("VIP".into()),
        ..CustomerQuery::default()
    };
    if search::count(db, store, &vip, now).await? == 0 {
        let ann = CustomerQuery {
            search: "ann".into(),
            ..CustomerQuery::default()
        };
        tags::bulk_tag(db, store, &ann, None, "VIP", now).await?;
    }
    let tagged = search::count(db, store, &vip, now).await?;
    let customers = search::count(db, store, &CustomerQuery::default(), now).await?;
    let opened = segments::count(
        db,
        store,
        &all(vec![rule(Condition::Engagement {
            action: Engagement::Opened,
            campaign: None,
            within_days: Some(30),
            did: true,
        })]),
        now,
    )
    .await?
    .total;
    println!(
        "store {store}: {customers} customers; course {course} has {enrolled}; {tagged} tagged VIP; \
         {opened} opened a campaign within 30 days"
    );

    let issue = all(vec![
        rule(Condition::LastActivity {
            when: When::MoreThanDaysAgo(30),
        }),
        rule(Condition::Type {
            is: CustomerType::Lead,
        }),
        Rule::Group(Group {
            combine: Combine::Any,
            rules: vec![
                rule(Condition::Enrolled {
                    course: Some(course),
                    progress: Some(Progress::Below(50)),
                }),
                rule(Condition::Tag {
                    name: "VIP".into(),
                    has: true,
                }),
            ],
        }),
        rule(Condition::Engagement {
            action: Engagement::Opened,
            campaign: None,
            within_days: Some(30),
            did: false,
        }),
    ]);
    let cases = [
        ("the issue's segment (with not opened in 30 days)", issue),
        (
            "completed any course, not VIP",
            all(vec![
                rule(Condition::Completed { course: None }),
                rule(Condition::Tag {
                    name: "VIP".into(),
                    has: false,
                }),
            ]),
        ),
        (
            "cancelled subscription or spent >= $100 within 90 days",
            Group {
                combine: Combine::Any,
                rules: vec![
                    rule(Condition::Subscription {
                        status: Some(SubscriptionStatus::Cancelled),
                        plan: None,
                    }),
                    Rule::Group(all(vec![
                        rule(Condition::TotalSpent {
                            min: Some(10_000),
                            max: None,
                        }),
                        rule(Condition::LastActivity {
                            when: When::WithinDays(90),
                        }),
                    ])),
                ],
            },
        ),
    ];
    println!(
        "{:<58} {:>9} {:>22} {:>22}",
        "segment", "members", "count p50/p95/p99 ms", "page p50/p95/p99 ms"
    );
    for (name, group) in cases {
        let query = CustomerQuery {
            segment: Some(group.clone()),
            ..CustomerQuery::default()
        };
        let mut counts = Vec::with_capacity(options.iterations);
        let mut pages = Vec::with_capacity(options.iterations);
        let mut members = 0;
        for i in 0..options.warmup + options.iterations {
            let started = Instant::now();
            members = segments::count(db, store, &group, now).await?.total;
            let counted = started.elapsed();
            let started = Instant::now();
            search::search_page(db, store, &query, now).await?;
            let paged = started.elapsed();
            if i >= options.warmup {
                counts.push(counted);
                pages.push(paged);
            }
        }
        println!(
            "{name:<58} {members:>9} {:>22} {:>22}",
            figures(counts),
            figures(pages)
        );
    }
    Ok(())
}

fn figures(mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!(
        "{:.1} / {:.1} / {:.1}",
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        percentile(&samples, 99.0)
    )
}
