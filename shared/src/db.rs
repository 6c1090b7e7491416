//! Helpers over the [`Sql`] port: named-column decoding and short transactions.

use crate::errors::AppError;
use crate::ports::{DbError, Rows, Sql, Value};

/// One row with its column names, decoded by name with a fallible conversion.
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl Rows {
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row {
            columns: &self.columns,
            values,
        })
    }
    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Row<'_> {
    fn value(&self, column: &str) -> Result<&Value, DbError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| decode(column, "no such column in the result"))
    }
    pub fn i64(&self, column: &str) -> Result<i64, DbError> {
        match self.value(column)? {
            Value::Integer(v) => Ok(*v),
            other => Err(decode(
                column,
                &format!("expected an integer, got {other:?}"),
            )),
        }
    }
    pub fn opt_i64(&self, column: &str) -> Result<Option<i64>, DbError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Integer(v) => Ok(Some(*v)),
            other => Err(decode(
                column,
                &format!("expected an integer, got {other:?}"),
            )),
        }
    }
    pub fn bool(&self, column: &str) -> Result<bool, DbError> {
        Ok(self.i64(column)? != 0)
    }
    pub fn text(&self, column: &str) -> Result<String, DbError> {
        match self.value(column)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(decode(column, &format!("expected text, got {other:?}"))),
        }
    }
    pub fn blob(&self, column: &str) -> Result<Vec<u8>, DbError> {
        match self.value(column)? {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(t) => Ok(t.clone().into_bytes()),
            other => Err(decode(column, &format!("expected a blob, got {other:?}"))),
        }
    }
    pub fn opt_text(&self, column: &str) -> Result<Option<String>, DbError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            other => Err(decode(column, &format!("expected text, got {other:?}"))),
        }
    }
}

fn decode(column: &str, reason: &str) -> DbError {
    DbError::Decode {
        column: column.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Runs `work` inside `BEGIN IMMEDIATE ... COMMIT` on the request's one connection, rolling
/// back when it fails. IMMEDIATE takes the write lock up front, so two writers never deadlock
/// upgrading a read lock.
pub fn transaction<T>(
    db: &dyn Sql,
    work: impl FnOnce() -> Result<T, AppError>,
) -> Result<T, AppError> {
    atomically(db, || work().map(Finish::Commit))
}

fn rollback(db: &dyn Sql) {
    if let Err(e) = db.execute("ROLLBACK", &[]) {
        // The transaction is already gone (SQLite rolls back on some errors by itself).
        eprintln!("rollback failed: {e}");
    }
}

/// A single integer from a one-row, one-column result (`COUNT(*)`, `MAX(...)`).
pub fn scalar_i64(rows: &Rows) -> Result<i64, DbError> {
    match rows.rows.first().and_then(|r| r.first()) {
        Some(Value::Integer(v)) => Ok(*v),
        Some(Value::Null) | None => Ok(0),
        Some(other) => Err(decode(
            "scalar",
            &format!("expected an integer, got {other:?}"),
        )),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` search term.
pub fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// How an [`atomically`] block ends: keep its writes, or undo them (a repeated webhook, a
/// message that must open nothing) while still answering the caller normally.
pub enum Finish<T> {
    Commit(T),
    Rollback(T),
}

/// Runs `work` inside `BEGIN IMMEDIATE`; the work decides whether its writes stay. An error
/// rolls back too.
pub fn atomically<T>(
    db: &dyn Sql,
    work: impl FnOnce() -> Result<Finish<T>, AppError>,
) -> Result<T, AppError> {
    db.execute("BEGIN IMMEDIATE", &[])?;
    match work() {
        Ok(Finish::Commit(value)) => match db.execute("COMMIT", &[]) {
            Ok(_) => Ok(value),
            Err(e) => {
                rollback(db);
                Err(e.into())
            }
        },
        Ok(Finish::Rollback(value)) => {
            db.execute("ROLLBACK", &[])?;
            Ok(value)
        }
        Err(e) => {
            rollback(db);
            Err(e)
        }
    }
}
