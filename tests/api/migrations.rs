use crate::helpers::TestApp;
use atende_shared::migrate;

#[test]
fn migrations_are_applied_once_across_restarts() {
    let first = TestApp::spawn();
    let token = first.token("admin");
    assert!(!token.is_empty());
    let TestApp { app, dir, .. } = first;
    // Already applied when the app opened: nothing left to apply.
    assert!(app.migrate().unwrap().is_empty());
    drop(app);

    let second = TestApp::open(dir);

    assert!(second.app.migrate().unwrap().is_empty());
    let count = second
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute("SELECT COUNT(*), MAX(version) FROM schema_migrations", &[])
                .unwrap()
        })
        .unwrap();
    assert_eq!(
        count.rows[0],
        vec![
            atende_shared::ports::Value::Integer(migrate::MIGRATIONS.len() as i64),
            atende_shared::ports::Value::Integer(migrate::latest_version())
        ]
    );
    // The data survived the restart.
    second.token("admin");
}

#[test]
fn the_database_runs_in_wal_mode() {
    let app = TestApp::spawn_empty();
    let mode = app
        .app
        .with_ctx(|ctx| ctx.db.execute("PRAGMA journal_mode", &[]).unwrap())
        .unwrap();
    assert_eq!(
        mode.rows[0][0],
        atende_shared::ports::Value::Text("wal".into())
    );
}

/// Runs statements on a closed test app's database file, as an operator (or an old version)
/// would have left it.
fn tamper(dir: &tempfile::TempDir, sql: &str) {
    let pool = atende_shared::native::SqlitePool::open(dir.path().join("atende.sqlite")).unwrap();
    let conn = pool.get().unwrap();
    for statement in migrate::split_statements(sql) {
        atende_shared::ports::Sql::execute(&conn, &statement, &[]).unwrap();
    }
}

fn open_error(dir: tempfile::TempDir) -> String {
    let config = atende_host::Config {
        data_dir: dir.path().to_path_buf(),
        web_root: std::path::PathBuf::from("web"),
        variables: std::collections::HashMap::new(),
    };
    match atende_host::App::open(
        config,
        std::sync::Arc::new(atende_shared::ports::SystemClock),
    ) {
        Ok(_) => panic!("the app started on a database whose migration text changed"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn each_applied_migration_keeps_its_checksum_and_a_changed_text_stops_the_start() {
    let test = TestApp::spawn();
    let recorded = test
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute(
                    "SELECT name, checksum FROM schema_migrations ORDER BY version",
                    &[],
                )
                .unwrap()
        })
        .unwrap();
    for (row, m) in recorded.rows.iter().zip(migrate::MIGRATIONS) {
        assert_eq!(
            row[1],
            atende_shared::ports::Value::Text(migrate::checksum(m.sql)),
            "{}",
            m.name
        );
    }
    let TestApp { app, dir, .. } = test;
    drop(app);
    // As if 0005's file had been edited since this database applied it.
    tamper(
        &dir,
        "UPDATE schema_migrations SET checksum = 'not-the-text-applied' WHERE name = '0005_inbox_feed.sql'",
    );

    let error = open_error(dir);

    assert!(error.contains("0005_inbox_feed.sql"), "{error}");
    assert!(error.contains("changed after it was applied"), "{error}");
    assert!(error.contains("new migration"), "{error}");
}

/// A database from before checksums that applied 0003 and 0010 as released (before they were
/// edited) starts, gets what the edits added, and has every checksum recorded.
#[test]
fn a_database_that_applied_the_released_texts_of_edited_migrations_still_starts() {
    let TestApp { app, dir, .. } = TestApp::spawn();
    drop(app);
    tamper(
        &dir,
        "ALTER TABLE schema_migrations DROP COLUMN checksum; \
         DROP INDEX clients_email; \
         ALTER TABLE tick_leases DROP COLUMN wanted;",
    );

    let reopened = TestApp::open(dir);

    let state = reopened
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute(
                    "SELECT (SELECT COUNT(*) FROM schema_migrations WHERE checksum IS NULL), \
                            (SELECT COUNT(*) FROM sqlite_master WHERE name = 'clients_email'), \
                            (SELECT COUNT(*) FROM pragma_table_info('tick_leases') WHERE name = 'wanted')",
                    &[],
                )
                .unwrap()
        })
        .unwrap();
    use atende_shared::ports::Value::Integer;
    assert_eq!(state.rows[0], vec![Integer(0), Integer(1), Integer(1)]);
    reopened.token("admin");
    // A recorded released checksum is accepted as well.
    let TestApp { app, dir, .. } = reopened;
    drop(app);
    tamper(
        &dir,
        &format!(
            "UPDATE schema_migrations SET checksum = '{}' WHERE name = '0010_tick_due_check.sql'",
            migrate::ACCEPTED_EDITS[1].released_checksum
        ),
    );
    TestApp::open(dir).token("admin");
}
