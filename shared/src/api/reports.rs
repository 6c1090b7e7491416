//! `/api/reports/...`: history, transcripts, exports and the supervisors' figures (SPEC §7).

use crate::auth::{authenticate, Principal, ALL_PROFILES};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::reports::{self, export, history, transcript, Period};
use crate::web::{ok, streamed, Request, Response};
use http::{header, StatusCode};
use utoipa::IntoParams;

/// The period every report reads (`reports::Period`): days in the company's time zone.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query `Period::from_query` reads
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD` (default: `to`).
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today); at most 31 days after `from`.
    to: Option<String>,
}

/// The history's filters (`history::filter_from_query`), for the list and its exports.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query `filter_from_query` reads
pub struct HistoryQuery {
    /// Also conversations still open.
    include_open: Option<bool>,
    protocol: Option<String>,
    /// The customer's name contains.
    client: Option<String>,
    /// Digits of the customer's phone.
    phone: Option<String>,
    /// Digits of the customer's CPF/CNPJ.
    document: Option<String>,
    /// Messages containing these words (accent-insensitive).
    text: Option<String>,
    agent_id: Option<i64>,
    group_id: Option<i64>,
    operation_id: Option<i64>,
    /// `whatsapp`, `telegram`, `messenger`, `instagram`, `email`, `webchat` or `sms`.
    channel: Option<String>,
    classification_id: Option<i64>,
    /// A tag's id or name.
    tag: Option<String>,
    resolved: Option<bool>,
    survey_score: Option<i64>,
}

/// How a CSV export separates its fields (`export::Delimiter::from_query`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query `Delimiter::from_query` reads
pub struct CsvQuery {
    /// `semicolon` (what Excel expects in pt-BR and es) or `comma` (en); default: the one of
    /// the file's language (`Accept-Language`, else the user's).
    #[param(inline)]
    delimiter: Option<reports::export::Delimiter>,
}

/// A page of the history (`history::page`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct HistoryPaging {
    /// 1 to 200, default 50.
    limit: Option<i64>,
    /// The `next` of the previous page.
    cursor: Option<String>,
}

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
/// then written by the host as the body streams (decision 0014).
fn download(
    ctx: &Ctx,
    req: &Request,
    content_type: &str,
    filename: &str,
    format: Format,
) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let query = req.query();
    let filter = history::filter_from_query(&query, &period)?;
    let language = req.language();
    let format = match format {
        Format::Csv => Some(export::Delimiter::from_query(&query, language)?),
        Format::Xlsx => None,
    };
    streamed(
        file_head(content_type, filename),
        Box::new(move |ctx, out| {
            match format {
                Some(delimiter) => {
                    export::csv(ctx, &me, &filter, &period, language, delimiter, out)
                }
                None => export::xlsx(ctx, &me, &filter, &period, language, out),
            }
            .map(drop)
        }),
    )
}

/// The history's two file formats.
enum Format {
    Csv,
    Xlsx,
}

/// The live dashboard
///
/// Per group, open conversations by state and the longest wait; agents by status and load; totals. Supervisors and admins.
#[utoipa::path(get, path = "/api/reports/dashboard",
    responses((status = 200, description = "Now", body = reports::dashboard::Dashboard)))]
pub fn dashboard(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    ok(&reports::dashboard::report(ctx, &me)?)
}

/// Conversation history
///
/// The conversations of a period you may see, newest first, paged by keyset.
#[utoipa::path(get, path = "/api/reports/history",
    params(PeriodQuery, HistoryQuery, HistoryPaging),
    responses((status = 200, description = "A page", body = history::HistoryPage)))]
pub fn history(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    ok(&history::page(ctx, &me, &req.query(), &period)?)
}

/// History as CSV
///
/// The same list as `history`, every page, as a CSV file (UTF-8 with a byte-order mark) that opens in Excel by double-click: its header, channels and yes/no in the reader's language (`Accept-Language`, else the user's), its fields separated the way Excel expects in that language (`;` in pt-BR and es, `,` in en) unless `delimiter` says otherwise.
#[utoipa::path(get, path = "/api/reports/history.csv",
    params(PeriodQuery, HistoryQuery, CsvQuery),
    responses((status = 200, description = "The file", content_type = "text/csv", body = String)))]
pub fn history_csv(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    download(
        ctx,
        req,
        "text/csv; charset=utf-8",
        "history.csv",
        Format::Csv,
    )
}

/// History as XLSX
///
/// The same list as `history`, every page, as a spreadsheet; its sheet, header, channels and yes/no in the reader's language (`Accept-Language`, else the user's).
#[utoipa::path(get, path = "/api/reports/history.xlsx",
    params(PeriodQuery, HistoryQuery),
    responses((status = 200, description = "The file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub fn history_xlsx(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    download(
        ctx,
        req,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "history.xlsx",
        Format::Xlsx,
    )
}

/// A transcript
///
/// Every message (notes included), the timeline and the survey answers of one conversation.
#[utoipa::path(get, path = "/api/reports/conversations/{id}",
    responses((status = 200, description = "The transcript", body = transcript::Transcript)))]
pub fn transcript(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    ok(&transcript::load(ctx, &me, req.param("id")?)?)
}

/// A transcript as PDF
///
/// The transcript as a PDF named after the protocol.
#[utoipa::path(get, path = "/api/reports/conversations/{id}/transcript.pdf",
    responses((status = 200, description = "The file", content_type = "application/pdf", body = Vec<u8>)))]
pub fn transcript_pdf(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let t = transcript::load(ctx, &me, req.param("id")?)?;
    let name = format!("{}.pdf", transcript::protocol(&t));
    file("application/pdf", &name, transcript::pdf(&t))
}

/// Service level
///
/// Per group: volume, answered, abandoned, waiting time (mean, 90th percentile), first response, handling time, % within SLA, transfers.
#[utoipa::path(get, path = "/api/reports/service-level",
    params(PeriodQuery, ("group_id" = Option<i64>, Query, description = "One group")),
    responses((status = 200, description = "The figures", body = reports::service_level::ServiceLevel)))]
pub fn service_level(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let group = req.query().parse("group_id")?;
    ok(&reports::service_level::report(ctx, &me, &period, group)?)
}

/// Agent productivity
///
/// Per agent: conversations handled, handling time, transfers, time ready, paused by reason and offline (offline counted from the account's creation). Agents see their own.
#[utoipa::path(get, path = "/api/reports/productivity",
    params(PeriodQuery, ("agent_id" = Option<i64>, Query, description = "One agent")),
    responses((status = 200, description = "The figures", body = reports::productivity::Productivity)))]
pub fn productivity(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = caller(ctx, req)?;
    let period = period(ctx, req, &me)?;
    let agent = req.query().parse("agent_id")?;
    ok(&reports::productivity::report(ctx, &me, &period, agent)?)
}

/// Surveys
///
/// CSAT distribution and score, NPS and the open answers.
#[utoipa::path(get, path = "/api/reports/surveys",
    params(PeriodQuery, ("group_id" = Option<i64>, Query, description = "One group"), ("agent_id" = Option<i64>, Query, description = "One agent")),
    responses((status = 200, description = "The answers", body = reports::surveys::SurveyReport)))]
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

/// Occurrences
///
/// Counts by type, group and agent, and the newest 1,000 occurrences.
#[utoipa::path(get, path = "/api/reports/occurrences",
    params(PeriodQuery, ("group_id" = Option<i64>, Query, description = "One group"), ("agent_id" = Option<i64>, Query, description = "One agent")),
    responses((status = 200, description = "The occurrences", body = reports::occurrences::OccurrenceReport)))]
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
