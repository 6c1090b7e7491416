//! The tracked migration runner: every file in `migrations/` applied exactly once, in order,
//! recorded in `schema_migrations`. Safe to call from many processes at once: each migration
//! is applied under `BEGIN IMMEDIATE` after re-checking that nobody applied it meanwhile.

use crate::db::{scalar_i64, transaction};
use crate::errors::AppError;
use crate::ports::{DbError, Rows, Sql, Value};
use anyhow::Context;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The migrations, in order. A test checks this list against the files in `migrations/`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_init.sql",
        sql: include_str!("../../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "0002_configuration.sql",
        sql: include_str!("../../migrations/0002_configuration.sql"),
    },
    Migration {
        version: 3,
        name: "0003_conversations.sql",
        sql: include_str!("../../migrations/0003_conversations.sql"),
    },
    Migration {
        version: 4,
        name: "0004_agent_workspace.sql",
        sql: include_str!("../../migrations/0004_agent_workspace.sql"),
    },
    Migration {
        version: 5,
        name: "0005_inbox_feed.sql",
        sql: include_str!("../../migrations/0005_inbox_feed.sql"),
    },
    Migration {
        version: 6,
        name: "0006_routing.sql",
        sql: include_str!("../../migrations/0006_routing.sql"),
    },
    Migration {
        version: 7,
        name: "0007_offers.sql",
        sql: include_str!("../../migrations/0007_offers.sql"),
    },
    Migration {
        version: 8,
        name: "0008_timers.sql",
        sql: include_str!("../../migrations/0008_timers.sql"),
    },
    Migration {
        version: 9,
        name: "0009_active_messages.sql",
        sql: include_str!("../../migrations/0009_active_messages.sql"),
    },
    Migration {
        version: 10,
        name: "0010_tick_due_check.sql",
        sql: include_str!("../../migrations/0010_tick_due_check.sql"),
    },
    Migration {
        version: 11,
        name: "0011_lifecycle.sql",
        sql: include_str!("../../migrations/0011_lifecycle.sql"),
    },
    Migration {
        version: 12,
        name: "0012_client_identities_by_client.sql",
        sql: include_str!("../../migrations/0012_client_identities_by_client.sql"),
    },
    Migration {
        version: 13,
        name: "0013_inbound_media.sql",
        sql: include_str!("../../migrations/0013_inbound_media.sql"),
    },
    Migration {
        version: 14,
        name: "0014_outbound_delivery.sql",
        sql: include_str!("../../migrations/0014_outbound_delivery.sql"),
    },
    Migration {
        version: 15,
        name: "0015_login_failures.sql",
        sql: include_str!("../../migrations/0015_login_failures.sql"),
    },
    Migration {
        version: 16,
        name: "0016_reports.sql",
        sql: include_str!("../../migrations/0016_reports.sql"),
    },
    Migration {
        version: 17,
        name: "0017_bots.sql",
        sql: include_str!("../../migrations/0017_bots.sql"),
    },
    Migration {
        version: 18,
        name: "0018_customer_message_trigger.sql",
        sql: include_str!("../../migrations/0018_customer_message_trigger.sql"),
    },
    Migration {
        version: 19,
        name: "0019_protocol_counter_trigger.sql",
        sql: include_str!("../../migrations/0019_protocol_counter_trigger.sql"),
    },
    Migration {
        version: 20,
        name: "0020_deferred_message_index.sql",
        sql: include_str!("../../migrations/0020_deferred_message_index.sql"),
    },
    Migration {
        version: 21,
        name: "0021_first_message_in_one_statement.sql",
        sql: include_str!("../../migrations/0021_first_message_in_one_statement.sql"),
    },
    Migration {
        version: 22,
        name: "0022_first_message_trigger_chained.sql",
        sql: include_str!("../../migrations/0022_first_message_trigger_chained.sql"),
    },
    Migration {
        version: 23,
        name: "0023_first_message_trigger_per_request.sql",
        sql: include_str!("../../migrations/0023_first_message_trigger_per_request.sql"),
    },
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The check a connection that has not run one makes: one statement when the schema is
/// current, the missing migrations otherwise. Answers whether it applied any.
pub fn ensure_current(db: &dyn Sql) -> Result<bool, AppError> {
    match db.execute("SELECT MAX(version) FROM schema_migrations", &[]) {
        Ok(rows) if scalar_i64(&rows)? >= latest_version() => Ok(false),
        _ => run(db).map(|applied| !applied.is_empty()),
    }
}

/// The column a connection's first query carries the schema's version in.
const CHECK_COLUMN: &str = "atende_schema_version";

/// The first statement of a connection whose schema nobody has checked (each Spin request
/// opens its own). A query carries the check as one more column instead of costing a
/// statement (a host call) of its own (docs/decisions/0020): `Some` is its answer, on a schema
/// found current. `None` when the caller must still run `sql` itself, on a schema this made
/// current: `sql` was not a query, failed (on a database not yet migrated, or for its own
/// reason: it is run again as written), found an older schema, or answered no rows (which
/// carry no version) on a schema that was not current.
pub fn first_statement(db: &dyn Sql, sql: &str, params: &[Value]) -> Result<Option<Rows>, DbError> {
    let migrating = |e: AppError| DbError::from_message(format!("migrating: {e}"));
    let Some(carrying) = carrying_the_check(sql) else {
        ensure_current(db).map_err(migrating)?;
        return Ok(None);
    };
    let Ok(rows) = db.execute(&carrying, params) else {
        ensure_current(db).map_err(migrating)?;
        return Ok(None);
    };
    let (rows, version) = without_the_check(rows);
    match version {
        Some(v) if v >= latest_version() => Ok(Some(rows)),
        Some(_) => {
            ensure_current(db).map_err(migrating)?;
            Ok(None)
        }
        None => match ensure_current(db).map_err(migrating)? {
            false => Ok(Some(rows)),
            true => Ok(None),
        },
    }
}

/// `sql` as a query that also answers the schema's version, if it is a query: every row gets
/// the version as its last column. Wrapped as a subquery, the statement keeps its rows, their
/// order and its parameters (`SELECT *` from it renames repeated column names, which
/// [`without_the_check`] restores; a bare `rowid` would come back named for the table's
/// `INTEGER PRIMARY KEY`, so queries name that column instead). The tests run every first
/// query both ways and compare ([`CheckedOnFirstStatement::verifying`]).
fn carrying_the_check(sql: &str) -> Option<String> {
    let statement = sql.trim().trim_end_matches(';').trim_end();
    let first = statement.split_whitespace().next()?.to_ascii_uppercase();
    let query = matches!(first.as_str(), "SELECT" | "WITH")
        && crate::statements::Kind::of(statement) == crate::statements::Kind::Read;
    // The line break ends a trailing `--` comment before the closing parenthesis.
    query.then(|| {
        format!(
            "SELECT *, (SELECT MAX(version) FROM schema_migrations) AS {CHECK_COLUMN} \
             FROM ({statement}\n)"
        )
    })
}

/// The rows as the statement itself answers them, and the version they carried (`None`
/// without rows).
fn without_the_check(mut rows: Rows) -> (Rows, Option<i64>) {
    if rows.columns.last().map(String::as_str) == Some(CHECK_COLUMN) {
        rows.columns.pop();
    }
    let mut version = None;
    for row in &mut rows.rows {
        let carried = row.pop();
        if version.is_none() {
            version = Some(match carried {
                Some(Value::Integer(v)) => v,
                // No migration recorded at all.
                _ => 0,
            });
        }
    }
    // A subquery names its second `id` column `id:1`; the statement alone names it `id`.
    let named: Vec<String> = rows.columns.clone();
    for (i, name) in rows.columns.iter_mut().enumerate() {
        if let Some((base, n)) = name.rsplit_once(':') {
            // SQLite compares names without case when it renames them.
            let repeated = named[..i]
                .iter()
                .any(|earlier| earlier.eq_ignore_ascii_case(base));
            if n.parse::<u32>().is_ok() && repeated {
                *name = base.to_owned();
            }
        }
    }
    (rows, version)
}

/// A [`Sql`] that checks the schema with its first statement as a Spin request does (the
/// local host migrates once at start): the tests run every request through it, so each
/// route's first query is also run the way Spin runs it.
pub struct CheckedOnFirstStatement<'a> {
    inner: &'a dyn Sql,
    checked: std::cell::Cell<bool>,
    verifying: bool,
}

impl<'a> CheckedOnFirstStatement<'a> {
    pub fn new(inner: &'a dyn Sql) -> Self {
        CheckedOnFirstStatement {
            inner,
            checked: std::cell::Cell::new(false),
            verifying: false,
        }
    }

    /// The tests' mode: a first query that carried the check is also run as written, and a
    /// different answer (rows, their order, column names) is an error naming the statement.
    pub fn verifying(inner: &'a dyn Sql) -> Self {
        CheckedOnFirstStatement {
            verifying: true,
            ..Self::new(inner)
        }
    }
}

/// How many more times the tests' mode compares the two ways when other requests' commits
/// kept changing the answer in between.
const VERIFY_TRIES: usize = 8;

impl Sql for CheckedOnFirstStatement<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        if !self.checked.get() {
            // As written just before and just after, so a concurrent request's commit between
            // the two ways cannot pass for a difference.
            let before = (self.verifying && carrying_the_check(sql).is_some())
                .then(|| self.inner.execute(sql, params).ok())
                .flatten();
            let first = first_statement(self.inner, sql, params)?;
            self.checked.set(true);
            if let Some(mut rows) = first {
                let same = |alone: &Rows, rows: &Rows| {
                    alone.columns == rows.columns && alone.rows == rows.rows
                };
                if !self.verifying || before.as_ref().is_some_and(|b| same(b, &rows)) {
                    return Ok(rows);
                }
                // Concurrent requests may commit between any two of the runs (the tests of
                // concurrent edits do, every few microseconds): the two ways are compared again,
                // back to back, until one pair agrees. A difference the check makes repeats.
                for _ in 0..VERIFY_TRIES {
                    if self
                        .inner
                        .execute(sql, params)
                        .is_ok_and(|a| same(&a, &rows))
                    {
                        return Ok(rows);
                    }
                    match first_statement(self.inner, sql, params)? {
                        Some(again) => rows = again,
                        None => break,
                    }
                }
                return Err(DbError::Other(format!(
                    "carrying the schema check changed the answer of `{sql}`: {:?} {:?}",
                    rows.columns, rows.rows
                )));
            }
        }
        self.inner.execute(sql, params)
    }

    fn let_writers_in(&self, held: std::time::Duration) {
        self.inner.let_writers_in(held);
    }
}

/// A released migration whose file was edited afterwards (before checksums were kept). A
/// database that applied the released text is accepted, and `repair` brings it to what the
/// current text creates (docs/decisions/0009).
pub struct AcceptedEdit {
    pub name: &'static str,
    /// SHA-256 of the text as released.
    pub released_checksum: &'static str,
    /// Statements each made only when its check (`SELECT` of one 0/1 value) says it is needed.
    pub repair: &'static [(&'static str, &'static str)],
}

pub const ACCEPTED_EDITS: &[AcceptedEdit] = &[
    AcceptedEdit {
        name: "0003_conversations.sql",
        released_checksum: "d9c76f0f310282fbfd9de3e33cf592b139405029d8f1032e59713bcaaf84e1c7",
        repair: &[(
            "SELECT COUNT(*) = 0 FROM sqlite_master WHERE type = 'index' AND name = 'clients_email'",
            "CREATE INDEX clients_email ON clients (tenant_id, email) WHERE email IS NOT NULL",
        )],
    },
    AcceptedEdit {
        name: "0010_tick_due_check.sql",
        released_checksum: "dd321b00d24a7233aceb3c194d680d4f9cc11167aa5d634cd696d1808a2c10ae",
        repair: &[(
            "SELECT COUNT(*) = 0 FROM pragma_table_info('tick_leases') WHERE name = 'wanted'",
            "ALTER TABLE tick_leases ADD COLUMN wanted INTEGER NOT NULL DEFAULT 0",
        )],
    },
];

/// The SHA-256 (hex) of a migration's text, line endings normalised (a checkout with CRLF is
/// the same migration).
pub fn checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(sql.replace("\r\n", "\n").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Applies what is missing; returns the versions applied now. Refuses, naming the file, when
/// an applied migration's text has changed since (migrations are append-only).
pub fn run(db: &dyn Sql) -> Result<Vec<i64>, AppError> {
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            checksum TEXT
        )",
        &[],
    )?;
    verify_applied(db)?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let statements = split_statements(migration.sql);
        // PRAGMAs such as journal_mode cannot run inside a transaction.
        for pragma in statements.iter().filter(|s| is_pragma(s)) {
            db.execute(pragma, &[])
                .with_context(|| format!("{}: {pragma}", migration.name))?;
        }
        let done = transaction(db, || {
            let rows = db.execute(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                &[Value::Integer(migration.version)],
            )?;
            if scalar_i64(&rows)? > 0 {
                return Ok(false);
            }
            for statement in statements.iter().filter(|s| !is_pragma(s)) {
                db.execute(statement, &[])
                    .with_context(|| format!("{}: {statement}", migration.name))?;
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                &[
                    Value::Integer(migration.version),
                    migration.name.into(),
                    checksum(migration.sql).into(),
                ],
            )?;
            Ok(true)
        })?;
        if done {
            applied.push(migration.version);
        }
    }
    Ok(applied)
}

/// Compares every applied migration with its file. One applied before checksums were kept
/// gets its file's checksum recorded (after the repair of an accepted edit, if it needs it);
/// one whose recorded checksum is neither the file's nor its accepted released text's stops
/// the start with a message saying what to do.
fn verify_applied(db: &dyn Sql) -> Result<(), AppError> {
    let has_column = scalar_i64(&db.execute(
        "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'",
        &[],
    )?)?;
    if has_column == 0 {
        db.execute(
            "ALTER TABLE schema_migrations ADD COLUMN checksum TEXT",
            &[],
        )
        .context("adding checksums to schema_migrations")?;
    }
    let rows = db.execute("SELECT version, name, checksum FROM schema_migrations", &[])?;
    for row in rows.iter() {
        let version = row.i64("version")?;
        let recorded = row.opt_text("checksum")?;
        let Some(migration) = MIGRATIONS.iter().find(|m| m.version == version) else {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "the database has migration {} ({}) applied, which this build does not have: \
                 it was made by a newer version of Atende",
                version,
                row.text("name")?
            )));
        };
        let current = checksum(migration.sql);
        if recorded.as_deref() == Some(current.as_str()) {
            continue;
        }
        let edit = ACCEPTED_EDITS.iter().find(|e| e.name == migration.name);
        match (&recorded, edit) {
            (None, _) => {}
            (Some(r), Some(edit)) if *r == edit.released_checksum => {}
            (Some(r), _) => {
                return Err(AppError::Unexpected(anyhow::anyhow!(
                    "migration {} was changed after it was applied to this database \
                     (applied text sha256 {r}, file now {current}). Applied migrations must \
                     not change: restore the file as it was and put the change in a new \
                     migration",
                    migration.name
                )));
            }
        }
        transaction(db, || {
            for (check, statement) in edit.map_or(&[][..], |e| e.repair) {
                if scalar_i64(&db.execute(check, &[])?)? == 1 {
                    db.execute(statement, &[])
                        .with_context(|| format!("repairing {}: {statement}", migration.name))?;
                }
            }
            db.execute(
                "UPDATE schema_migrations SET checksum = ? WHERE version = ?",
                &[current.clone().into(), version.into()],
            )?;
            Ok(())
        })?;
    }
    Ok(())
}

fn is_pragma(statement: &str) -> bool {
    statement
        .trim_start()
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("pragma"))
}

/// Splits a migration file into single statements (Spin runs one per call). Handles quotes,
/// `--` comments and trigger bodies (a `CREATE TRIGGER` ends at the `;` after its `END`).
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            current.push('\n');
                            break;
                        }
                    }
                }
                ';' if in_trigger_body(&current) => current.push(c),
                ';' => {
                    let s = current.trim();
                    if !s.is_empty() {
                        statements.push(s.to_owned());
                    }
                    current.clear();
                }
                _ => current.push(c),
            },
        }
    }
    let s = current.trim();
    if !s.is_empty() {
        statements.push(s.to_owned());
    }
    statements
}

/// Inside a `CREATE TRIGGER` whose body has not reached its `END` yet.
fn in_trigger_body(statement: &str) -> bool {
    let upper = statement.trim_start().to_ascii_uppercase();
    let trigger = upper.starts_with("CREATE TRIGGER") || upper.starts_with("CREATE TEMP TRIGGER");
    trigger && !upper.trim_end().ends_with("END")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::SqlitePool;
    use crate::statements::CountingSql;

    fn migrated() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = SqlitePool::open(dir.path().join("db.sqlite")).expect("pool");
        run(&pool.get().expect("connection")).expect("migrations");
        (dir, pool)
    }

    /// The statement through [`first_statement`] (its answer, and the statements it ran) and
    /// then alone.
    fn first_and_alone(db: &dyn Sql, sql: &str, params: &[Value]) -> (Option<Rows>, usize, Rows) {
        let counting = CountingSql::new(db);
        let first = first_statement(&counting, sql, params).expect("first statement");
        let ran = counting.take().total();
        (first, ran, db.execute(sql, params).expect("alone"))
    }

    #[test]
    fn a_query_first_on_a_current_schema_answers_as_itself_in_one_statement() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        for sql in [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT, body TEXT)",
            "INSERT INTO t (kind, body) VALUES ('a', 'x'), ('b', 'y'), ('a', 'z'), ('c', NULL)",
        ] {
            db.execute(sql, &[]).unwrap();
        }
        let queries: &[(&str, Vec<Value>)] = &[
            ("SELECT id, body FROM t WHERE kind = ? ORDER BY id DESC", vec!["a".into()]),
            // Repeated column names, an unnamed expression, an aggregate, a limit.
            (
                "SELECT a.id, b.id, COUNT(*), upper(a.kind) FROM t a LEFT JOIN t b \
                 ON b.kind = a.kind AND b.id > a.id GROUP BY a.id ORDER BY a.id DESC LIMIT ?2 OFFSET ?1",
                vec![1.into(), 2.into()],
            ),
            (
                "WITH k AS (SELECT DISTINCT kind FROM t) SELECT kind FROM k ORDER BY kind DESC;",
                vec![],
            ),
            ("SELECT body FROM t ORDER BY id -- the oldest first", vec![]),
            ("SELECT 1 AS one UNION ALL SELECT 2 ORDER BY 1 DESC", vec![]),
        ];
        for (sql, params) in queries {
            let (first, ran, alone) = first_and_alone(&db, sql, params);
            let first = first.unwrap_or_else(|| panic!("{sql} did not carry the check"));
            assert_eq!(ran, 1, "{sql}");
            assert_eq!(first.columns, alone.columns, "{sql}");
            assert_eq!(first.rows, alone.rows, "{sql}");
            assert!(!first.rows.is_empty(), "{sql}");
        }
    }

    #[test]
    fn repeated_names_come_back_as_the_statement_names_them_whatever_their_case() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        let sql =
            "SELECT version AS id, name AS ID, 1 AS Id FROM schema_migrations WHERE version = 1";
        let (first, ran, alone) = first_and_alone(&db, sql, &[]);
        assert_eq!(ran, 1);
        assert_eq!(first.unwrap().columns, alone.columns);
        assert_eq!(alone.columns, ["id", "ID", "Id"]);
    }

    #[test]
    fn a_query_that_fails_for_its_own_reason_is_left_to_the_caller_after_the_check() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        let counting = CountingSql::new(&db);
        let sql = "SELECT no_such_column FROM schema_migrations";
        assert!(first_statement(&counting, sql, &[]).unwrap().is_none());
        assert_eq!(
            counting.take().total(),
            2,
            "the query carrying the check, then the check"
        );
        assert!(
            db.execute(sql, &[]).is_err(),
            "the caller meets the error itself"
        );
    }

    /// The database answering a query that carries the check in reverse order.
    struct Reversing<'a>(&'a dyn Sql);

    impl Sql for Reversing<'_> {
        fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
            let mut rows = self.0.execute(sql, params)?;
            if sql.contains(CHECK_COLUMN) {
                rows.rows.reverse();
            }
            Ok(rows)
        }
    }

    /// The database as concurrent writers make it: each of the first `changes` statements finds
    /// one more row than the statement before it did.
    struct Changing<'a> {
        db: &'a dyn Sql,
        changes: std::cell::Cell<usize>,
    }

    impl Sql for Changing<'_> {
        fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
            if self.changes.get() > 0 {
                self.changes.set(self.changes.get() - 1);
                self.db
                    .execute("INSERT INTO w (x) SELECT MAX(x) + 1 FROM w", &[])?;
            }
            self.db.execute(sql, params)
        }
    }

    #[test]
    fn the_tests_mode_takes_an_answer_that_concurrent_commits_changed_between_the_runs() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        db.execute("CREATE TABLE w (x INTEGER)", &[]).unwrap();
        db.execute("INSERT INTO w (x) VALUES (1)", &[]).unwrap();
        let sql = "SELECT x FROM w ORDER BY x";
        // Before, carried, after, carried again: a commit before each of the first four.
        let changing = Changing {
            db: &db,
            changes: std::cell::Cell::new(4),
        };
        let verified = CheckedOnFirstStatement::verifying(&changing);
        let rows = verified.execute(sql, &[]).unwrap();
        let now = db.execute(sql, &[]).unwrap();
        assert_eq!(rows.rows, now.rows, "the answer once the writes stopped");
        assert_eq!(now.rows.len(), 5);
    }

    #[test]
    fn the_tests_mode_refuses_a_first_query_that_answers_differently_when_it_carries_the_check() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        let sql = "SELECT version FROM schema_migrations ORDER BY version";
        let reversing = Reversing(&db);
        let verified = CheckedOnFirstStatement::verifying(&reversing);
        let refused = verified.execute(sql, &[]).unwrap_err().to_string();
        assert!(refused.contains("changed the answer"), "{refused}");
        let honest = CheckedOnFirstStatement::verifying(&db);
        assert_eq!(
            honest.execute(sql, &[]).unwrap().rows.len(),
            MIGRATIONS.len()
        );
    }

    #[test]
    fn a_query_without_rows_checks_the_schema_on_its_own_and_answers_nothing() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        let sql = "SELECT version, name FROM schema_migrations WHERE version = ?";
        let (first, ran, alone) = first_and_alone(&db, sql, &[999.into()]);
        let first = first.expect("answered");
        assert_eq!(ran, 2, "the query, then the check");
        assert_eq!((first.columns, first.rows.len()), (alone.columns, 0));
    }

    #[test]
    fn a_write_first_is_left_to_the_caller_after_the_check() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        let counting = CountingSql::new(&db);
        let first = first_statement(&counting, "CREATE TABLE w (x)", &[]).unwrap();
        assert!(first.is_none());
        assert_eq!(
            counting.take().0,
            vec!["SELECT MAX(version) FROM schema_migrations"]
        );
    }

    #[test]
    fn a_query_first_on_an_empty_database_migrates_it_and_is_left_to_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let pool = SqlitePool::open(dir.path().join("db.sqlite")).unwrap();
        let db = pool.get().unwrap();
        let sql = "SELECT COUNT(*) FROM conversations";
        assert!(first_statement(&db, sql, &[]).unwrap().is_none());
        assert_eq!(scalar_i64(&db.execute(sql, &[]).unwrap()).unwrap(), 0);
        let version = db
            .execute("SELECT MAX(version) FROM schema_migrations", &[])
            .unwrap();
        assert_eq!(scalar_i64(&version).unwrap(), latest_version());
    }

    #[test]
    fn a_query_first_on_an_older_schema_brings_it_up_to_date_before_it_is_answered() {
        let (_dir, pool) = migrated();
        let db = pool.get().unwrap();
        // The database as the release before the last migration left it.
        let last = MIGRATIONS.last().unwrap();
        assert_eq!(last.name, "0023_first_message_trigger_per_request.sql");
        let trigger = split_statements(MIGRATIONS[last.version as usize - 2].sql)
            .into_iter()
            .find(|s| s.contains("CREATE TRIGGER first_messages_open"))
            .unwrap();
        db.execute(&trigger, &[]).unwrap();
        db.execute(
            "DELETE FROM schema_migrations WHERE version = ?",
            &[last.version.into()],
        )
        .unwrap();

        let sql = "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'first_messages_open'";
        assert!(first_statement(&db, sql, &[]).unwrap().is_none());
        assert_eq!(scalar_i64(&db.execute(sql, &[]).unwrap()).unwrap(), 0);
    }

    #[test]
    fn a_trigger_body_stays_one_statement() {
        let sql = "CREATE TABLE a (x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (1);\n  INSERT INTO b VALUES (2);\nEND;\nCREATE TABLE c (y);";
        let statements = split_statements(sql);
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert!(statements[1].ends_with("END"));
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "-- a; comment\nCREATE TABLE a (x TEXT DEFAULT ';');\nPRAGMA x=1;  \n";
        assert_eq!(
            split_statements(sql),
            vec!["CREATE TABLE a (x TEXT DEFAULT ';')", "PRAGMA x=1"]
        );
    }

    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{} is out of sequence", m.name);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
    }
}
