//! Multi-row INSERTs for bulk loads. Values are written into the statement as
//! SQL literals (integers, NULL, and strings with quotes doubled) rather than
//! bound: binding tens of thousands of parameters per statement through
//! sqlx is far slower than SQLite or Postgres parsing the literals. Only seed
//! data, which this process generates itself, goes through here.

use std::fmt::Write;

use sqlx::AnyConnection;

use crate::{Backend, Result};

/// One value.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    NI(Option<i64>),
    S(String),
    NS(Option<String>),
    St(&'static str),
}

/// Rows per statement.
const ROWS_PER_STATEMENT: usize = 2_000;

/// Buffers rows of one table and writes them in multi-row statements.
pub struct Bulk {
    head: String,
    sql: String,
    rows: usize,
    pub written: u64,
}

impl Bulk {
    pub fn new(_backend: Backend, table: &'static str, columns: &'static [&'static str]) -> Bulk {
        Bulk {
            head: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            sql: String::new(),
            rows: 0,
            written: 0,
        }
    }

    /// Adds a row, writing a statement's worth when the buffer is full.
    pub async fn push(
        &mut self,
        conn: &mut AnyConnection,
        row: impl IntoIterator<Item = V>,
    ) -> Result<()> {
        if self.rows == 0 {
            self.sql.clear();
            self.sql.push_str(&self.head);
        } else {
            self.sql.push(',');
        }
        self.sql.push('(');
        for (i, value) in row.into_iter().enumerate() {
            if i > 0 {
                self.sql.push(',');
            }
            literal(&mut self.sql, value);
        }
        self.sql.push(')');
        self.rows += 1;
        if self.rows >= ROWS_PER_STATEMENT {
            self.flush(conn).await?;
        }
        Ok(())
    }

    /// Writes what is buffered.
    pub async fn flush(&mut self, conn: &mut AnyConnection) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        sqlx::raw_sql(&self.sql).execute(&mut *conn).await?;
        self.written += self.rows as u64;
        self.rows = 0;
        self.sql.clear();
        Ok(())
    }
}

fn literal(sql: &mut String, value: V) {
    let text = |sql: &mut String, s: &str| {
        sql.push('\'');
        for c in s.chars() {
            if c == '\'' {
                sql.push('\'');
            }
            sql.push(c);
        }
        sql.push('\'');
    };
    match value {
        V::I(v) | V::NI(Some(v)) => {
            let _ = write!(sql, "{v}");
        }
        V::NI(None) | V::NS(None) => sql.push_str("NULL"),
        V::S(s) | V::NS(Some(s)) => text(sql, &s),
        V::St(s) => text(sql, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_quote_strings() {
        let mut sql = String::new();
        for v in [V::I(-3), V::NI(None), V::S("O'Brien".into()), V::St("x")] {
            literal(&mut sql, v);
            sql.push(',');
        }
        assert_eq!(sql, "-3,NULL,'O''Brien','x',");
    }
}
