//! The filtered history as a file: CSV (`csv`) and XLSX (`rust_xlsxwriter`), with the columns
//! seed 000 lists, written to the host's response stream a chunk at a time (decision 0012).
//! Rows come from the database [`history::EXPORT_CHUNK`] at a time by keyset
//! ([`history::for_each`]). A CSV chunk goes out every [`ROWS_PER_CHUNK`] rows, so the export
//! holds one page of rows and one chunk whatever the period holds. An XLSX is a zip whose sheet
//! is compressed as a whole: natively the sheet's rows go to a temporary file as they are
//! written (`rust_xlsxwriter`'s constant-memory mode) and the zip streams out when they are
//! all in; under Spin, which gives a component no writable directory, the sheet's cells are
//! held in memory until the zip streams out.

use super::history::{self, HistoryItem};
use super::{hms, local_stamp, Period};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::reports::sql::HistoryFilter;
use anyhow::Context as _;
use chrono_tz::Tz;
use std::io::Write;

/// CSV rows per chunk sent to the client (about 40 KB).
pub const ROWS_PER_CHUNK: usize = 250;
/// Bytes the XLSX's zip stream gathers before they go out as a chunk.
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

pub const COLUMNS: [&str; 13] = [
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
];

/// A row's cells as text, in [`COLUMNS`] order: times in the company's zone, durations as
/// `HH:MM:SS`, resolved as yes/no.
fn cells(item: &HistoryItem, zone: Tz) -> [String; 13] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        item.protocol.clone(),
        item.channel.clone(),
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
        match item.resolved {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        item.survey_score.map(|s| s.to_string()).unwrap_or_default(),
    ]
}

/// CSV with a header line, UTF-8 with a byte-order mark so spreadsheet programs read the
/// accents right; a chunk goes to `out` every [`ROWS_PER_CHUNK`] rows (the first with the
/// header), so a failure on the first page of rows writes nothing. Returns the rows written.
pub fn csv(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
    out: &mut (dyn Write + Send),
) -> AppResult<usize> {
    let mut chunk = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    chunk
        .write_record(COLUMNS)
        .context("writing the CSV header")?;
    let mut in_chunk = 0;
    let rows = history::for_each(ctx, me, filter, period.zone, |item| {
        chunk
            .write_record(cells(item, period.zone))
            .context("writing a CSV row")?;
        in_chunk += 1;
        if in_chunk == ROWS_PER_CHUNK {
            let full = std::mem::replace(&mut chunk, csv::Writer::from_writer(Vec::new()));
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

/// One worksheet, header in bold and frozen, streamed to `out` as its zip is written (see the
/// module's doc for what is held meanwhile). Returns the rows written.
pub fn xlsx(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
    out: &mut (dyn Write + Send),
) -> AppResult<usize> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    // Compressing the XML is most of the save: level 2 takes about half the time of the
    // default 6 for a file about a tenth larger (rust_xlsxwriter's performance notes).
    workbook.set_zip_compression_level(2);
    // Rows go to a temporary file as each is finished (in the system's temporary directory);
    // a Spin component has no writable directory, so there the sheet stays in memory.
    #[cfg(not(target_arch = "wasm32"))]
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .context("opening the sheet's temporary file")?;
    #[cfg(target_arch = "wasm32")]
    let sheet = workbook.add_worksheet();
    sheet.set_name("History").context("naming the sheet")?;
    let bold = Format::new().set_bold();
    for (col, title) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *title, &bold)
            .context("writing the XLSX header")?;
    }
    sheet
        .set_freeze_panes(1, 0)
        .context("freezing the header")?;
    let widths = [16, 10, 28, 16, 22, 22, 20, 20, 12, 12, 36, 9, 7];
    for (col, width) in widths.iter().enumerate() {
        sheet
            .set_column_width(col as u16, *width)
            .context("sizing a column")?;
    }
    // Times and durations are numbers with a display format, as spreadsheets compute with
    // them (and numbers keep the shared-strings table, the workbook's memory, small).
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let duration = Format::new().set_num_format("[h]:mm:ss");
    let mut row: u32 = 0;
    let rows = history::for_each(ctx, me, filter, period.zone, |item| {
        row += 1;
        let times = [
            (6, Some(excel_time(item.started_ms, period.zone)), &stamp),
            (
                7,
                item.closed_ms.map(|c| excel_time(c, period.zone)),
                &stamp,
            ),
            (8, item.waiting_seconds.map(excel_duration), &duration),
            (9, item.handling_seconds.map(excel_duration), &duration),
        ];
        for (col, value) in cells(item, period.zone).iter().enumerate() {
            if (6..=9).contains(&col) || value.is_empty() {
                continue;
            }
            sheet
                .write_string(row, col as u16, value)
                .context("writing an XLSX cell")?;
        }
        for (col, value, format) in times {
            if let Some(v) = value {
                sheet
                    .write_number_with_format(row, col, v, format)
                    .context("writing an XLSX time")?;
            }
        }
        Ok(())
    })?;
    let mut chunks = Chunks::new(out, XLSX_CHUNK_BYTES);
    workbook
        .save_to_writer(&mut chunks)
        .context("streaming the XLSX")?;
    chunks.flush().context("sending the last XLSX chunk")?;
    Ok(rows)
}
