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
        if self.0.is_empty() {
            return true;
        }
        let local = at.with_timezone(&zone);
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

#[cfg(test)]
mod tests {
    use super::*;
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
