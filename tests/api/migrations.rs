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
