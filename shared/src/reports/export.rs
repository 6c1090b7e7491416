//! The filtered history as a file: CSV (`csv`) and XLSX (`rust_xlsxwriter`), with the columns
//! seed 000 lists. Rows come from the database a chunk at a time ([`history::for_each`]) and go
//! straight into the file being built, so only the file and one chunk are ever in memory.

use super::history::{self, HistoryItem};
use super::{hms, local_stamp, Period};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::reports::sql::HistoryFilter;
use anyhow::Context as _;
use chrono_tz::Tz;

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
/// accents right.
pub fn csv(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
) -> AppResult<Vec<u8>> {
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record(COLUMNS)
        .context("writing the CSV header")?;
    history::for_each(ctx, me, filter, period.zone, |item| {
        writer
            .write_record(cells(item, period.zone))
            .context("writing a CSV row")?;
        Ok(())
    })?;
    writer
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("finishing the CSV: {e}")))
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

/// One worksheet, header in bold and frozen.
pub fn xlsx(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    // Compressing the XML is most of the save: level 2 takes about half the time of the
    // default 6 for a file about a tenth larger (rust_xlsxwriter's performance notes).
    workbook.set_zip_compression_level(2);
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
    // Times and durations are numbers with a display format, as spreadsheets compute with
    // them (and numbers keep the shared-strings table, the workbook's memory, small).
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let duration = Format::new().set_num_format("[h]:mm:ss");
    let mut row: u32 = 0;
    history::for_each(ctx, me, filter, period.zone, |item| {
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
    let widths = [16, 10, 28, 16, 22, 22, 20, 20, 12, 12, 36, 9, 7];
    for (col, width) in widths.iter().enumerate() {
        sheet
            .set_column_width(col as u16, *width)
            .context("sizing a column")?;
    }
    Ok(workbook.save_to_buffer().context("building the XLSX")?)
}
