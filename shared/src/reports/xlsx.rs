//! A one-sheet XLSX written as it goes (decision 0014): the smallest SpreadsheetML package a
//! spreadsheet program opens — content types, relationships, a workbook, styles (a bold header,
//! a date-and-time and a duration format) and one worksheet whose cells are inline strings and
//! numbers — in a zip streamed by the `zip` crate, which needs no `Seek` and no directory. Rows
//! are written one by one into the sheet's deflate stream and [`Sheet::flush`] pushes what they
//! have become out to the writer, so memory is a row, the compressor's window and what the
//! caller buffers between flushes, whatever the number of rows. Strings are inline (no
//! shared-strings table, which would have to be whole before the sheet could be written).

use std::io::Write;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, DateTime, ZipWriter};

/// A cell of a row. Times are spreadsheet serial dates (days since 1899-12-30, local time),
/// durations fractions of a day; both are numbers with a display format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Time(f64),
    Duration(f64),
}

/// Style indices into `cellXfs` in [`STYLES`].
const BOLD: u8 = 1;
const TIME: u8 = 2;
const DURATION: u8 = 3;

const CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    r#"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    r#"</Types>"#,
);

const ROOT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    r#"</Relationships>"#,
);

const WORKBOOK_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    r#"</Relationships>"#,
);

/// Formats 164 and up are the workbook's own; `[h]` lets a duration pass 24 hours.
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<numFmts count="2">"#,
    r#"<numFmt numFmtId="164" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/>"#,
    r#"<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>"#,
    r#"</numFmts>"#,
    r#"<fonts count="2">"#,
    r#"<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"</fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="4">"#,
    r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
    r#"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"</cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"</styleSheet>"#,
);

/// An XLSX being written: the fixed parts are out, the sheet's rows go into its zip entry.
pub struct Sheet<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    rows: u32,
    line: String,
}

impl<W: Write> Sheet<W> {
    /// Writes the package's fixed parts and the sheet's start — the header row in bold and
    /// frozen, the columns `widths` wide (in characters) — to `out`.
    pub fn start(
        out: W,
        name: &str,
        header: &[&str],
        widths: &[f64],
    ) -> zip::result::ZipResult<Self> {
        let mut zip = ZipWriter::new_stream(out);
        // A fixed date keeps the file the same for the same rows; the permissions make the
        // zip crate write each entry's sizes after its data, which a stream cannot go back for.
        // Level 2: compressing the XML is most of the work, and level 2 takes about half the
        // time of the default 6 for a file about a tenth larger.
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(2))
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644);
        let workbook = format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#,
                r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
                r#"<sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            escape(name)
        );
        for (path, body) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(path, options)?;
            zip.write_all(body.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", options)?;
        let mut head = String::from(concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            r#"<sheetViews><sheetView workbookViewId="0">"#,
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#,
            r#"<selection pane="bottomLeft"/></sheetView></sheetViews>"#,
        ));
        if !widths.is_empty() {
            head.push_str("<cols>");
            for (i, width) in widths.iter().enumerate() {
                head.push_str(&format!(
                    r#"<col min="{n}" max="{n}" width="{width}" customWidth="1"/>"#,
                    n = i + 1
                ));
            }
            head.push_str("</cols>");
        }
        head.push_str("<sheetData>");
        zip.write_all(head.as_bytes())?;
        let mut sheet = Sheet {
            zip,
            rows: 0,
            line: String::new(),
        };
        let header: Vec<Cell> = header.iter().map(|t| Cell::Text(t)).collect();
        sheet.write_row(&header, Some(BOLD))?;
        Ok(sheet)
    }

    /// Appends a row (empty cells are left out of the XML).
    pub fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        self.write_row(cells, None)
    }

    fn write_row(&mut self, cells: &[Cell], style: Option<u8>) -> std::io::Result<()> {
        use std::fmt::Write as _;
        self.rows += 1;
        let r = self.rows;
        let line = &mut self.line;
        line.clear();
        // Writing to a String cannot fail.
        let _ = write!(line, r#"<row r="{r}">"#);
        for (col, cell) in cells.iter().enumerate() {
            let at = format!("{}{r}", column_name(col));
            let (style, value) = match *cell {
                Cell::Empty => continue,
                Cell::Text(text) => {
                    let s = style.map(|s| format!(r#" s="{s}""#)).unwrap_or_default();
                    let _ = write!(
                        line,
                        r#"<c r="{at}"{s} t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                        escape(text)
                    );
                    continue;
                }
                Cell::Number(v) => (style, v),
                Cell::Time(v) => (Some(TIME), v),
                Cell::Duration(v) => (Some(DURATION), v),
            };
            // A number the XML's xsd:double cannot hold is left empty rather than corrupt.
            if !value.is_finite() {
                continue;
            }
            let s = style.map(|s| format!(r#" s="{s}""#)).unwrap_or_default();
            let _ = write!(line, r#"<c r="{at}"{s}><v>{value}</v></c>"#);
        }
        line.push_str("</row>");
        self.zip.write_all(line.as_bytes())
    }

    /// Sends on what the rows so far have become: the compressor is flushed (a sync point,
    /// a few bytes) and the writer's `flush` called, so the caller can pass a chunk on.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.zip.flush()
    }

    /// Closes the sheet and the zip (its central directory), returning the writer.
    pub fn finish(mut self) -> zip::result::ZipResult<W> {
        self.zip.write_all(b"</sheetData></worksheet>")?;
        Ok(self.zip.finish()?.into_inner())
    }
}

/// A column's letters: 0 is A, 25 Z, 26 AA.
fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

/// Text for an element or attribute: the XML markup characters as entities, and the control
/// characters XML 1.0 does not allow (any C0 but tab and line feed; carriage return too, which
/// a parser would turn into a line feed) as the `_xHHHH_` escapes spreadsheet programs read
/// back as the character. A literal `_xHHHH_` in the text has its underscore escaped
/// (`_x005F_`), so it reads back as itself.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                out.push_str(&format!("_x{:04X}_", c as u32));
            }
            '_' if looks_escaped(&text[i..]) => out.push_str("_x005F_"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether `s` starts with `_xHHHH_`.
fn looks_escaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 7 && b[1] == b'x' && b[2..6].iter().all(u8::is_ascii_hexdigit) && b[6] == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_forbidden_control_characters_are_escaped() {
        assert_eq!(escape("Tom & Jerry <ltda>"), "Tom &amp; Jerry &lt;ltda&gt;");
        assert_eq!(escape(r#"a "b""#), "a &quot;b&quot;");
        assert_eq!(escape("São Paulo, ação, café"), "São Paulo, ação, café");
        // Tab and line feed are allowed; NUL, bell, vertical tab, escape and CR are not.
        assert_eq!(escape("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            escape("\u{0}\u{7}\u{b}\u{1b}\r"),
            "_x0000__x0007__x000B__x001B__x000D_"
        );
        assert_eq!(escape("\u{ffff}"), "_xFFFF_");
        // A literal escape-like sequence survives the round trip; a plain underscore is kept.
        assert_eq!(escape("_x0041_"), "_x005F_x0041_");
        assert_eq!(escape("snake_case _x00"), "snake_case _x00");
        for bad in ['\u{0}', '\u{8}', '\u{c}', '\u{1f}'] {
            assert!(!escape(&format!("a{bad}b")).contains(bad));
        }
    }

    #[test]
    fn columns_are_named_as_spreadsheets_do() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(12), "M");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
