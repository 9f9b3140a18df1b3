//! THE merge rule: which of a store's identities are one customer, and which
//! id that customer has. Pure functions of the identities' current values, so
//! the result depends only on the set of facts, never on their order.
//!
//! - Identities whose current email (the newest report) normalises to the
//!   same address are one customer; an identity without email is its own.
//! - The customer's id is its anchor's id: the identity whose first fact is
//!   the earliest, ties broken by the smaller platform id (byte-wise).
//!
//! Both the live path (the groups a batch touched) and the backfill (every
//! group of a store) call [`assign`].

use std::collections::HashMap;

/// What the rule reads of an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub external_id: String,
    pub email_normalized: Option<String>,
    pub first_at: i64,
}

impl Member {
    /// Orders anchors: earliest first fact, then smallest platform id.
    fn anchor_key(&self) -> (i64, &[u8]) {
        (self.first_at, self.external_id.as_bytes())
    }
}

/// The customer id of every member: its group's anchor. `members` must hold
/// whole groups (every identity of the store with each email that occurs).
pub fn assign(members: &[Member]) -> HashMap<i64, i64> {
    let mut anchors: HashMap<&str, &Member> = HashMap::new();
    for member in members {
        if let Some(email) = member.email_normalized.as_deref() {
            anchors
                .entry(email)
                .and_modify(|anchor| {
                    if member.anchor_key() < anchor.anchor_key() {
                        *anchor = member;
                    }
                })
                .or_insert(member);
        }
    }
    members
        .iter()
        .map(|member| {
            let customer = match member.email_normalized.as_deref() {
                Some(email) => anchors[email].id,
                None => member.id,
            };
            (member.id, customer)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, external: &str, email: Option<&str>, first_at: i64) -> Member {
        Member {
            id,
            external_id: external.into(),
            email_normalized: email.map(str::to_string),
            first_at,
        }
    }

    #[test]
    fn one_customer_per_email_anchored_at_the_earliest_identity() {
        let members = [
            member(1, "b", Some("ann@x.test"), 20),
            member(2, "a", Some("ann@x.test"), 10),
            member(3, "c", None, 5),
            member(4, "d", Some("bob@x.test"), 7),
        ];
        let assigned = assign(&members);
        assert_eq!(assigned[&1], 2, "the earlier identity anchors");
        assert_eq!(assigned[&2], 2);
        assert_eq!(assigned[&3], 3, "no email: its own customer");
        assert_eq!(assigned[&4], 4);
    }

    #[test]
    fn ties_go_to_the_smaller_platform_id_whatever_the_row_order() {
        let forward = [
            member(7, "Zed", Some("e@x.test"), 10),
            member(8, "alpha", Some("e@x.test"), 10),
        ];
        let mut backward = forward.clone();
        backward.reverse();
        // Byte-wise: "Zed" < "alpha" (uppercase sorts first).
        assert_eq!(assign(&forward)[&8], 7);
        assert_eq!(assign(&backward)[&8], 7);
    }
}
