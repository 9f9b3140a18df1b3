//! The platform's people, and which of them each store knows.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{DAY, words};

/// A person of the platform.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// Their platform id (`u<n>`), the same in every store that knows them.
    pub external_id: String,
    pub name: String,
    pub email: Option<String>,
    /// A second platform account of theirs whose email differs only in
    /// case: the same customer.
    pub alias: bool,
}

/// `count` people, a few without email, some keeping capitals in theirs.
pub(crate) fn people(rng: &mut ChaCha8Rng, count: usize, _anchor: i64) -> Vec<Person> {
    (1..=count)
        .map(|n| {
            let first = words::FIRST[rng.random_range(0..words::FIRST.len())];
            let last = words::LAST[rng.random_range(0..words::LAST.len())];
            let email = (!rng.random_ratio(1, 25)).then(|| {
                let local: String = format!("{first}.{last}{n}")
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    + "."
                    + &n.to_string();
                let domain = words::DOMAINS[rng.random_range(0..words::DOMAINS.len())];
                // Some emails keep their capitals: matching ignores case.
                if rng.random_ratio(1, 5) {
                    format!("{local}@{domain}")
                } else {
                    format!("{}@{domain}", local.to_lowercase())
                }
            });
            let alias = email.is_some() && rng.random_ratio(1, 100);
            Person {
                external_id: format!("u{n}"),
                name: format!("{first} {last}"),
                email,
                alias,
            }
        })
        .collect()
}

/// Which people (indexes) each store knows: store 1 the first half, the
/// others an equal share of the rest plus a few of store 1's (people buy
/// from several creators).
pub(crate) fn pools(people: usize, stores: usize) -> Vec<Vec<usize>> {
    let half = if stores == 1 { people } else { people / 2 };
    let rest = people - half;
    let share = if stores > 1 { rest / (stores - 1) } else { 0 };
    (0..stores)
        .map(|s| {
            if s == 0 {
                (0..half).collect()
            } else {
                let from = half + (s - 1) * share;
                let to = if s == stores - 1 {
                    people
                } else {
                    from + share
                };
                let mut pool: Vec<usize> = (from..to).collect();
                let shared = pool.len() / 50;
                pool.extend((0..shared).map(|k| (k * 7919 + s) % half.max(1)));
                pool
            }
        })
        .collect()
}

/// A moment in the two years before `anchor`.
pub(crate) fn within_two_years(rng: &mut ChaCha8Rng, anchor: i64) -> i64 {
    anchor - 730 * DAY + rng.random_range(0..730 * DAY)
}
