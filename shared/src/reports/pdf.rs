//! A transcript as PDF, written with `pdf-writer`.
//!
//! Fonts: the PDF standard fonts (Helvetica-Bold for the title, Courier for the body) with
//! `WinAnsiEncoding`. Every conforming reader has these fonts built in, and WinAnsi (Windows
//! code page 1252) holds every letter Portuguese and Spanish write — ã õ ç é ê á à í ó ô ú ü
//! ñ, upper case too — so accents come out right with no font file embedded: the component
//! stays small and needs no file system at build or run time on wasm32-wasip1. Characters
//! outside WinAnsi (emoji, other scripts) print as `?`. Courier's fixed advance (600/1000 em)
//! makes line wrapping exact without a metrics table.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY_SIZE: f32 = 9.0;
const LEADING: f32 = 12.0;
const TITLE_SIZE: f32 = 14.0;
/// Courier's advance is 0.6 em: the characters that fit across the text block.
const COLUMNS: usize = ((PAGE_WIDTH - 2.0 * MARGIN) / (BODY_SIZE * 0.6)) as usize;

/// What goes on the pages: a title line, then body lines (wrapped here).
pub struct Document {
    pub title: String,
    pub subject: String,
    pub lines: Vec<String>,
}

/// The character's byte in Windows-1252, `?` when it has none.
fn win_ansi(c: char) -> Option<u8> {
    let code = c as u32;
    let byte = match c {
        '\t' => b' ',
        ' '..='~' => code as u8,
        '\u{a0}'..='\u{ff}' => code as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        // Combining marks of decomposed text: the base letter prints without them.
        '\u{300}'..='\u{36f}' => return None,
        _ => b'?',
    };
    Some(byte)
}

pub fn encode(text: &str) -> Vec<u8> {
    text.chars().filter_map(win_ansi).collect()
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can; every
/// line after the first is indented by `indent` spaces.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        let limit = |out: &Vec<String>| {
            if out.is_empty() {
                width
            } else {
                width - indent
            }
        };
        for word in paragraph.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let room = limit(&out);
                let need = if len == 0 {
                    word.len()
                } else {
                    len + 1 + word.len()
                };
                if need <= room {
                    if len > 0 {
                        line.push(' ');
                        len += 1;
                    }
                    line.extend(word.iter());
                    len += word.len();
                    break;
                }
                if len > 0 {
                    out.push(std::mem::take(&mut line));
                    len = 0;
                    continue;
                }
                // A word longer than a line is cut.
                let rest = word.split_off(room.min(word.len()));
                out.push(word.iter().collect());
                word = rest;
                if word.is_empty() {
                    break;
                }
            }
        }
        out.push(line);
    }
    let pad = " ".repeat(indent);
    out.into_iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { format!("{pad}{l}") })
        .collect()
}

pub const fn columns() -> usize {
    COLUMNS
}

/// The finished PDF file.
pub fn render(doc: &Document) -> Vec<u8> {
    let per_page = ((PAGE_HEIGHT - 2.0 * MARGIN - TITLE_SIZE - LEADING) / LEADING) as usize;
    let pages: Vec<&[String]> = if doc.lines.is_empty() {
        vec![&[]]
    } else {
        doc.lines.chunks(per_page.max(1)).collect()
    };
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let title_font = Ref::new(3);
    let body_font = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ref = |i: usize| Ref::new(first_page + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(first_page + 2 * i as i32 + 1);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(pages.len() as i32);
    pdf.type1_font(title_font)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(body_font)
        .base_font(Name(b"Courier"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&doc.subject))
        .creator(TextStr("Atende"));

    for (i, lines) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_ref(i));
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), title_font);
        fonts.pair(Name(b"F2"), body_font);
        fonts.finish();
        resources.finish();
        page.finish();

        let mut content = Content::new();
        let mut y = PAGE_HEIGHT - MARGIN - TITLE_SIZE;
        content.begin_text();
        content.set_font(Name(b"F1"), TITLE_SIZE);
        content.next_line(MARGIN, y);
        content.show(Str(&encode(&doc.title)));
        content.end_text();
        y -= LEADING * 1.5;
        for line in lines.iter() {
            content.begin_text();
            content.set_font(Name(b"F2"), BODY_SIZE);
            content.next_line(MARGIN, y);
            content.show(Str(&encode(line)));
            content.end_text();
            y -= LEADING;
        }
        content.begin_text();
        content.set_font(Name(b"F2"), 8.0);
        content.next_line(PAGE_WIDTH - MARGIN - 60.0, MARGIN / 2.0);
        content.show(Str(format!("{} / {}", i + 1, pages.len()).as_bytes()));
        content.end_text();
        pdf.stream(content_ref(i), &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portuguese_letters_have_their_win_ansi_bytes() {
        assert_eq!(encode("ação é"), vec![b'a', 0xe7, 0xe3, b'o', b' ', 0xe9]);
        assert_eq!(encode("😀"), b"?".to_vec());
        // Decomposed "ã" (a + combining tilde) keeps its letter.
        assert_eq!(encode("a\u{303}"), b"a".to_vec());
    }

    #[test]
    fn long_text_wraps_at_spaces_and_indents_the_rest() {
        let lines = wrap("uma frase com várias palavras", 12, 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
        assert_eq!(lines[0], "uma frase");
        assert!(lines[1].starts_with("  "));
        let cut = wrap(&"x".repeat(30), 10, 0);
        assert_eq!(cut.len(), 3);
    }
}
