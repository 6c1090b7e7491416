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

/// One worksheet, header in bold and frozen.
pub fn xlsx(
    ctx: &Ctx,
    me: &Principal,
    filter: &HistoryFilter,
    period: &Period,
) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
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
    let mut row: u32 = 0;
    history::for_each(ctx, me, filter, period.zone, |item| {
        row += 1;
        for (col, value) in cells(item, period.zone).iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string(row, col as u16, value)
                    .context("writing an XLSX cell")?;
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
