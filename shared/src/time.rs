//! Time formatting shared by every API: instants are stored as Unix milliseconds and shown as
//! RFC 3339 in UTC.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn ms_to_rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}
