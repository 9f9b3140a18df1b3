//! Multi-row INSERTs for bulk loads. Values are written into the statement as
//! SQL literals (integers, NULL, and strings with quotes doubled) rather than
//! bound: binding tens of thousands of parameters per statement through
//! sqlx is far slower than SQLite or Postgres parsing the literals. Only
//! bulk loads of rows this process built go through here (see `super`).

use std::fmt::Write;

use sqlx::Executor;
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{Db, Result};

/// One value.
#[derive(Debug, Clone)]
pub(crate) enum V {
    I(i64),
    NI(Option<i64>),
    S(String),
    NS(Option<String>),
    St(&'static str),
}

/// Rows per statement.
const ROWS_PER_STATEMENT: usize = 2_000;

/// Statements written ahead of the database: enough to keep it busy, few
/// enough to bound memory.
const STATEMENTS_AHEAD: usize = 2;

/// One write transaction fed with statements by the generator. A task owns
/// the transaction and runs the statements in order while the caller builds
/// the next ones, so generating rows and writing them use both cores instead
/// of taking turns.
pub(crate) struct Loader {
    statements: Option<mpsc::Sender<String>>,
    task: Option<JoinHandle<Result<()>>>,
}

impl Loader {
    /// Begins the transaction on the writer pool.
    pub async fn begin(db: &Db) -> Result<Loader> {
        let transaction = db.writer().begin().await?;
        let (statements, received) = mpsc::channel::<String>(STATEMENTS_AHEAD);
        let task = tokio::spawn(write_all(transaction, received));
        Ok(Loader {
            statements: Some(statements),
            task: Some(task),
        })
    }

    /// Queues a statement; waits while the writer is [`STATEMENTS_AHEAD`]
    /// behind. If the transaction failed, answers its error.
    async fn send(&mut self, sql: String) -> Result<()> {
        let sent = match &self.statements {
            Some(statements) => statements.send(sql).await.is_ok(),
            None => false,
        };
        if sent { Ok(()) } else { self.finish().await }
    }

    /// Runs what is queued and commits (or answers the first error, with
    /// nothing committed).
    pub async fn commit(mut self) -> Result<()> {
        self.finish().await
    }

    async fn finish(&mut self) -> Result<()> {
        self.statements = None;
        match self.task.take() {
            Some(task) => task.await.map_err(|_| sqlx::Error::WorkerCrashed)?,
            None => Err(sqlx::Error::WorkerCrashed.into()),
        }
    }
}

/// The loader's task: each statement in order, then the commit.
async fn write_all(
    mut transaction: sqlx::Transaction<'static, sqlx::Any>,
    mut received: mpsc::Receiver<String>,
) -> Result<()> {
    while let Some(sql) = received.recv().await {
        let statement: &str = &sql;
        transaction.execute(sqlx::raw_sql(statement)).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Buffers rows of one table and writes them in multi-row statements.
pub(crate) struct Bulk {
    head: String,
    sql: String,
    rows: usize,
    pub written: u64,
}

impl Bulk {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Bulk {
        Bulk {
            head: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            sql: String::new(),
            rows: 0,
            written: 0,
        }
    }

    /// Adds a row, handing a statement's worth to the loader when full.
    pub async fn push(
        &mut self,
        loader: &mut Loader,
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
            self.flush(loader).await?;
        }
        Ok(())
    }

    /// Hands over what is buffered.
    pub async fn flush(&mut self, loader: &mut Loader) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let capacity = self.sql.capacity();
        loader
            .send(std::mem::replace(
                &mut self.sql,
                String::with_capacity(capacity),
            ))
            .await?;
        self.written += self.rows as u64;
        self.rows = 0;
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
