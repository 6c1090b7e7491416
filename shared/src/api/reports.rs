//! `/api/reports/...`: history, transcripts, exports and the supervisors' figures (SPEC §7).

use crate::auth::{authenticate, Principal, ALL_PROFILES};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::reports::{self, export, history, transcript, Period};
use crate::web::{ok, streamed, Request, Response};
use http::{header, StatusCode};

/// The caller; an API token also needs a read scope, as for every other read.
fn caller(ctx: &Ctx, req: &Request) -> AppResult<Principal> {
    let me = authenticate(ctx, req)?;
    me.require(ALL_PROFILES)?;
    Ok(me)
}

fn period(ctx: &Ctx, req: &Request, me: &Principal) -> AppResult<Period> {
    Period::from_query(&req.query(), &me.tenant, ctx.now_ms())
}

/// A downloaded file's head: its type and the name the browser saves it under.
fn file_head(content_type: &str, filename: &str) -> http::response::Builder {
    http::Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
}

fn file(content_type: &str, filename: &str, body: Vec<u8>) -> AppResult<Response> {
    file_head(content_type, filename)
        .body(body)
        .map_err(|e| AppError::Unexpected(e.into()))
}

/// The history export's filters are checked (a 4xx) before the head goes out; the rows are
/// then written by the host as the body streams (decision 0012).
fn download(
    ctx: &Ctx,
    req: &Request,
    content_type: &str,
    filename: &str,
    write: fn(
        &Ctx,
        &Principal,
        &reports::sql::HistoryFilter,
        &Period,
        &mut (dyn std::io::Write + Send),
    ) -> AppResult<usize>,
) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let filter = history::filter_from_query(&req.query(), &period)?;
    streamed(
        file_head(content_type, filename),
        Box::new(move |ctx, out| write(ctx, &me, &filter, &period, out).map(drop)),
    )
}

pub fn dashboard(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    ok(&reports::dashboard::report(ctx, &me)?)
}

pub fn history(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    ok(&history::page(ctx, &me, &req.query(), &period)?)
}

pub fn history_csv(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    download(
        ctx,
        req,
        "text/csv; charset=utf-8",
        "history.csv",
        export::csv,
    )
}

pub fn history_xlsx(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    download(
        ctx,
        req,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "history.xlsx",
        export::xlsx,
    )
}

pub fn transcript(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    ok(&transcript::load(ctx, &me, req.param("id")?)?)
}

pub fn transcript_pdf(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let t = transcript::load(ctx, &me, req.param("id")?)?;
    let name = format!("{}.pdf", transcript::protocol(&t));
    file("application/pdf", &name, transcript::pdf(&t))
}

pub fn service_level(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let group = req.query().parse("group_id")?;
    ok(&reports::service_level::report(ctx, &me, &period, group)?)
}

pub fn productivity(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let agent = req.query().parse("agent_id")?;
    ok(&reports::productivity::report(ctx, &me, &period, agent)?)
}

pub fn surveys(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let q = req.query();
    ok(&reports::surveys::report(
        ctx,
        &me,
        &period,
        q.parse("group_id")?,
        q.parse("agent_id")?,
    )?)
}

pub fn occurrences(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let q = req.query();
    ok(&reports::occurrences::report(
        ctx,
        &me,
        &period,
        q.parse("group_id")?,
        q.parse("agent_id")?,
    )?)
}
