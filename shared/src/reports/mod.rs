//! Reports (SPEC §7): the conversation history with its exports and transcripts, and the
//! supervisors' figures — service level, agent productivity, surveys, occurrences and the live
//! dashboard. Everything here only reads what the conversation lifecycle records (except
//! [`surveys::record_answer`], the survey bot's write).
//!
//! Who sees what, for every report on conversations, is the one rule the customer panel uses
//! too ([`crate::conversation::visibility`]). Periods are calendar days in the company's time
//! zone, at most [`Period::MAX_DAYS`].

pub mod dashboard;
pub mod export;
pub mod history;
pub mod occurrences;
pub mod pdf;
pub mod productivity;
pub mod service_level;
pub mod sql;
pub mod surveys;
pub mod transcript;
pub mod xlsx;

use crate::auth::Principal;
use crate::enums::{Language, Profile};
use crate::errors::{AppError, AppResult};
use crate::tenant::Tenant;
use crate::web::Query;
use chrono::{DateTime, Days, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// A report's period: whole days `from` to `to` (inclusive) in the company's time zone.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from_ms: i64,
    /// Exclusive: midnight after the last day.
    pub to_ms: i64,
    pub zone: Tz,
}

impl Period {
    pub const MAX_DAYS: u64 = 31;

    /// `from` and `to` as `YYYY-MM-DD`; without them, the last [`Self::MAX_DAYS`] days up to
    /// today. More than 31 days, or `to` before `from`, is a 422 naming the field.
    pub fn from_query(query: &Query, tenant: &Tenant, now_ms: i64) -> AppResult<Period> {
        let zone = tenant.zone();
        let day = |field: &str| -> AppResult<Option<NaiveDate>> {
            query
                .get(field)
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map_err(|_| AppError::invalid(field, "a date as YYYY-MM-DD"))
                })
                .transpose()
        };
        let today = DateTime::<Utc>::from_timestamp_millis(now_ms)
            .unwrap_or_default()
            .with_timezone(&zone)
            .date_naive();
        let to = day("to")?.unwrap_or(today);
        let from = match day("from")? {
            Some(f) => f,
            None => to
                .checked_sub_days(Days::new(Self::MAX_DAYS - 1))
                .unwrap_or(to),
        };
        if to < from {
            return Err(AppError::invalid("to", "must not be before from"));
        }
        let days = (to - from).num_days() + 1;
        if days > Self::MAX_DAYS as i64 {
            return Err(AppError::invalid(
                "to",
                format!("a period covers at most {} days", Self::MAX_DAYS),
            ));
        }
        let end = to
            .checked_add_days(Days::new(1))
            .ok_or_else(|| AppError::invalid("to", "out of range"))?;
        Ok(Period {
            from_ms: midnight(zone, from),
            to_ms: midnight(zone, end),
            zone,
        })
    }
}

/// The first instant of `day` in `zone` (a day that starts in a DST gap starts at its first
/// valid minute).
fn midnight(zone: Tz, day: NaiveDate) -> i64 {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        LocalResult::None => {
            let later = naive + chrono::Duration::hours(1);
            zone.from_local_datetime(&later)
                .earliest()
                .map_or(0, |t| t.timestamp_millis())
        }
    }
}

/// An instant as RFC 3339 with the company's offset (`2026-11-23T12:00:00-03:00`).
pub fn local_time(ms: i64, zone: Tz) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// An instant as spreadsheets and the PDF show it: `2026-11-23 12:00:00`, company time.
pub fn local_stamp(ms: i64, zone: Tz) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A duration in seconds as `HH:MM:SS` (hours may pass 24).
/// A channel as the console names it, in `language`; an unknown one as stored.
pub fn channel_name(channel: &str, language: Language) -> &str {
    match (channel, language) {
        ("whatsapp", _) => "WhatsApp",
        ("telegram", _) => "Telegram",
        ("messenger", _) => "Messenger",
        ("instagram", _) => "Instagram",
        ("sms", _) => "SMS",
        ("email", Language::Es) => "Correo",
        ("email", _) => "E-mail",
        ("webchat", Language::PtBr) => "Chat do site",
        ("webchat", Language::Es) => "Chat del sitio",
        ("webchat", Language::En) => "Website chat",
        (other, _) => other,
    }
}

pub fn hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Supervisors' screens (the live dashboard): admins, supervisors, supervisor-agents.
pub fn require_supervisor(me: &Principal) -> AppResult<()> {
    match me.profile() {
        Profile::Admin | Profile::Supervisor | Profile::SupervisorAgent => Ok(()),
        Profile::Agent => Err(AppError::forbidden(
            "forbidden",
            "this report is for supervisors and admins",
        )),
    }
}

/// Seconds between two instants in milliseconds, when both are known.
pub fn seconds_between(start: Option<i64>, end: Option<i64>) -> Option<i64> {
    match (start, end) {
        (Some(s), Some(e)) if e >= s => Some((e - s) / 1000),
        _ => None,
    }
}

/// A mean rounded to one decimal, or nothing for no samples.
pub fn mean(sum: f64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum / count as f64 * 10.0).round() / 10.0)
}

/// A percentage rounded to one decimal, or nothing when the base is empty.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates_round_as_reports_show_them() {
        assert_eq!(hms(3725), "01:02:05");
        assert_eq!(hms(90_000), "25:00:00");
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 0), None);
        assert_eq!(mean(10.0, 4), Some(2.5));
    }

    #[test]
    fn a_local_day_starts_at_local_midnight() {
        let zone: Tz = "America/Sao_Paulo".parse().unwrap_or(Tz::UTC);
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        // São Paulo is UTC-3: local midnight is 03:00 UTC.
        assert_eq!(
            local_stamp(midnight(zone, day), Tz::UTC),
            "2026-11-23 03:00:00"
        );
    }
}
