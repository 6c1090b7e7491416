//! Weekly working windows: outside them a user cannot log in or work (SPEC §1).

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// mon, tue, wed, thu, fri, sat, sun
    pub day: String,
    /// "HH:MM", inclusive
    pub start: String,
    /// "HH:MM" (or "24:00"), exclusive
    pub end: String,
}

/// The windows, validated. Empty means no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingHours(Vec<Window>);

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

impl WorkingHours {
    pub fn parse(windows: Vec<Window>) -> Result<Self, String> {
        if windows.len() > 50 {
            return Err("at most 50 windows".into());
        }
        for (i, w) in windows.iter().enumerate() {
            if !DAYS.contains(&w.day.as_str()) {
                return Err(format!(
                    "window {i}: day must be one of {}",
                    DAYS.join(", ")
                ));
            }
            let (Some(start), Some(end)) = (minutes(&w.start), minutes(&w.end)) else {
                return Err(format!("window {i}: times must be HH:MM (00:00 to 24:00)"));
            };
            if start >= end {
                return Err(format!("window {i}: start must be before end"));
            }
        }
        Ok(WorkingHours(windows))
    }

    /// Stored JSON (already validated when written).
    pub fn from_stored(json: &str) -> Self {
        WorkingHours(serde_json::from_str(json).unwrap_or_default())
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }

    pub fn windows(&self) -> &[Window] {
        &self.0
    }

    /// Whether `at` falls inside a window, read in the tenant's time zone.
    pub fn allows(&self, at: DateTime<Utc>, zone: Tz) -> bool {
        self.0.is_empty() || self.allows_local(at.with_timezone(&zone).naive_local())
    }

    /// [`WorkingHours::allows`] with the zone's offsets a session carries: no time-zone tables,
    /// so the components that only check sessions (the poll's) stay small. `None` when the
    /// offsets do not cover `at` and there are windows to check.
    pub fn allows_with(&self, at: DateTime<Utc>, offsets: &ZoneOffsets) -> Option<bool> {
        if self.0.is_empty() {
            return Some(true);
        }
        let offset = chrono::FixedOffset::east_opt(offsets.at(at.timestamp_millis())?)?;
        Some(self.allows_local(at.with_timezone(&offset).naive_local()))
    }

    fn allows_local(&self, local: chrono::NaiveDateTime) -> bool {
        let day = match local.weekday() {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        };
        let now = local.hour() * 60 + local.minute();
        self.0.iter().any(|w| {
            w.day == day
                && minutes(&w.start).is_some_and(|s| s <= now)
                && minutes(&w.end).is_some_and(|e| now < e)
        })
    }
}

/// A time zone's offsets from UTC over a span, as `(from_ms, seconds east of UTC)` in order:
/// what a session needs to read working hours in its company's zone without carrying the
/// time-zone database (docs/decisions/0017).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneOffsets(Vec<(i64, i32)>);

impl ZoneOffsets {
    /// `zone`'s offsets from `from_ms` to `to_ms`: sampled every hour (no zone changes its
    /// offset twice within one), each change found to the second.
    pub fn of(zone: Tz, from_ms: i64, to_ms: i64) -> Self {
        use chrono::Offset;
        let offset_at = |ms: i64| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .map(|t| t.with_timezone(&zone).offset().fix().local_minus_utc())
        };
        let Some(first) = offset_at(from_ms) else {
            return ZoneOffsets::default();
        };
        let mut spans = vec![(from_ms, first)];
        let (mut before, mut current) = (from_ms, first);
        while before < to_ms {
            let next = (before + 3_600_000).min(to_ms);
            let Some(offset) = offset_at(next) else { break };
            if offset != current {
                // The change lies in (before, next]: narrow it to the second.
                let (mut lo, mut hi) = (before, next);
                while hi - lo > 1_000 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(mid) == Some(current) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                spans.push((hi, offset));
                current = offset;
            }
            before = next;
        }
        ZoneOffsets(spans)
    }

    /// The offset at `ms` (seconds east of UTC). Before the span's start it is the first one:
    /// a clock a moment behind the login's (a step back, another instance) must not revoke
    /// the session. `None` only when there are no offsets (a session from before them).
    pub fn at(&self, ms: i64) -> Option<i32> {
        self.0
            .iter()
            .take_while(|(from, _)| *from <= ms)
            .last()
            .or(self.0.first())
            .map(|(_, offset)| *offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_a_zones_change_to_the_second() {
        // New York leaves daylight saving time on 2026-11-01 at 06:00 UTC.
        let zone: Tz = "America/New_York".parse().unwrap();
        let from = Utc.with_ymd_and_hms(2026, 10, 31, 20, 30, 0).unwrap();
        let change = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
        let offsets = ZoneOffsets::of(
            zone,
            from.timestamp_millis(),
            from.timestamp_millis() + 12 * 3_600_000,
        );
        assert_eq!(offsets.at(from.timestamp_millis()), Some(-4 * 3600));
        assert_eq!(
            offsets.at(change.timestamp_millis() - 1_000),
            Some(-4 * 3600)
        );
        assert_eq!(offsets.at(change.timestamp_millis()), Some(-5 * 3600));
        assert_eq!(offsets.at(from.timestamp_millis() - 1), Some(-4 * 3600));
        assert_eq!(ZoneOffsets::default().at(from.timestamp_millis()), None);
        let hours = WorkingHours::parse(vec![w("sun", "01:00", "02:00")]).unwrap();
        // 06:30 UTC is 01:30 in New York after the change, inside the window either way.
        for minute in [0, 30, 59] {
            let at = change + chrono::Duration::minutes(minute);
            assert_eq!(
                hours.allows_with(at, &offsets),
                Some(hours.allows(at, zone)),
                "{at}"
            );
        }
    }
    use chrono::TimeZone;

    fn w(day: &str, start: &str, end: &str) -> Window {
        Window {
            day: day.into(),
            start: start.into(),
            end: end.into(),
        }
    }

    #[test]
    fn windows_are_read_in_the_tenant_zone() {
        let hours = WorkingHours::parse(vec![w("mon", "08:00", "18:00")]).unwrap_or_default();
        let zone: Tz = "America/Sao_Paulo".parse().unwrap_or(Tz::UTC);
        // Monday 2026-11-23 10:59 UTC is 07:59 in São Paulo (UTC-3): one minute early.
        let early = Utc.with_ymd_and_hms(2026, 11, 23, 10, 59, 0).unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 11, 0, 0).unwrap();
        let last = Utc.with_ymd_and_hms(2026, 11, 23, 20, 59, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 11, 23, 21, 0, 0).unwrap();
        assert!(!hours.allows(early, zone));
        assert!(hours.allows(start, zone));
        assert!(hours.allows(last, zone));
        assert!(!hours.allows(end, zone));
        assert!(WorkingHours::default().allows(early, zone));
    }

    #[test]
    fn bad_windows_are_refused() {
        assert!(WorkingHours::parse(vec![w("monday", "08:00", "18:00")]).is_err());
        assert!(WorkingHours::parse(vec![w("mon", "8:00", "18:00")]).is_err());
        assert!(WorkingHours::parse(vec![w("mon", "18:00", "08:00")]).is_err());
        assert!(WorkingHours::parse(vec![w("mon", "00:00", "24:00")]).is_ok());
    }
}
