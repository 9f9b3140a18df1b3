//! The builder's editable copy of a definition: one signal per input, so
//! typing into a field re-renders nothing but what reads it (the focus stays
//! put), and the definition is read back from the signals ([`GroupDraft::
//! to_group`]) inside a memo that the live count follows. Values are kept
//! as typed; reading them back names the rule that does not parse, the way
//! the server's checks do.

use std::sync::atomic::{AtomicU32, Ordering};

use domain::{
    customer::{Consent, CustomerType, Status, SubscriptionStatus},
    segment::{Combine, Condition, Engagement, Group, Progress, Rule, When},
};
use leptos::prelude::*;

use crate::model::input::{DAY_MS, format_cents, format_date, parse_cents, parse_date};

/// What a condition tests, in the builder's menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Type,
    Status,
    LastActivity,
    Joined,
    TotalSpent,
    Enrolled,
    Completed,
    Bought,
    Subscription,
    Tag,
    HasEmail,
    Consent,
    Engagement,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Type,
        Field::Status,
        Field::LastActivity,
        Field::Joined,
        Field::TotalSpent,
        Field::Enrolled,
        Field::Completed,
        Field::Bought,
        Field::Subscription,
        Field::Tag,
        Field::HasEmail,
        Field::Consent,
        Field::Engagement,
    ];

    /// The JSON's name (`Condition::field`), also the select's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Status => "status",
            Field::LastActivity => "last_activity",
            Field::Joined => "joined",
            Field::TotalSpent => "total_spent",
            Field::Enrolled => "enrolled",
            Field::Completed => "completed",
            Field::Bought => "bought",
            Field::Subscription => "subscription",
            Field::Tag => "tag",
            Field::HasEmail => "has_email",
            Field::Consent => "consent",
            Field::Engagement => "engagement",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Field::Type => "Type",
            Field::Status => "Status",
            Field::LastActivity => "Last activity",
            Field::Joined => "Joined",
            Field::TotalSpent => "Spent",
            Field::Enrolled => "Enrolled in",
            Field::Completed => "Completed",
            Field::Bought => "Bought",
            Field::Subscription => "Subscription",
            Field::Tag => "Tag",
            Field::HasEmail => "Email address",
            Field::Consent => "Email consent",
            Field::Engagement => "Campaigns",
        }
    }

    pub fn parse(value: &str) -> Field {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == value)
            .unwrap_or(Field::Type)
    }

    /// The first choice of a field's own select.
    fn default_choice(self) -> &'static str {
        match self {
            Field::Type => "lead",
            Field::Status => "inactive",
            Field::LastActivity | Field::Joined => "more_than_days_ago",
            Field::Tag => "has",
            Field::HasEmail => "yes",
            Field::Consent => "subscribed",
            Field::Engagement => "opened",
            _ => "",
        }
    }
}

/// One condition's inputs. Which of them a field uses: `choice` (its
/// select), `item` (a course, product or plan id, empty for any), `number`
/// (days or percent), `low` / `high` (dates or amounts), `text` (a tag).
/// The campaigns rule's choice is its action, `not_` before it for "did
/// not" (`not_opened`); its item is the campaign, its number the days.
#[derive(Debug, Clone, Copy)]
pub struct ConditionDraft {
    pub field: RwSignal<Field>,
    pub choice: RwSignal<String>,
    pub item: RwSignal<String>,
    pub number: RwSignal<String>,
    pub low: RwSignal<String>,
    pub high: RwSignal<String>,
    pub text: RwSignal<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct GroupDraft {
    pub combine: RwSignal<Combine>,
    /// Each rule with a key that stays while it exists (for `For`).
    pub rules: RwSignal<Vec<(u32, RuleDraft)>>,
}

#[derive(Debug, Clone, Copy)]
pub enum RuleDraft {
    Group(GroupDraft),
    Condition(ConditionDraft),
}

fn next_key() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl ConditionDraft {
    pub fn new(field: Field) -> ConditionDraft {
        let draft = ConditionDraft {
            field: RwSignal::new(field),
            choice: RwSignal::new(field.default_choice().to_string()),
            item: RwSignal::new(String::new()),
            number: RwSignal::new(String::new()),
            low: RwSignal::new(String::new()),
            high: RwSignal::new(String::new()),
            text: RwSignal::new(String::new()),
        };
        if matches!(field, Field::LastActivity | Field::Joined) {
            draft.number.set("30".into());
        }
        draft
    }

    /// Starts the condition over as another field.
    pub fn change_field(&self, field: Field) {
        let fresh = ConditionDraft::new(field);
        self.field.set(field);
        self.choice.set(fresh.choice.get_untracked());
        self.number.set(fresh.number.get_untracked());
        for value in [self.item, self.low, self.high, self.text] {
            value.set(String::new());
        }
    }

    fn from_condition(condition: &Condition) -> ConditionDraft {
        let id = |id: &Option<i64>| id.map(|id| id.to_string()).unwrap_or_default();
        let draft = ConditionDraft::new(Field::parse(condition.field()));
        let set = |signal: RwSignal<String>, value: String| signal.set(value);
        match condition {
            Condition::Type { is } => set(draft.choice, is.as_str().into()),
            Condition::Status { is } => set(draft.choice, is.as_str().into()),
            Condition::TotalSpent { min, max } => {
                set(draft.low, min.map(format_cents).unwrap_or_default());
                set(draft.high, max.map(format_cents).unwrap_or_default());
            }
            Condition::Joined { when } | Condition::LastActivity { when } => match *when {
                When::MoreThanDaysAgo(days) => {
                    set(draft.choice, "more_than_days_ago".into());
                    set(draft.number, days.to_string());
                }
                When::WithinDays(days) => {
                    set(draft.choice, "within_days".into());
                    set(draft.number, days.to_string());
                }
                When::Between { from, to } => {
                    set(draft.choice, "between".into());
                    set(draft.low, from.map(format_date).unwrap_or_default());
                    set(draft.high, to.map(format_date).unwrap_or_default());
                }
            },
            Condition::Enrolled { course, progress } => {
                set(draft.item, id(course));
                match progress {
                    Some(Progress::Below(n)) => {
                        set(draft.choice, "below".into());
                        set(draft.number, n.to_string());
                    }
                    Some(Progress::AtLeast(n)) => {
                        set(draft.choice, "at_least".into());
                        set(draft.number, n.to_string());
                    }
                    None => {}
                }
            }
            Condition::Completed { course } => set(draft.item, id(course)),
            Condition::Bought { product } => set(draft.item, id(product)),
            Condition::Subscription { status, plan } => {
                set(
                    draft.choice,
                    status.map(|s| s.as_str().to_string()).unwrap_or_default(),
                );
                set(draft.item, id(plan));
            }
            Condition::Tag { name, has } => {
                set(draft.text, name.clone());
                set(draft.choice, if *has { "has" } else { "has_not" }.into());
            }
            Condition::HasEmail { has } => {
                set(draft.choice, if *has { "yes" } else { "no" }.into())
            }
            Condition::Consent { is } => set(draft.choice, is.as_str().into()),
            Condition::Engagement {
                action,
                campaign,
                within_days,
                did,
            } => {
                let not = if *did { "" } else { "not_" };
                set(draft.choice, format!("{not}{}", action.as_str()));
                set(draft.item, id(campaign));
                set(
                    draft.number,
                    within_days.map(|d| d.to_string()).unwrap_or_default(),
                );
            }
        }
        draft
    }

    /// The condition the inputs say (tracked: a memo over it follows every
    /// input), or what does not parse.
    pub fn to_condition(self) -> Result<Condition, String> {
        let choice = self.choice.get();
        let item = || -> Result<Option<i64>, String> {
            let value = self.item.get();
            if value.is_empty() {
                return Ok(None);
            }
            value
                .parse()
                .map(Some)
                .map_err(|_| format!("{value:?} is not an id"))
        };
        let number = |what: &str| -> Result<u32, String> {
            let value = self.number.get();
            value
                .trim()
                .parse()
                .map_err(|_| format!("give the {what} as a whole number"))
        };
        let when = || -> Result<When, String> {
            match choice.as_str() {
                "within_days" => Ok(When::WithinDays(number("days")?)),
                "between" => {
                    let date = |value: String, end: bool| -> Result<Option<i64>, String> {
                        let value = value.trim().to_string();
                        if value.is_empty() {
                            return Ok(None);
                        }
                        let start = parse_date(&value)
                            .ok_or_else(|| format!("{value:?} is not a date (YYYY-MM-DD)"))?;
                        // The last day is included whole.
                        Ok(Some(if end { start + DAY_MS - 1 } else { start }))
                    };
                    Ok(When::Between {
                        from: date(self.low.get(), false)?,
                        to: date(self.high.get(), true)?,
                    })
                }
                _ => Ok(When::MoreThanDaysAgo(number("days")?)),
            }
        };
        Ok(match self.field.get() {
            Field::Type => Condition::Type {
                is: CustomerType::parse(&choice).map_err(|e| e.message)?,
            },
            Field::Status => Condition::Status {
                is: Status::parse(&choice).map_err(|e| e.message)?,
            },
            Field::TotalSpent => {
                let amount = |value: String| -> Result<Option<i64>, String> {
                    let value = value.trim().to_string();
                    if value.is_empty() {
                        return Ok(None);
                    }
                    parse_cents(&value)
                        .map(Some)
                        .ok_or_else(|| format!("{value:?} is not an amount (like 12.50)"))
                };
                Condition::TotalSpent {
                    min: amount(self.low.get())?,
                    max: amount(self.high.get())?,
                }
            }
            Field::Joined => Condition::Joined { when: when()? },
            Field::LastActivity => Condition::LastActivity { when: when()? },
            Field::Enrolled => {
                let percent = || -> Result<u8, String> {
                    number("percent")?
                        .try_into()
                        .map_err(|_| "progress is a percent".to_string())
                };
                Condition::Enrolled {
                    course: item()?,
                    progress: match choice.as_str() {
                        "below" => Some(Progress::Below(percent()?)),
                        "at_least" => Some(Progress::AtLeast(percent()?)),
                        _ => None,
                    },
                }
            }
            Field::Completed => Condition::Completed { course: item()? },
            Field::Bought => Condition::Bought { product: item()? },
            Field::Subscription => Condition::Subscription {
                status: match choice.as_str() {
                    "" => None,
                    word => Some(SubscriptionStatus::parse("status", word).map_err(|e| e.message)?),
                },
                plan: item()?,
            },
            Field::Tag => Condition::Tag {
                name: self.text.get(),
                has: choice != "has_not",
            },
            Field::HasEmail => Condition::HasEmail {
                has: choice != "no",
            },
            Field::Consent => Condition::Consent {
                is: Consent::parse("consent", &choice).map_err(|e| e.message)?,
            },
            Field::Engagement => {
                let did = !choice.starts_with("not_");
                let word = choice.trim_start_matches("not_");
                let action = Engagement::ALL
                    .into_iter()
                    .find(|a| a.as_str() == word)
                    .ok_or_else(|| format!("{word:?} is not received, opened or clicked"))?;
                let within_days = match self.number.get().trim() {
                    "" => None,
                    _ => Some(number("days")?),
                };
                Condition::Engagement {
                    action,
                    campaign: item()?,
                    within_days,
                    did,
                }
            }
        })
    }
}

impl GroupDraft {
    pub fn new(combine: Combine, rules: Vec<RuleDraft>) -> GroupDraft {
        GroupDraft {
            combine: RwSignal::new(combine),
            rules: RwSignal::new(rules.into_iter().map(|r| (next_key(), r)).collect()),
        }
    }

    pub fn from_group(group: &Group) -> GroupDraft {
        GroupDraft::new(
            group.combine,
            group
                .rules
                .iter()
                .map(|rule| match rule {
                    Rule::Group(inner) => RuleDraft::Group(GroupDraft::from_group(inner)),
                    Rule::Condition(c) => RuleDraft::Condition(ConditionDraft::from_condition(c)),
                })
                .collect(),
        )
    }

    pub fn push(&self, rule: RuleDraft) {
        self.rules.update(|rules| rules.push((next_key(), rule)));
    }

    pub fn remove(&self, key: u32) {
        self.rules.update(|rules| rules.retain(|(k, _)| *k != key));
    }

    /// The definition (tracked), or the first rule that does not parse,
    /// named as the server names rules (`rule 2.1`).
    pub fn to_group(self) -> Result<Group, (String, String)> {
        self.read(&mut Vec::new())
    }

    fn read(&self, path: &mut Vec<usize>) -> Result<Group, (String, String)> {
        let mut rules = Vec::new();
        for (i, (_, rule)) in self.rules.get().iter().enumerate() {
            path.push(i + 1);
            rules.push(match rule {
                RuleDraft::Group(group) => Rule::Group(group.read(path)?),
                RuleDraft::Condition(c) => {
                    Rule::Condition(c.to_condition().map_err(|message| {
                        let parts: Vec<String> = path.iter().map(usize::to_string).collect();
                        (format!("rule {}", parts.join(".")), message)
                    })?)
                }
            });
            path.pop();
        }
        Ok(Group {
            combine: self.combine.get(),
            rules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_survives_the_drafts_both_ways() {
        let json = r#"{"match":"all","rules":[
          {"condition":{"field":"last_activity","when":{"more_than_days_ago":30}}},
          {"condition":{"field":"joined","when":{"between":{"from":1735689600000,"to":1738367999999}}}},
          {"condition":{"field":"total_spent","min":1250,"max":null}},
          {"group":{"match":"none","rules":[
            {"condition":{"field":"enrolled","course":7,"progress":{"below":50}}},
            {"condition":{"field":"subscription","status":"past_due","plan":null}},
            {"condition":{"field":"tag","name":"VIP","has":false}},
            {"condition":{"field":"has_email","has":true}}]}},
          {"condition":{"field":"engagement","action":"opened","campaign":null,"within_days":30,"did":false}},
          {"condition":{"field":"engagement","action":"clicked","campaign":4,"within_days":null,"did":true}}]}"#;
        let group: Group = serde_json::from_str(json).unwrap();
        let owner = Owner::new();
        owner.with(|| {
            let draft = GroupDraft::from_group(&group);
            assert_eq!(draft.to_group(), Ok(group.clone()));
            // A bad input is named by its rule.
            let RuleDraft::Group(inner) = draft.rules.get_untracked()[3].1 else {
                panic!("the fourth rule is a group")
            };
            let RuleDraft::Condition(enrolled) = inner.rules.get_untracked()[0].1 else {
                panic!("a condition")
            };
            enrolled.number.set("half".into());
            assert_eq!(draft.to_group().unwrap_err().0, "rule 4.1");
            enrolled.change_field(Field::Bought);
            assert_eq!(
                enrolled.to_condition(),
                Ok(Condition::Bought { product: None })
            );
        });
    }
}
