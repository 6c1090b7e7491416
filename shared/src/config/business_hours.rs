//! Business hours: weekly windows and holidays in a time zone, and the message customers get
//! outside them (in the three languages).

use super::{Prepared, Resource};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::tenant::parse_time_zone;
use crate::user::hours::{Window, WorkingHours};
use crate::validate::{required_text, Localized, Problems};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub struct BusinessHours;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// YYYY-MM-DD, a whole day closed.
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursDoc {
    pub name: String,
    pub time_zone: String,
    pub windows: Vec<Window>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    pub out_of_hours_message: Localized,
}

impl BusinessHoursDoc {
    /// Whether `at` is inside the hours (not a holiday, inside a window).
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let zone = self.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let day = at.with_timezone(&zone).date_naive().to_string();
        if self.holidays.iter().any(|h| h.date == day) {
            return false;
        }
        WorkingHours::parse(self.windows.clone())
            .map(|w| !w.windows().is_empty() && w.allows(at, zone))
            .unwrap_or(false)
    }
}

impl Resource for BusinessHours {
    const KIND: &'static str = "business_hours";
    type Doc = BusinessHoursDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&BusinessHoursDoc>,
        doc: &mut BusinessHoursDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 120))
            .unwrap_or_default();
        doc.time_zone = p
            .check("time_zone", parse_time_zone(&doc.time_zone))
            .unwrap_or_default();
        if doc.windows.is_empty() {
            p.add("windows", "at least one weekly window");
        } else {
            p.check("windows", WorkingHours::parse(doc.windows.clone()));
        }
        for h in &mut doc.holidays {
            if NaiveDate::parse_from_str(&h.date, "%Y-%m-%d").is_err() {
                p.add(
                    "holidays",
                    crate::errors::Text::new("'{value}' is not a date YYYY-MM-DD")
                        .with("value", &h.date),
                );
            }
            h.name = p
                .check("holidays", required_text(&h.name, 120))
                .unwrap_or_default();
        }
        doc.out_of_hours_message
            .check(&mut p, "out_of_hours_message", 1000);
        p.into_result()?;
        Ok(Prepared::named(&doc.name))
    }
}
