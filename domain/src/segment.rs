//! A segment's definition: rules in nested groups, each group matching all,
//! any or none of its rules. Membership is computed when read (the data
//! layer turns a definition into one SQL condition), never stored, so a
//! segment is always current. The JSON form is what the database keeps and
//! what the builder sends:
//!
//! ```json
//! {"match": "all", "rules": [
//!   {"condition": {"field": "last_activity", "when": {"more_than_days_ago": 30}}},
//!   {"condition": {"field": "type", "is": "lead"}},
//!   {"group": {"match": "any", "rules": [
//!     {"condition": {"field": "enrolled", "course": 7, "progress": {"below": 50}}},
//!     {"condition": {"field": "tag", "name": "VIP", "has": true}}]}},
//!   {"condition": {"field": "engagement", "action": "opened",
//!                  "within_days": 30, "did": false}}]}
//! ```

use serde::{Deserialize, Serialize};

use crate::{
    Invalid,
    customer::{Consent, CustomerType, Status, SubscriptionStatus},
};

/// Groups inside groups, the top one counted as level 1.
pub const MAX_DEPTH: usize = 4;
/// Rules in a whole definition, groups included.
pub const MAX_RULES: usize = 40;
/// The longest relative window, in days (100 years).
pub const MAX_DAYS: u32 = 36_500;
/// The longest tag name (the tags' own limit).
pub const MAX_TAG_CHARS: usize = 50;
/// The longest segment name.
pub const MAX_NAME_CHARS: usize = 100;

/// How a group combines its rules. An empty group matches everyone
/// (`all`, `none`) or no one (`any`), as logic says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    All,
    Any,
    None,
}

impl Combine {
    pub const ALL: [Combine; 3] = [Combine::All, Combine::Any, Combine::None];

    pub const fn as_str(self) -> &'static str {
        match self {
            Combine::All => "all",
            Combine::Any => "any",
            Combine::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Group {
    #[serde(rename = "match")]
    pub combine: Combine,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

impl Default for Group {
    fn default() -> Group {
        Group {
            combine: Combine::All,
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Group(Group),
    Condition(Condition),
}

/// One test of a customer. Ids are the store's own (courses, products,
/// plans); `None` means any.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Condition {
    Type {
        is: CustomerType,
    },
    Status {
        is: Status,
    },
    /// Net spent in the store's currency, in cents, both ends inclusive.
    TotalSpent {
        min: Option<i64>,
        max: Option<i64>,
    },
    Joined {
        when: When,
    },
    LastActivity {
        when: When,
    },
    /// Enrolled in a course (or any), optionally with the progress in it.
    Enrolled {
        course: Option<i64>,
        progress: Option<Progress>,
    },
    /// Finished a course (or any): progress 100.
    Completed {
        course: Option<i64>,
    },
    /// Bought a product (or any) and kept it (not refunded).
    Bought {
        product: Option<i64>,
    },
    /// Has a subscription in this state (or any) on this plan (or any).
    Subscription {
        status: Option<SubscriptionStatus>,
        plan: Option<i64>,
    },
    /// Carries (or does not carry) the store's tag of this name, any case.
    Tag {
        name: String,
        has: bool,
    },
    HasEmail {
        has: bool,
    },
    /// The email consent of the customer's address (not asked: no report,
    /// or no email).
    Consent {
        is: Consent,
    },
    /// What the customer did (`did`) or did not do with the store's
    /// campaigns: received, opened or clicked one (`campaign`) or any, and,
    /// for any, optionally only within the last `within_days`.
    Engagement {
        action: Engagement,
        campaign: Option<i64>,
        within_days: Option<u32>,
        did: bool,
    },
}

/// What a recipient did with a campaign. A click counts as an open too:
/// mail programs that hide images never load the pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engagement {
    /// A message was delivered to the recipient's server.
    Received,
    Opened,
    Clicked,
}

impl Engagement {
    pub const ALL: [Engagement; 3] = [
        Engagement::Received,
        Engagement::Opened,
        Engagement::Clicked,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Engagement::Received => "received",
            Engagement::Opened => "opened",
            Engagement::Clicked => "clicked",
        }
    }
}

/// When a moment (joined, last activity) was: between two instants (unix
/// ms, inclusive, either end open), or relative to the moment of reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    Between { from: Option<i64>, to: Option<i64> },
    MoreThanDaysAgo(u32),
    WithinDays(u32),
}

/// A course's progress in percent: below N, or at least N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Below(u8),
    AtLeast(u8),
}

impl Condition {
    /// The name the builder and the JSON use.
    pub const fn field(&self) -> &'static str {
        match self {
            Condition::Type { .. } => "type",
            Condition::Status { .. } => "status",
            Condition::TotalSpent { .. } => "total_spent",
            Condition::Joined { .. } => "joined",
            Condition::LastActivity { .. } => "last_activity",
            Condition::Enrolled { .. } => "enrolled",
            Condition::Completed { .. } => "completed",
            Condition::Bought { .. } => "bought",
            Condition::Subscription { .. } => "subscription",
            Condition::Tag { .. } => "tag",
            Condition::HasEmail { .. } => "has_email",
            Condition::Consent { .. } => "consent",
            Condition::Engagement { .. } => "engagement",
        }
    }

    fn check(&self) -> Result<(), String> {
        let positive = |what: &str, id: Option<i64>| match id {
            Some(id) if id <= 0 => Err(format!("{what} must be a positive id")),
            _ => Ok(()),
        };
        match self {
            Condition::Type { .. }
            | Condition::Status { .. }
            | Condition::HasEmail { .. }
            | Condition::Consent { .. } => Ok(()),
            Condition::TotalSpent { min, max } => {
                if min.is_none() && max.is_none() {
                    return Err("give a lowest or a highest amount".into());
                }
                if min.is_some_and(|v| v < 0) || max.is_some_and(|v| v < 0) {
                    return Err("amounts must not be negative".into());
                }
                match (min, max) {
                    (Some(min), Some(max)) if min > max => {
                        Err("the lowest amount is above the highest".into())
                    }
                    _ => Ok(()),
                }
            }
            Condition::Joined { when } | Condition::LastActivity { when } => when.check(),
            Condition::Enrolled { course, progress } => {
                positive("course", *course)?;
                match progress {
                    Some(Progress::Below(n)) if !(1..=100).contains(n) => {
                        Err("progress below must be between 1 and 100".into())
                    }
                    Some(Progress::AtLeast(n)) if *n > 100 => {
                        Err("progress at least must be between 0 and 100".into())
                    }
                    _ => Ok(()),
                }
            }
            Condition::Completed { course } => positive("course", *course),
            Condition::Engagement {
                campaign,
                within_days,
                ..
            } => {
                positive("campaign", *campaign)?;
                match within_days {
                    Some(days) if !(1..=MAX_DAYS).contains(days) => {
                        Err(format!("days must be between 1 and {MAX_DAYS}"))
                    }
                    _ => Ok(()),
                }
            }
            Condition::Bought { product } => positive("product", *product),
            Condition::Subscription { plan, .. } => positive("plan", *plan),
            Condition::Tag { name, .. } => {
                let name = name.trim();
                if name.is_empty() {
                    Err("name the tag".into())
                } else if name.chars().count() > MAX_TAG_CHARS {
                    Err(format!("a tag has at most {MAX_TAG_CHARS} characters"))
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl When {
    fn check(&self) -> Result<(), String> {
        match *self {
            When::Between {
                from: None,
                to: None,
            } => Err("give a first or a last date".into()),
            When::Between {
                from: Some(from),
                to: Some(to),
            } if from > to => Err("the first date is after the last".into()),
            When::Between { .. } => Ok(()),
            When::MoreThanDaysAgo(days) | When::WithinDays(days) => {
                if (1..=MAX_DAYS).contains(&days) {
                    Ok(())
                } else {
                    Err(format!("days must be between 1 and {MAX_DAYS}"))
                }
            }
        }
    }
}

impl Group {
    /// Checks the whole definition; the first problem names its rule by
    /// position (`rule 2.1`: the first rule of the top group's second rule).
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut count = 0;
        self.check(&mut Vec::new(), &mut count)
    }

    fn check(&self, path: &mut Vec<usize>, count: &mut usize) -> Result<(), Invalid> {
        if path.len() >= MAX_DEPTH {
            return Err(Invalid::new(
                rule_name(path),
                format!("groups nest at most {MAX_DEPTH} deep"),
            ));
        }
        if !path.is_empty() && self.rules.is_empty() {
            return Err(Invalid::new(rule_name(path), "this group has no rules"));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            path.push(i + 1);
            *count += 1;
            if *count > MAX_RULES {
                return Err(Invalid::new(
                    rule_name(path),
                    format!("a segment has at most {MAX_RULES} rules"),
                ));
            }
            match rule {
                Rule::Group(group) => group.check(path, count)?,
                Rule::Condition(condition) => condition.check().map_err(|message| {
                    Invalid::new(rule_name(path), format!("{}: {message}", condition.field()))
                })?,
            }
            path.pop();
        }
        Ok(())
    }

    /// Every condition, depth first, with its rule name.
    pub fn conditions(&self) -> Vec<(String, &Condition)> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect<'a>(&'a self, path: &mut Vec<usize>, out: &mut Vec<(String, &'a Condition)>) {
        for (i, rule) in self.rules.iter().enumerate() {
            path.push(i + 1);
            match rule {
                Rule::Group(group) => group.collect(path, out),
                Rule::Condition(condition) => out.push((rule_name(path), condition)),
            }
            path.pop();
        }
    }
}

/// `rule 2.1`, or `segment` for the top group.
fn rule_name(path: &[usize]) -> String {
    if path.is_empty() {
        return "segment".into();
    }
    let parts: Vec<String> = path.iter().map(usize::to_string).collect();
    format!("rule {}", parts.join("."))
}

/// A segment's name: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no
/// control characters.
pub fn check_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Invalid::new("name", "give the segment a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Invalid::new(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new("name", "must not contain control characters"));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(c: Condition) -> Rule {
        Rule::Condition(c)
    }

    fn group(combine: Combine, rules: Vec<Rule>) -> Rule {
        Rule::Group(Group { combine, rules })
    }

    #[test]
    fn the_documented_json_is_a_definition() {
        let json = r#"{"match": "all", "rules": [
          {"condition": {"field": "last_activity", "when": {"more_than_days_ago": 30}}},
          {"condition": {"field": "type", "is": "lead"}},
          {"group": {"match": "any", "rules": [
            {"condition": {"field": "enrolled", "course": 7, "progress": {"below": 50}}},
            {"condition": {"field": "tag", "name": "VIP", "has": true}}]}}]}"#;
        let parsed: Group = serde_json::from_str(json).unwrap();
        let expected = Group {
            combine: Combine::All,
            rules: vec![
                condition(Condition::LastActivity {
                    when: When::MoreThanDaysAgo(30),
                }),
                condition(Condition::Type {
                    is: CustomerType::Lead,
                }),
                group(
                    Combine::Any,
                    vec![
                        condition(Condition::Enrolled {
                            course: Some(7),
                            progress: Some(Progress::Below(50)),
                        }),
                        condition(Condition::Tag {
                            name: "VIP".into(),
                            has: true,
                        }),
                    ],
                ),
            ],
        };
        assert_eq!(parsed, expected);
        assert!(parsed.validate().is_ok());
        let again: Group = serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
        assert_eq!(again, parsed);
    }

    #[test]
    fn a_bad_rule_is_named_by_its_position() {
        let bad = Group {
            combine: Combine::All,
            rules: vec![
                condition(Condition::HasEmail { has: true }),
                group(
                    Combine::Any,
                    vec![
                        condition(Condition::Type {
                            is: CustomerType::Lead,
                        }),
                        condition(Condition::Enrolled {
                            course: None,
                            progress: Some(Progress::Below(0)),
                        }),
                    ],
                ),
            ],
        };
        let error = bad.validate().unwrap_err();
        assert_eq!(error.field, "rule 2.2");
        assert!(
            error.message.starts_with("enrolled: progress below"),
            "{error}"
        );

        let empty = Group {
            combine: Combine::All,
            rules: vec![group(Combine::Any, vec![])],
        };
        assert_eq!(empty.validate().unwrap_err().field, "rule 1");

        let mut deep = Group::default();
        for _ in 0..MAX_DEPTH {
            deep = Group {
                combine: Combine::Any,
                rules: vec![
                    Rule::Group(deep),
                    condition(Condition::HasEmail { has: true }),
                ],
            };
        }
        let error = deep.validate().unwrap_err();
        assert!(error.message.contains("nest"), "{error}");

        let many = Group {
            combine: Combine::All,
            rules: vec![condition(Condition::HasEmail { has: true }); MAX_RULES + 1],
        };
        assert_eq!(
            many.validate().unwrap_err().field,
            format!("rule {}", MAX_RULES + 1)
        );

        for (c, needle) in [
            (
                Condition::TotalSpent {
                    min: Some(500),
                    max: Some(100),
                },
                "lowest",
            ),
            (
                Condition::Joined {
                    when: When::WithinDays(0),
                },
                "days",
            ),
            (
                Condition::LastActivity {
                    when: When::Between {
                        from: Some(10),
                        to: Some(5),
                    },
                },
                "first date",
            ),
            (
                Condition::Tag {
                    name: "  ".into(),
                    has: false,
                },
                "tag",
            ),
            (Condition::Bought { product: Some(0) }, "product"),
        ] {
            let error = Group {
                combine: Combine::All,
                rules: vec![condition(c)],
            }
            .validate()
            .unwrap_err();
            assert_eq!(error.field, "rule 1");
            assert!(error.message.contains(needle), "{error}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Inactive leads ").unwrap(), "Inactive leads");
        assert_eq!(check_name(" ").unwrap_err().field, "name");
        assert!(check_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name("a\u{7}b").is_err());
    }

    #[test]
    fn conditions_are_listed_with_their_rule_names() {
        let def = Group {
            combine: Combine::All,
            rules: vec![
                condition(Condition::HasEmail { has: true }),
                group(
                    Combine::None,
                    vec![condition(Condition::Completed { course: Some(3) })],
                ),
            ],
        };
        let names: Vec<String> = def.conditions().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["rule 1", "rule 2.1"]);
    }
}
