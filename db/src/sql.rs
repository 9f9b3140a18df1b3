//! Building SQL whose shape depends on the input: filters, multi-row
//! statements, id lists. Text and arguments grow together, so a placeholder
//! (`$n`) always names the argument pushed with it; the same text runs on
//! SQLite and Postgres through sqlx's `Any` driver.
//!
//! Many rows at once travel as ONE bound parameter: a JSON array of rows
//! ([`Sql::json`]), unpacked by the database ([`from_json`]). Binding a
//! thousand rows one value at a time costs sqlx time in proportion to the
//! square of the values bound; one JSON text costs one bind and stays a
//! value, never SQL.

use sqlx::{Any, any::AnyArguments, query::Query, query::QueryScalar};

use crate::Backend;

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    I(i64),
    S(String),
    /// A NULL of an integer column.
    NullI,
    /// A NULL of a text column.
    NullS,
}

impl From<i64> for Arg {
    fn from(value: i64) -> Arg {
        Arg::I(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Arg {
        Arg::S(value.to_string())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Arg {
        Arg::S(value)
    }
}

impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Arg {
        value.map_or(Arg::NullI, Arg::I)
    }
}

impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Arg {
        value.map_or(Arg::NullS, |v| Arg::S(v.to_string()))
    }
}

impl From<Option<String>> for Arg {
    fn from(value: Option<String>) -> Arg {
        value.map_or(Arg::NullS, Arg::S)
    }
}

/// SQL text and its arguments, numbered as they are pushed.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Adds an argument; returns its placeholder (`$n`).
    pub fn arg(&mut self, arg: impl Into<Arg>) -> String {
        self.args.push(arg.into());
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds rows as one JSON argument (an array of arrays); returns its
    /// placeholder, for [`from_json`] and [`json_in`].
    pub fn json(&mut self, rows: &impl serde::Serialize) -> String {
        self.arg(serde_json::to_string(rows).expect("rows serialize"))
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for arg in &self.args {
            query = match arg {
                Arg::I(v) => query.bind(*v),
                Arg::S(v) => query.bind(v.as_str()),
                Arg::NullI => query.bind(None::<i64>),
                Arg::NullS => query.bind(None::<String>),
            };
        }
        query
    }

    pub fn scalar<O>(&self) -> QueryScalar<'_, Any, O, AnyArguments<'_>>
    where
        (O,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut query = sqlx::query_scalar(&self.text);
        for arg in &self.args {
            query = match arg {
                Arg::I(v) => query.bind(*v),
                Arg::S(v) => query.bind(v.as_str()),
                Arg::NullI => query.bind(None::<i64>),
                Arg::NullS => query.bind(None::<String>),
            };
        }
        query
    }
}

/// The type of a column of JSON rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Json {
    Int,
    Text,
}

/// `SELECT <columns> FROM <the rows of JSON argument placeholder>`: each row
/// an array, its items the columns in order (JSON null is NULL).
pub(crate) fn from_json(backend: Backend, placeholder: &str, columns: &[(&str, Json)]) -> String {
    let items: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| match (backend, kind) {
            (Backend::Sqlite, _) => format!("json_extract(r.value, '$[{i}]') AS {name}"),
            (Backend::Postgres, Json::Int) => format!("CAST(r.value ->> {i} AS BIGINT) AS {name}"),
            (Backend::Postgres, Json::Text) => format!("(r.value ->> {i}) AS {name}"),
        })
        .collect();
    let rows = match backend {
        Backend::Sqlite => format!("json_each({placeholder}) r"),
        Backend::Postgres => {
            format!("json_array_elements(CAST({placeholder} AS JSON)) AS r(value)")
        }
    };
    format!("SELECT {} FROM {rows}", items.join(", "))
}

/// An aggregate that turns the rows of a query into one JSON text: an array
/// with one array of `items` per row (`[]` for none). Read with
/// [`fetch_json`]: one value crosses over instead of a row per fact.
pub(crate) fn json_agg(backend: Backend, items: &[&str]) -> String {
    let items = items.join(", ");
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({items}))"),
        Backend::Postgres => {
            format!("COALESCE(CAST(json_agg(json_build_array({items})) AS TEXT), '[]')")
        }
    }
}

/// Runs a query whose one column is a [`json_agg`] and reads its rows.
pub(crate) async fn fetch_json<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    bind: i64,
) -> crate::Result<Vec<T>> {
    let text: String = sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&mut *conn)
        .await?;
    serde_json::from_str(&text)
        .map_err(|e| crate::Error::invalid("facts", format!("unreadable rows: {e}")))
}

/// `column` is one of the values of a JSON array argument (texts or
/// integers). On Postgres the values become one array that the column's
/// index is probed with (`= ANY (ARRAY(…))`): as `IN (SELECT …)` a semi
/// join, it let the planner walk the table per value when its statistics
/// still saw a store as empty (a new store's first import: every lookup of
/// a chunk read all the identities written so far, 2 s each at 13,000).
pub(crate) fn json_in(backend: Backend, column: &str, placeholder: &str, kind: Json) -> String {
    match (backend, kind) {
        (Backend::Sqlite, _) => {
            format!("{column} IN (SELECT value FROM json_each({placeholder}))")
        }
        (Backend::Postgres, Json::Text) => format!(
            "{column} = ANY (ARRAY(SELECT json_array_elements_text(CAST({placeholder} AS JSON))))"
        ),
        (Backend::Postgres, Json::Int) => format!(
            "{column} = ANY (ARRAY(SELECT CAST(json_array_elements_text(CAST({placeholder} AS JSON)) \
             AS BIGINT)))"
        ),
    }
}

/// An integer list inlined into SQL (`1, 2, 3`; `NULL` when empty, so
/// `IN (NULL)` matches nothing). Integers cannot inject anything, and a list
/// of thousands stays one short statement.
pub(crate) fn int_list(ids: impl IntoIterator<Item = i64>) -> String {
    let list: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    if list.is_empty() {
        "NULL".to_string()
    } else {
        list.join(", ")
    }
}

/// `a > b` comparing text byte-wise on both databases (SQLite's default;
/// Postgres compares by the database's collation unless told).
pub(crate) fn text_gt(backend: Backend, a: &str, b: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{a} > {b}"),
        Backend::Postgres => format!("({a} COLLATE \"C\") > ({b} COLLATE \"C\")"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_their_arguments_in_order() {
        let mut sql = Sql::default();
        assert_eq!(sql.arg(7), "$1");
        assert_eq!(sql.json(&[(1, "a"), (2, "b")]), "$2");
        assert_eq!(
            sql.args,
            vec![Arg::I(7), Arg::S(r#"[[1,"a"],[2,"b"]]"#.into())]
        );
        assert_eq!(int_list([]), "NULL");
        assert_eq!(int_list([3, 4]), "3, 4");
        assert_eq!(
            from_json(
                Backend::Sqlite,
                "$1",
                &[("id", Json::Int), ("name", Json::Text)]
            ),
            "SELECT json_extract(r.value, '$[0]') AS id, json_extract(r.value, '$[1]') AS name \
             FROM json_each($1) r"
        );
        assert_eq!(
            from_json(Backend::Postgres, "$1", &[("id", Json::Int)]),
            "SELECT CAST(r.value ->> 0 AS BIGINT) AS id \
             FROM json_array_elements(CAST($1 AS JSON)) AS r(value)"
        );
    }
}
