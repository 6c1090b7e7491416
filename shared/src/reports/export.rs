//! The filtered history as a file: CSV (`csv`) and XLSX (our streaming [`super::xlsx`]), with
//! the columns seed 000 lists, written to the host's response stream a chunk at a time
//! (decision 0014). Rows come from the database [`history::EXPORT_CHUNK`] at a time by keyset
//! ([`history::for_each`]), and a chunk goes out every [`ROWS_PER_CHUNK`] rows, so either
//! export holds one page of rows and one chunk whatever the period holds, on both hosts.

use super::history::{self, HistoryItem};
use super::xlsx::{Cell, Sheet};
use super::{hms, local_stamp, Period};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::enums::Language;
use crate::errors::AppResult;
use crate::reports::sql::HistoryFilter;
use anyhow::Context as _;
use chrono_tz::Tz;
use std::io::Write;

/// Rows per chunk sent to the client (a CSV chunk is about 40 KB, an XLSX chunk, compressed,
/// some 10 KB).
pub const ROWS_PER_CHUNK: usize = 250;
/// Bytes of the XLSX's zip gathered before they go out as a chunk even if [`ROWS_PER_CHUNK`]
/// rows are not yet in (rows of long texts).
const XLSX_CHUNK_BYTES: usize = 64 * 1024;

/// A writer that gathers bytes and sends them on to the host's stream as one chunk when
/// `limit` is reached or on `flush`, so the client gets pieces of a useful size rather than
/// each small write the zip writer makes.
struct Chunks<'a> {
    buf: Vec<u8>,
    limit: usize,
    out: &'a mut (dyn Write + Send),
}

impl<'a> Chunks<'a> {
    fn new(out: &'a mut (dyn Write + Send), limit: usize) -> Self {
        Chunks {
            buf: Vec::with_capacity(limit.min(1024 * 1024)),
            limit,
            out,
        }
    }
}

impl Write for Chunks<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= self.limit {
            self.flush()?;
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.out.flush()?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// The header row in the reader's language: the file is for people (a supervisor opening it in
/// a spreadsheet), so it reads like the console's history screen. The start and the end say
/// their time zone, the company's: the console shows the reader's own clock, and a supervisor
/// in another zone would otherwise read the file's times as theirs.
pub fn columns(language: Language, zone: Tz) -> [String; 13] {
    let mut names = column_names(language).map(str::to_owned);
    for at in [6, 7] {
        names[at] = format!("{} ({})", names[at], zone.name());
    }
    names
}

fn column_names(language: Language) -> [&'static str; 13] {
    match language {
        Language::PtBr => [
            "Protocolo",
            "Canal",
            "Cliente",
            "Telefone",
            "Agente",
            "Grupo",
            "Início",
            "Fim",
            "Tempo de espera",
            "Tempo de atendimento",
            "Classificação",
            "Resolvido",
            "Pesquisa",
        ],
        Language::Es => [
            "Protocolo",
            "Canal",
            "Cliente",
            "Teléfono",
            "Agente",
            "Grupo",
            "Inicio",
            "Fin",
            "Tiempo de espera",
            "Tiempo de atención",
            "Clasificación",
            "Resuelto",
            "Encuesta",
        ],
        Language::En => [
            "Protocol",
            "Channel",
            "Client",
            "Phone",
            "Agent",
            "Group",
            "Start",
            "End",
            "Waiting time",
            "Handling time",
            "Classification",
            "Resolved",
            "Survey",
        ],
    }
}

/// The worksheet's name in the reader's language.
fn sheet_name(language: Language) -> &'static str {
    match language {
        Language::PtBr => "Histórico",
        Language::Es => "Historial",
        Language::En => "History",
    }
}

fn yes_no(value: bool, language: Language) -> &'static str {
    match (value, language) {
        (true, Language::PtBr) => "sim",
        (true, Language::Es) => "sí",
        (true, Language::En) => "yes",
        (false, Language::PtBr) => "não",
        (false, Language::Es | Language::En) => "no",
    }
}

/// A row's cells as text, in [`columns`] order: times in the company's zone, durations as
/// `HH:MM:SS`, channel and resolved in the reader's words.
fn cells(item: &HistoryItem, zone: Tz, language: Language) -> [String; 13] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        item.protocol.clone(),
        super::channel_name(&item.channel, language).to_owned(),
        item.client_name.clone(),
        opt(&item.phone),
        opt(&item.agent_name),
        opt(&item.group_name),
        local_stamp(item.started_ms, zone),
        item.closed_ms
            .map(|c| local_stamp(c, zone))
            .unwrap_or_default(),
        item.waiting_seconds.map(hms).unwrap_or_default(),
        item.handling_seconds.map(hms).unwrap_or_default(),
        opt(&item.classification),
        item.resolved
            .map(|r| yes_no(r, language).to_owned())
            .unwrap_or_default(),
        item.survey_score.map(|s| s.to_string()).unwrap_or_default(),
    ]
}

crate::enums::stored_enum!(
    /// What separates a CSV file's fields. Excel opens a CSV by double-click splitting it on
    /// the list separator of the reader's regional settings: `;` where the comma is the
    /// decimal separator (Brazil, Spain), `,` elsewhere; a file with the other one opens as one
    /// column.
    Delimiter { Comma = "comma", Semicolon = "semicolon" }
);

impl Delimiter {
    /// The separator a spreadsheet in the reader's language expects.
    pub fn for_language(language: Language) -> Delimiter {
        match language {
            Language::PtBr | Language::Es => Delimiter::Semicolon,
            Language::En => Delimiter::Comma,
        }
    }

    /// The `delimiter` query parameter, else the one of `language`; anything else is a 422
    /// naming the parameter.
    pub fn from_query(query: &crate::web::Query, language: Language) -> AppResult<Delimiter> {
        match query.get("delimiter") {
            None => Ok(Delimiter::for_language(language)),
            Some(d) => Delimiter::parse(d).ok_or_else(|| {
                crate::errors::AppError::invalid(
                    "delimiter",
                    crate::errors::messages::reason::one_of(Delimiter::expected()),
                )
            }),
        }
    }

    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
        }
    }

    /// A writer of this separator over `start` (every chunk gets its own writer).
    fn writer(self, start: Vec<u8>) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .delimiter(self.byte())
            .from_writer(start)
    }
}

/// CSV with a header line, UTF-8 with a byte-order mark so spreadsheet programs read the
/// accents right, fields separated by `delimiter`; a chunk goes to `out` every
/// [`ROWS_PER_CHUNK`] rows (the first with the header), so a failure on the first page of rows
/// writes nothing. Returns the rows written.
#[allow(clippy::too_many_arguments)]
pub fn csv(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
    language: Language,
    delimiter: Delimiter,
    out: &mut (dyn Write + Send),
) -> AppResult<usize> {
    let mut chunk = delimiter.writer("\u{feff}".as_bytes().to_vec());
    chunk
        .write_record(columns(language, period.zone))
        .context("writing the CSV header")?;
    let mut in_chunk = 0;
    let rows = history::for_each(ctx, me, filter, period.zone, |item| {
        chunk
            .write_record(cells(item, period.zone, language))
            .context("writing a CSV row")?;
        in_chunk += 1;
        if in_chunk == ROWS_PER_CHUNK {
            let full = std::mem::replace(&mut chunk, delimiter.writer(Vec::new()));
            send_csv(full, out)?;
            in_chunk = 0;
        }
        Ok(())
    })?;
    send_csv(chunk, out)?;
    Ok(rows)
}

fn send_csv(chunk: csv::Writer<Vec<u8>>, out: &mut (dyn Write + Send)) -> AppResult<()> {
    let bytes = chunk
        .into_inner()
        .map_err(|e| anyhow::anyhow!("finishing a CSV chunk: {e}"))?;
    if !bytes.is_empty() {
        out.write_all(&bytes).context("sending a CSV chunk")?;
        out.flush().context("sending a CSV chunk")?;
    }
    Ok(())
}

/// An instant as a spreadsheet serial date in the company's time zone (days since 1899-12-30).
fn excel_time(ms: i64, zone: Tz) -> f64 {
    let local = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .naive_local()
        .and_utc()
        .timestamp();
    local as f64 / 86_400.0 + 25_569.0
}

fn excel_duration(seconds: i64) -> f64 {
    seconds as f64 / 86_400.0
}

/// One worksheet ("Histórico", "Historial" or "History"), header in bold and frozen, written with [`Sheet`] as rows
/// are read: a chunk goes to `out` every [`ROWS_PER_CHUNK`] rows (the first with the package's
/// fixed parts), so a failure on the first page of rows writes nothing. Returns the rows written.
pub fn xlsx(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
    language: Language,
    out: &mut (dyn Write + Send),
) -> AppResult<usize> {
    let widths = [
        16., 10., 28., 16., 22., 22., 20., 20., 12., 12., 36., 9., 7.,
    ];
    let header = columns(language, period.zone);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut sheet = Sheet::start(
        Chunks::new(out, XLSX_CHUNK_BYTES),
        sheet_name(language),
        &header,
        &widths,
    )
    .context("starting the XLSX")?;
    let mut in_chunk = 0;
    let rows = history::for_each(ctx, me, filter, period.zone, |item| {
        let text = cells(item, period.zone, language);
        let mut row: [Cell; 13] = std::array::from_fn(|i| match text[i].as_str() {
            "" => Cell::Empty,
            t => Cell::Text(t),
        });
        // Times and durations are numbers with a display format, as spreadsheets compute
        // with them; so is the survey's score.
        row[6] = Cell::Time(excel_time(item.started_ms, period.zone));
        row[7] = item
            .closed_ms
            .map_or(Cell::Empty, |c| Cell::Time(excel_time(c, period.zone)));
        row[8] = item
            .waiting_seconds
            .map_or(Cell::Empty, |s| Cell::Duration(excel_duration(s)));
        row[9] = item
            .handling_seconds
            .map_or(Cell::Empty, |s| Cell::Duration(excel_duration(s)));
        row[12] = item
            .survey_score
            .map_or(Cell::Empty, |s| Cell::Number(s as f64));
        sheet.row(&row).context("writing an XLSX row")?;
        in_chunk += 1;
        if in_chunk == ROWS_PER_CHUNK {
            sheet.flush().context("sending an XLSX chunk")?;
            in_chunk = 0;
        }
        Ok(())
    })?;
    let mut chunks = sheet.finish().context("finishing the XLSX")?;
    chunks.flush().context("sending the last XLSX chunk")?;
    Ok(rows)
}
