//! Counting the statements a request runs through the [`Sql`] port. Under Spin every statement
//! is a host call on the request's own connection (and on a remote database, a network round
//! trip), so the number of statements of a hot path is its cost model: the tests hold each hot
//! path to a written budget (docs/decisions/0011).

use crate::ports::{DbError, Rows, Sql, Value};
use std::cell::RefCell;

/// What a statement does to the database, as far as its budget cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SELECT`, `PRAGMA` and other statements that change nothing.
    Read,
    /// `INSERT`, `UPDATE`, `DELETE`, `REPLACE`, DDL, and `WITH ...` feeding one of them.
    Write,
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`.
    Transaction,
}

impl Kind {
    pub fn of(sql: &str) -> Kind {
        let upper = sql.trim_start().to_ascii_uppercase();
        let first = upper.split_whitespace().next().unwrap_or("");
        match first {
            "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => Kind::Transaction,
            "SELECT" | "PRAGMA" | "EXPLAIN" | "VALUES" => Kind::Read,
            // A CTE is a write when it feeds one; a word match is enough for a budget.
            "WITH" => {
                let writes = upper
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|word| matches!(word, "INSERT" | "UPDATE" | "DELETE" | "REPLACE"));
                if writes {
                    Kind::Write
                } else {
                    Kind::Read
                }
            }
            _ => Kind::Write,
        }
    }
}

/// Whether a connection is inside a transaction once `sql` has run (`ok`: it succeeded), when
/// it was (`before`) or was not before it: a `BEGIN` that failed leaves things as they were, a
/// `COMMIT` that failed leaves the transaction open for its `ROLLBACK`.
pub fn in_transaction_after(sql: &str, ok: bool, before: bool) -> bool {
    if Kind::of(sql) != Kind::Transaction {
        return before;
    }
    let head = sql.trim_start().to_ascii_uppercase();
    if head.starts_with("BEGIN") {
        before || ok
    } else if head.starts_with("ROLLBACK") && !head.contains(" TO ") {
        false
    } else if head.starts_with("COMMIT") || head.starts_with("END") {
        before && !ok
    } else {
        before
    }
}

/// A [`Sql`] that passes every statement on to `inner` and remembers it.
pub struct CountingSql<'a> {
    inner: &'a dyn Sql,
    seen: RefCell<Vec<String>>,
}

/// The statements one piece of work ran, in order.
#[derive(Debug, Clone, Default)]
pub struct Statements(pub Vec<String>);

impl Statements {
    pub fn total(&self) -> usize {
        self.0.len()
    }
    pub fn count(&self, kind: Kind) -> usize {
        self.0.iter().filter(|s| Kind::of(s) == kind).count()
    }
    pub fn reads(&self) -> usize {
        self.count(Kind::Read)
    }
    pub fn writes(&self) -> usize {
        self.count(Kind::Write)
    }
    pub fn transactions(&self) -> usize {
        self.0
            .iter()
            .filter(|s| s.trim_start().to_ascii_uppercase().starts_with("BEGIN"))
            .count()
    }
}

impl std::fmt::Display for Statements {
    /// One statement a line, shortened, for a failing budget's message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, sql) in self.0.iter().enumerate() {
            let line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = line.chars().take(110).collect();
            writeln!(f, "{:>3} {:?} {short}", i + 1, Kind::of(sql))?;
        }
        Ok(())
    }
}

impl<'a> CountingSql<'a> {
    pub fn new(inner: &'a dyn Sql) -> Self {
        CountingSql {
            inner,
            seen: RefCell::new(Vec::new()),
        }
    }

    /// The statements so far, leaving the count running.
    pub fn statements(&self) -> Statements {
        Statements(self.seen.borrow().clone())
    }

    /// The statements so far, starting a new count.
    pub fn take(&self) -> Statements {
        Statements(std::mem::take(&mut *self.seen.borrow_mut()))
    }
}

impl Sql for CountingSql<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        self.seen.borrow_mut().push(sql.to_owned());
        self.inner.execute(sql, params)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_transaction_is_open_from_its_begin_until_it_ends() {
        use super::in_transaction_after as after;
        assert!(after("BEGIN IMMEDIATE", true, false));
        assert!(
            !after("BEGIN IMMEDIATE", false, false),
            "a busy BEGIN opened nothing"
        );
        assert!(after("INSERT INTO t VALUES (1)", false, true));
        assert!(!after("COMMIT", true, true));
        assert!(
            after("COMMIT", false, true),
            "a failed COMMIT is still to roll back"
        );
        assert!(!after("ROLLBACK", false, true));
        assert!(!after("SELECT 1", true, false));
    }

    use super::*;

    #[test]
    fn statements_are_classified_by_what_they_do() {
        assert_eq!(Kind::of("SELECT 1"), Kind::Read);
        assert_eq!(Kind::of("  pragma synchronous = NORMAL"), Kind::Read);
        assert_eq!(Kind::of("INSERT INTO t VALUES (1)"), Kind::Write);
        assert_eq!(Kind::of("BEGIN IMMEDIATE"), Kind::Transaction);
        assert_eq!(
            Kind::of("WITH x AS (SELECT 1) UPDATE t SET a = 1"),
            Kind::Write
        );
        assert_eq!(Kind::of("WITH x AS (SELECT 1) SELECT * FROM x"), Kind::Read);
    }
}
