//! `/api/reports/...`: history, transcripts, exports and the supervisors' figures (SPEC §7).

use crate::auth::{authenticate, Principal, ALL_PROFILES};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::reports::{self, export, history, transcript, Period};
use crate::web::{ok, Request, Response};
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

/// A downloaded file: its type and the name the browser saves it under.
fn file(content_type: &str, filename: &str, body: Vec<u8>) -> AppResult<Response> {
    http::Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .map_err(|e| AppError::Unexpected(e.into()))
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
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let filter = history::filter_from_query(&req.query(), &period)?;
    let body = export::csv(ctx, &me, &filter, &period)?;
    file("text/csv; charset=utf-8", "history.csv", body)
}

pub fn history_xlsx(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let filter = history::filter_from_query(&req.query(), &period)?;
    let body = export::xlsx(ctx, &me, &filter, &period)?;
    file(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "history.xlsx",
        body,
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
