//! Rows a request would otherwise read from SQLite on every call, kept in the key-value store
//! for a few seconds (docs/decisions/0016). Under Spin a request that touches SQLite pays for a
//! fresh connection and the parsing of the whole schema before its first statement; one that
//! only reads the key-value store (one connection the host shares) does not. The idle agent's
//! poll answers from here alone.
//!
//! Every entry carries the time it was written and is trusted for a fixed time only, so a
//! change the code forgot to announce, or a write racing a reader that refills the entry with
//! what it read just before, is seen within that time at worst. Writers forget the entries
//! they make stale: at once when nothing is open, else when their transaction has ended
//! ([`forget_after_commit`], flushed by [`flush`] at the end of the request), so a reader
//! cannot refill an entry from a snapshot older than the write.
//!
//! The cache never fails a request: a key-value error reads as a miss.

use crate::ports::{KeyValue, Rows, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    at: i64,
    value: T,
}

/// `key`'s value if it was written less than `ttl_ms` before `now`.
pub fn get<T: DeserializeOwned>(kv: &dyn KeyValue, key: &str, now: i64, ttl_ms: i64) -> Option<T> {
    let bytes = fetch(kv, key).ok()??;
    let entry: Entry<T> = serde_json::from_slice(&bytes).ok()?;
    (entry.at <= now && now - entry.at < ttl_ms).then_some(entry.value)
}

pub fn put<T: Serialize>(kv: &dyn KeyValue, key: &str, now: i64, value: &T) {
    unread(key);
    if let Ok(bytes) = serde_json::to_vec(&Entry { at: now, value }) {
        if let Err(e) = kv.set(key, &bytes) {
            eprintln!("cache: writing {key}: {e}");
        }
    }
}

pub fn forget(kv: &dyn KeyValue, key: &str) {
    unread(key);
    if let Err(e) = kv.delete(key) {
        eprintln!("cache: forgetting {key}: {e}");
    }
}

thread_local! {
    /// Keys made stale by writes not yet known to be committed. A request runs on one thread
    /// from start to end on both hosts (a Spin instance has one), so this is the request's.
    static STALE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Entries this request read ahead ([`read_ahead`]), each handed out once by [`fetch`].
    static AHEAD: RefCell<HashMap<String, Option<Vec<u8>>>> = RefCell::new(HashMap::new());
    /// A statement's answer this request read ahead inside another statement
    /// ([`read_rows_ahead`]), handed out once by [`rows_read_ahead`].
    static ROWS_AHEAD: RefCell<HashMap<String, Rows>> = RefCell::new(HashMap::new());
    /// This request read SQLite again for an entry that had expired ([`rows`]).
    static REFILLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this request has read SQLite for an expired entry ([`rows`]): under Spin its
/// connection is open, and one more statement on it costs a fraction of the connection another
/// request would open for another expired entry.
pub fn refilled() -> bool {
    REFILLED.with(std::cell::Cell::get)
}

/// Keeps `rows` as the answer of the read `key` names, for this request's one call of it:
/// under Spin a statement is a host call, so a request that knows its next read makes it
/// inside the one before (docs/decisions/0020). Gone when the request ends.
pub fn read_rows_ahead(key: String, rows: Rows) {
    ROWS_AHEAD.with(|a| a.borrow_mut().insert(key, rows));
}

/// The answer read ahead for `key`, once.
pub fn rows_read_ahead(key: &str) -> Option<Rows> {
    ROWS_AHEAD.with(|a| a.borrow_mut().remove(key))
}

/// Reads `keys` in one call, for the [`fetch`]es that follow in this request: under Spin each
/// key-value call blocks one of the host's threads, about 65 µs of its CPU whatever it reads,
/// so a request that knows what it will read (the agent's poll) reads it two calls at a time
/// instead of one at a time (docs/decisions/0016). A failed read leaves the keys to `fetch`.
pub fn read_ahead(kv: &dyn KeyValue, keys: Vec<String>) {
    if let Ok(values) = kv.get_many(&keys) {
        AHEAD.with(|a| {
            let mut ahead = a.borrow_mut();
            for (key, value) in keys.into_iter().zip(values) {
                ahead.entry(key).or_insert(value);
            }
        });
    }
}

/// `key`'s value: the one read ahead for it, else from the store.
pub fn fetch(kv: &dyn KeyValue, key: &str) -> Result<Option<Vec<u8>>, crate::ports::KvError> {
    match AHEAD.with(|a| a.borrow_mut().remove(key)) {
        Some(value) => Ok(value),
        None => kv.get(key),
    }
}

/// Drops what was read ahead for `key`: this request is changing it.
fn unread(key: &str) {
    AHEAD.with(|a| a.borrow_mut().remove(key));
}

/// Forgets `key` once the request's writes are committed ([`flush`]).
pub fn forget_after_commit(key: String) {
    STALE.with(|s| s.borrow_mut().push(key));
}

/// Drops what a request that ended abnormally (a panic) left behind on this thread, before the
/// next one starts on it: the native host's threads outlive a request.
pub fn reset() {
    AHEAD.with(|a| a.borrow_mut().clear());
    ROWS_AHEAD.with(|a| a.borrow_mut().clear());
    REFILLED.with(|r| r.set(false));
    STALE.with(|s| s.borrow_mut().clear());
}

/// Forgets what this request's writes made stale; the hosts call it when a request (or a
/// scheduled run) has finished, after its last `COMMIT`.
pub fn flush(kv: &dyn KeyValue) {
    AHEAD.with(|a| a.borrow_mut().clear());
    ROWS_AHEAD.with(|a| a.borrow_mut().clear());
    REFILLED.with(|r| r.set(false));
    let keys = STALE.with(|s| std::mem::take(&mut *s.borrow_mut()));
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        // Only what is there: a read is cheap, a write to Spin's default store is a commit.
        if seen.insert(key.clone()) && matches!(kv.get(&key), Ok(Some(_))) {
            forget(kv, &key);
        }
    }
}

/// A statement's result as the cache stores it (no blobs: what is cached is text and numbers).
#[derive(Serialize, Deserialize)]
pub struct StoredRows {
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

#[derive(Serialize, Deserialize)]
enum Cell {
    N,
    I(i64),
    R(f64),
    T(String),
}

impl StoredRows {
    /// `None` when a value cannot be kept (a blob).
    pub fn of(rows: &Rows) -> Option<StoredRows> {
        let cells = rows
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| match v {
                        Value::Null => Some(Cell::N),
                        Value::Integer(i) => Some(Cell::I(*i)),
                        Value::Real(f) => Some(Cell::R(*f)),
                        Value::Text(t) => Some(Cell::T(t.clone())),
                        Value::Blob(_) => None,
                    })
                    .collect::<Option<Vec<_>>>()
            })
            .collect::<Option<Vec<_>>>()?;
        Some(StoredRows {
            columns: rows.columns.clone(),
            rows: cells,
        })
    }

    pub fn into_rows(self) -> Rows {
        Rows {
            columns: self.columns,
            rows: self
                .rows
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|c| match c {
                            Cell::N => Value::Null,
                            Cell::I(i) => Value::Integer(i),
                            Cell::R(f) => Value::Real(f),
                            Cell::T(t) => Value::Text(t),
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

/// The rows `read` returns, from the cache while they are younger than `ttl_ms`. Empty results
/// are not kept (what does not exist yet may be created at any moment).
pub fn rows<E>(
    kv: &dyn KeyValue,
    key: &str,
    now: i64,
    ttl_ms: i64,
    read: impl FnOnce() -> Result<Rows, E>,
) -> Result<Rows, E> {
    if let Some(stored) = get::<StoredRows>(kv, key, now, ttl_ms) {
        return Ok(stored.into_rows());
    }
    let rows = read()?;
    REFILLED.with(|r| r.set(true));
    if !rows.rows.is_empty() {
        if let Some(stored) = StoredRows::of(&rows) {
            put(kv, key, now, &stored);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::KvError;
    use std::collections::HashMap;

    #[derive(Default)]
    struct MapKv(RefCell<HashMap<String, Vec<u8>>>);

    impl KeyValue for MapKv {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
            Ok(self.0.borrow().get(key).cloned())
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
            self.0.borrow_mut().insert(key.into(), value.to_vec());
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), KvError> {
            self.0.borrow_mut().remove(key);
            Ok(())
        }
    }

    fn one_row() -> Rows {
        Rows {
            columns: vec!["id".into(), "name".into(), "score".into(), "gone".into()],
            rows: vec![vec![
                Value::Integer(7),
                Value::Text("Ana".into()),
                Value::Real(0.5),
                Value::Null,
            ]],
        }
    }

    #[test]
    fn rows_come_back_as_read_until_they_are_too_old() {
        let kv = MapKv::default();
        let reads = std::cell::Cell::new(0);
        let read = || {
            reads.set(reads.get() + 1);
            Ok::<_, ()>(one_row())
        };
        let first = rows(&kv, "k", 1_000, 500, read).unwrap();
        let second = rows(&kv, "k", 1_499, 500, read).unwrap();
        assert_eq!(
            (first.rows.clone(), first.columns.clone()),
            (second.rows, second.columns)
        );
        assert_eq!(reads.get(), 1, "the second came from the cache");
        rows(&kv, "k", 1_500, 500, read).unwrap();
        assert_eq!(reads.get(), 2, "500 ms later the entry is too old");
    }

    #[test]
    fn nothing_found_is_not_kept_and_a_forgotten_key_is_read_again() {
        let kv = MapKv::default();
        let empty = rows(&kv, "k", 0, 1_000, || Ok::<_, ()>(Rows::default())).unwrap();
        assert!(empty.rows.is_empty());
        assert!(kv.0.borrow().is_empty());
        rows(&kv, "k", 0, 1_000, || Ok::<_, ()>(one_row())).unwrap();
        forget_after_commit("k".into());
        assert!(
            kv.0.borrow().contains_key("k"),
            "kept until the request ends"
        );
        flush(&kv);
        assert!(kv.0.borrow().is_empty());
    }

    #[test]
    fn an_entry_from_the_future_is_not_trusted() {
        let kv = MapKv::default();
        put(&kv, "k", 5_000, &1);
        assert_eq!(get::<i64>(&kv, "k", 4_000, 10_000), None);
        assert_eq!(get::<i64>(&kv, "k", 5_000, 10_000), Some(1));
    }

    #[test]
    fn what_was_read_ahead_is_handed_out_once_and_a_write_drops_it() {
        let kv = MapKv::default();
        put(&kv, "a", 1_000, &1);
        put(&kv, "b", 1_000, &2);
        read_ahead(&kv, vec!["a".into(), "b".into(), "missing".into()]);
        // The store changes behind the read-ahead: the request sees what it read ahead once,
        // then the store itself.
        kv.set("a", b"changed").unwrap();
        assert_eq!(get::<i64>(&kv, "a", 1_001, 500), Some(1));
        assert_eq!(fetch(&kv, "a").unwrap(), Some(b"changed".to_vec()));
        assert_eq!(fetch(&kv, "missing").unwrap(), None);
        // This request's own write is never shadowed by what it read before.
        put(&kv, "b", 1_002, &3);
        assert_eq!(get::<i64>(&kv, "b", 1_003, 500), Some(3));
        flush(&kv);
    }
}
