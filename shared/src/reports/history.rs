//! The conversation history: closed conversations (open ones too on request) of a period,
//! filtered, newest first, paged by keyset so a page never repeats or skips a row when new
//! conversations arrive between requests.

use super::sql::{self, Cursor, HistoryFilter};
use super::{local_time, seconds_between, Period};
use crate::auth::Principal;
use crate::config::classification::ClassificationDoc;
use crate::context::Ctx;
use crate::conversation::visibility::Visibility;
use crate::db::Row;
use crate::errors::{AppError, AppResult};
use crate::ports::DbError;
use crate::web::Query;
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::HashMap;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
/// Rows an export reads per statement: what it holds in memory besides the file.
pub const EXPORT_CHUNK: i64 = 1000;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct HistoryItem {
    pub id: i64,
    pub protocol: String,
    pub channel: String,
    pub client_name: String,
    pub phone: Option<String>,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub status: String,
    pub started_at: String,
    pub closed_at: Option<String>,
    pub waiting_seconds: Option<i64>,
    pub handling_seconds: Option<i64>,
    /// The classification path as "main > reason > sub-reason".
    pub classification: Option<String>,
    pub resolved: Option<bool>,
    pub survey_score: Option<i64>,
    #[serde(skip)]
    pub started_ms: i64,
    #[serde(skip)]
    pub closed_ms: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryItem>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next: Option<String>,
}

/// The filters of `GET /api/reports/history` (and its exports), validated.
pub fn filter_from_query(query: &Query, period: &Period) -> AppResult<HistoryFilter> {
    let text = query.get("text").map(str::trim).filter(|t| !t.is_empty());
    let text = match text {
        Some(t) if t.chars().count() > 200 => {
            return Err(AppError::invalid("text", "at most 200 characters"))
        }
        Some(t) => Some(phrase_query(t).ok_or_else(|| {
            AppError::invalid("text", "give at least one word or number to look for")
        })?),
        None => None,
    };
    let digits = |field: &str| -> AppResult<Option<String>> {
        match query.get(field) {
            None => Ok(None),
            Some(v) => {
                let d: String = v.chars().filter(char::is_ascii_digit).collect();
                if d.is_empty() {
                    Err(AppError::invalid(field, "digits are needed"))
                } else {
                    Ok(Some(d))
                }
            }
        }
    };
    let tag = query.get("tag");
    // Every channel type there is (Messenger and Instagram were refused here).
    let channel = match query.get("channel") {
        None => None,
        Some(c) => match crate::config::channel::ChannelType::parse(c) {
            Some(t) => Some(t.as_str().to_owned()),
            None => {
                return Err(AppError::invalid(
                    "channel",
                    "one of whatsapp, telegram, email, webchat, sms, messenger, instagram",
                ))
            }
        },
    };
    Ok(HistoryFilter {
        from_ms: period.from_ms,
        to_ms: period.to_ms,
        include_open: query.parse::<bool>("include_open")?.unwrap_or(false),
        protocol: query.get("protocol").map(|p| p.trim().to_uppercase()),
        client: query.get("client").map(str::to_owned),
        phone_digits: digits("phone")?,
        document: digits("document")?,
        text,
        agent_id: query.parse("agent_id")?,
        group_id: query.parse("group_id")?,
        operation_id: query.parse("operation_id")?,
        channel,
        classification_id: query.parse("classification_id")?,
        tag_id: tag.and_then(|t| t.parse().ok()),
        tag_name: tag.filter(|t| t.parse::<i64>().is_err()).map(str::to_owned),
        resolved: query.parse("resolved")?,
        survey_score: query.parse("survey_score")?,
    })
}

/// The customer's words as one FTS5 phrase: each run of letters or digits a token, so quotes,
/// operators and punctuation in the input are never FTS syntax. `None` when nothing is left.
pub fn phrase_query(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    (!tokens.is_empty()).then(|| format!("\"{}\"", tokens.join(" ")))
}

fn parse_cursor(raw: &str) -> AppResult<Cursor> {
    let bad = || AppError::invalid("cursor", "use the `next` value of the previous page");
    let (at, id) = raw.split_once('.').ok_or_else(bad)?;
    Ok(Cursor {
        arrived_at: at.parse().map_err(|_| bad())?,
        id: id.parse().map_err(|_| bad())?,
    })
}

fn format_cursor(c: Cursor) -> String {
    format!("{}.{}", c.arrived_at, c.id)
}

/// Names for classification paths, read once per request.
pub struct Classifications(HashMap<i64, ClassificationDoc>);

impl Classifications {
    pub fn load(ctx: &Ctx, me: &Principal) -> AppResult<Classifications> {
        Ok(Classifications(
            sql::classifications(ctx.db, me.tenant_id())?
                .into_iter()
                .filter_map(|(id, data)| serde_json::from_str(&data).ok().map(|d| (id, d)))
                .collect(),
        ))
    }

    pub fn path(
        &self,
        classification: Option<i64>,
        reason: Option<i64>,
        sub_reason: Option<i64>,
    ) -> Option<String> {
        let doc = self.0.get(&classification?)?;
        let mut parts = vec![doc.name.clone()];
        let reason =
            reason.and_then(|r| doc.reasons.iter().find(|n| n.id.map(i64::from) == Some(r)));
        if let Some(r) = reason {
            parts.push(r.name.clone());
            if let Some(s) =
                sub_reason.and_then(|s| r.children.iter().find(|n| n.id.map(i64::from) == Some(s)))
            {
                parts.push(s.name.clone());
            }
        }
        Some(parts.join(" > "))
    }
}

fn decode(r: &Row, zone: Tz, names: &Classifications) -> Result<HistoryItem, DbError> {
    let arrived = r.i64("arrived_at")?;
    let queued = r.opt_i64("queue_start")?;
    let assigned = r.opt_i64("first_assigned")?;
    let closed = r.opt_i64("closed_at")?;
    Ok(HistoryItem {
        id: r.i64("id")?,
        protocol: r.text("protocol")?,
        channel: r.text("channel_type")?,
        client_name: r.text("client_name")?,
        phone: r.opt_text("phone")?,
        agent_id: r.opt_i64("agent_id")?,
        agent_name: r.opt_text("agent_name")?,
        group_id: r.opt_i64("group_id")?,
        group_name: r.opt_text("group_name")?,
        status: r.text("status")?,
        started_at: local_time(arrived, zone),
        closed_at: closed.map(|c| local_time(c, zone)),
        // From entering the queue until an agent first took it (or the customer gave up);
        // handling from then until the close, transfers included.
        waiting_seconds: seconds_between(queued, assigned.or(closed)),
        handling_seconds: seconds_between(assigned, closed),
        classification: names.path(
            r.opt_i64("classification_id")?,
            r.opt_i64("reason_id")?,
            r.opt_i64("sub_reason_id")?,
        ),
        resolved: r.opt_i64("resolved")?.map(|v| v != 0),
        survey_score: r.opt_i64("survey_score")?,
        started_ms: arrived,
        closed_ms: closed,
    })
}

/// A search by message text first indexes the messages the tick has not reached yet, so it
/// finds every message stored before it (migration 0020).
fn searchable(ctx: &Ctx, filter: &HistoryFilter) {
    if filter.text.is_some() {
        // A search never fails for the index: if writers keep the lock, it searches what the
        // tick indexed (at most a tick behind) and says so in the log.
        if let Err(e) = sql::index_new_messages(ctx.db) {
            crate::log::event(
                "search_index_behind",
                &serde_json::json!({"level": "warn", "error": e.to_string()}),
            );
        }
    }
}

/// One page of the history as `me` may see it.
pub fn page(ctx: &Ctx, me: &Principal, query: &Query, period: &Period) -> AppResult<HistoryPage> {
    let filter = filter_from_query(query, period)?;
    let limit = query.parse::<i64>("limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            crate::errors::messages::reason::between(1, MAX_LIMIT),
        ));
    }
    let cursor = query.get("cursor").map(parse_cursor).transpose()?;
    searchable(ctx, &filter);
    let names = Classifications::load(ctx, me)?;
    let rows = sql::history_page(
        ctx.db,
        me.tenant_id(),
        &Visibility::of(me),
        &filter,
        cursor,
        limit + 1,
    )?;
    let mut items = rows
        .iter()
        .map(|r| decode(&r, period.zone, &names))
        .collect::<Result<Vec<_>, DbError>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|i| {
            format_cursor(Cursor {
                arrived_at: i.started_ms,
                id: i.id,
            })
        })
    } else {
        None
    };
    Ok(HistoryPage { items, next })
}

/// Every row of the filtered history, [`EXPORT_CHUNK`] rows per statement, handed to `each`
/// in order; no more than one chunk is held at a time.
pub fn for_each(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    zone: Tz,
    mut each: impl FnMut(&HistoryItem) -> AppResult<()>,
) -> AppResult<usize> {
    searchable(ctx, filter);
    let names = Classifications::load(ctx, me)?;
    let scope = Visibility::of(me);
    let mut cursor = None;
    let mut total = 0;
    loop {
        let rows = sql::history_page(ctx.db, me.tenant_id(), &scope, filter, cursor, EXPORT_CHUNK)?;
        let mut last = None;
        for r in rows.iter() {
            let item = decode(&r, zone, &names)?;
            each(&item)?;
            last = Some(Cursor {
                arrived_at: item.started_ms,
                id: item.id,
            });
        }
        total += rows.rows.len();
        match last {
            Some(c) if rows.rows.len() as i64 == EXPORT_CHUNK => cursor = Some(c),
            _ => return Ok(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_text_becomes_one_phrase_without_fts_syntax() {
        assert_eq!(
            phrase_query("  não \"chegou\" OR*  ").as_deref(),
            Some("\"não chegou OR\"")
        );
        assert_eq!(phrase_query("\"*\" -"), None);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let c = Cursor {
            arrived_at: 1_700_000_000_000,
            id: 42,
        };
        assert_eq!(parse_cursor(&format_cursor(c)).ok(), Some(c));
        assert!(parse_cursor("abc").is_err());
    }
}
