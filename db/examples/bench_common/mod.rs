//! What both events benchmarks send: a deterministic mix of enrollments,
//! progress reports and purchases over 20,000 users and 7 courses.

use db::events::{Enrollment, Event, ProgressReport, Purchase, UserRef};

/// The `n`th event of run `run` (runs differ only in their event ids).
pub fn event(run: u64, n: u64) -> Event {
    let u = n % 20_000;
    let user = UserRef {
        id: format!("bench-{u}"),
        email: Some(format!("bench{u}@example.com")),
        name: Some(format!("Bench User {u}")),
    };
    let at = 1_735_689_600_000 + (n as i64) * 10;
    let event_id = format!("bench-{run}-{n}");
    let course_id = format!("bench-course-{}", n % 7);
    match n % 4 {
        0 | 1 => Event::Enrollment(Enrollment {
            event_id,
            occurred_at: at,
            user,
            course_id,
        }),
        2 => Event::Progress(ProgressReport {
            event_id,
            occurred_at: at,
            user,
            course_id,
            progress: (n % 101) as i64,
        }),
        _ => Event::Purchase(Purchase {
            event_id,
            occurred_at: at,
            user,
            purchase_id: format!("bench-{run}-order-{n}"),
            course_id: Some(course_id),
            product_id: None,
            plan_id: None,
            amount_cents: 4_900,
            currency: "USD".into(),
        }),
    }
}
