//! Reading events from JSON with errors that name the field
//! (`events[3].amount_cents: must be an integer`), which serde's derived
//! deserializer cannot do for internally tagged enums.

use serde_json::{Map, Value};

use super::model::*;
use crate::{Error, Result};

/// Most events in one request.
pub const MAX_BATCH: usize = 1000;

/// The body of `POST /events`: one event object, `{"events": [...]}`, or a
/// bare array. Returns the events and whether it was a batch (errors of a
/// batch are prefixed `events[i].`).
pub fn parse_body(body: &Value) -> Result<(Vec<Event>, bool)> {
    let list = match body {
        Value::Array(list) => list,
        Value::Object(map) if map.contains_key("events") => {
            if let Some(key) = map.keys().find(|k| *k != "events") {
                return Err(Error::invalid(key.clone(), "unknown field"));
            }
            match &map["events"] {
                Value::Array(list) => list,
                _ => return Err(Error::invalid("events", "must be an array of events")),
            }
        }
        Value::Object(_) => return Ok((vec![parse_event(body, "")?], false)),
        _ => {
            return Err(Error::invalid(
                "body",
                "must be an event object or {\"events\": [...]}",
            ));
        }
    };
    if list.is_empty() {
        return Err(Error::invalid("events", "must not be empty"));
    }
    if list.len() > MAX_BATCH {
        return Err(Error::invalid(
            "events",
            format!("at most {MAX_BATCH} events per request"),
        ));
    }
    let events = list
        .iter()
        .enumerate()
        .map(|(i, value)| parse_event(value, &format!("events[{i}]")))
        .collect::<Result<_>>()?;
    Ok((events, true))
}

/// One event object. `prefix` is prepended to field names in errors.
pub fn parse_event(value: &Value, prefix: &str) -> Result<Event> {
    let mut o = Obj::new(value, prefix.to_string())?;
    let kind = o.string("type")?;
    let event_id = o.string("event_id")?;
    let occurred_at = o.int("occurred_at")?;
    let event = match kind.as_str() {
        "enrollment" => Event::Enrollment(Enrollment {
            event_id,
            occurred_at,
            user: o.user()?,
            course_id: o.string("course_id")?,
        }),
        "progress" => Event::Progress(ProgressReport {
            event_id,
            occurred_at,
            user: o.user()?,
            course_id: o.string("course_id")?,
            progress: o.int("progress")?,
        }),
        "purchase" => Event::Purchase(Purchase {
            event_id,
            occurred_at,
            user: o.user()?,
            purchase_id: o.string("purchase_id")?,
            course_id: o.opt_string("course_id")?,
            product_id: o.opt_string("product_id")?,
            plan_id: o.opt_string("plan_id")?,
            amount_cents: o.int("amount_cents")?,
            currency: o.string("currency")?,
        }),
        "refund" => Event::Refund(Refund {
            event_id,
            occurred_at,
            purchase_id: o.string("purchase_id")?,
            user: o.opt_user()?,
        }),
        "subscription" => Event::Subscription(SubscriptionChange {
            event_id,
            occurred_at,
            user: o.user()?,
            subscription_id: o.string("subscription_id")?,
            plan_id: o.string("plan_id")?,
            status: o.string("status")?,
            amount_cents: o.int("amount_cents")?,
            currency: o.string("currency")?,
            interval: o.string("interval")?,
            started_at: o.opt_int("started_at")?,
            current_period_end: o.opt_int("current_period_end")?,
        }),
        "lead" => Event::Lead(Lead {
            event_id,
            occurred_at,
            user: o.user()?,
            source: o.string("source")?,
            consent: o.opt_string("consent")?,
        }),
        "consent" => Event::Consent(ConsentChange {
            event_id,
            occurred_at,
            user: o.user()?,
            consent: o.string("consent")?,
        }),
        "course" => Event::Course(Course {
            event_id,
            occurred_at,
            course_id: o.string("course_id")?,
            title: o.string("title")?,
            price_cents: o.int("price_cents")?,
            currency: o.string("currency")?,
        }),
        "product" => Event::Product(Product {
            event_id,
            occurred_at,
            product_id: o.string("product_id")?,
            title: o.string("title")?,
            price_cents: o.int("price_cents")?,
            currency: o.string("currency")?,
        }),
        "plan" => Event::Plan(Plan {
            event_id,
            occurred_at,
            plan_id: o.string("plan_id")?,
            title: o.string("title")?,
            amount_cents: o.int("amount_cents")?,
            currency: o.string("currency")?,
            interval: o.string("interval")?,
        }),
        _ => {
            return Err(Error::invalid(
                o.name("type"),
                "must be one of enrollment, progress, purchase, refund, subscription, lead, \
                 consent, course, product, plan",
            ));
        }
    };
    o.finish()?;
    Ok(event)
}

/// A JSON object being read field by field; `finish` rejects fields no one
/// asked for (a typo such as `amount` for `amount_cents` is an error, not a
/// silently missing value).
struct Obj<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
    read: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, prefix: String) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Obj {
                map,
                prefix,
                read: Vec::new(),
            }),
            _ => Err(Error::invalid(
                if prefix.is_empty() {
                    "event".to_string()
                } else {
                    prefix
                },
                "must be a JSON object",
            )),
        }
    }

    fn name(&self, field: &str) -> String {
        if self.prefix.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.prefix)
        }
    }

    fn get(&mut self, field: &'static str) -> Option<&'a Value> {
        self.read.push(field);
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn string(&mut self, field: &'static str) -> Result<String> {
        self.opt_string(field)?
            .ok_or_else(|| Error::invalid(self.name(field), "is required"))
    }

    fn opt_string(&mut self, field: &'static str) -> Result<Option<String>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::invalid(self.name(field), "must be a string")),
        }
    }

    fn int(&mut self, field: &'static str) -> Result<i64> {
        self.opt_int(field)?
            .ok_or_else(|| Error::invalid(self.name(field), "is required"))
    }

    fn opt_int(&mut self, field: &'static str) -> Result<Option<i64>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Error::invalid(self.name(field), "must be an integer")),
            Some(_) => Err(Error::invalid(self.name(field), "must be an integer")),
        }
    }

    fn user(&mut self) -> Result<UserRef> {
        self.opt_user()?
            .ok_or_else(|| Error::invalid(self.name("user"), "is required"))
    }

    fn opt_user(&mut self) -> Result<Option<UserRef>> {
        let name = self.name("user");
        let Some(value) = self.get("user") else {
            return Ok(None);
        };
        let mut user = Obj::new(value, name)?;
        let parsed = UserRef {
            id: user.string("id")?,
            email: user.opt_string("email")?,
            name: user.opt_string("name")?,
        };
        user.finish()?;
        Ok(Some(parsed))
    }

    fn finish(self) -> Result<()> {
        match self.map.keys().find(|k| !self.read.contains(&k.as_str())) {
            Some(unknown) => Err(Error::invalid(self.name(unknown), "unknown field")),
            None => Ok(()),
        }
    }
}
