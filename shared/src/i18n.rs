//! Which of the three languages a caller reads: the `Accept-Language` header (RFC 9110
//! §12.5.4) matched by primary subtag, since any Portuguese reads pt-BR and any Spanish es.
//! The header is small and our set is three, so a parser of our own is shorter than
//! adapting a crate whose matching is by exact tag.

use crate::enums::Language;

/// The caller's most preferred language among ours; `None` when the header names none of
/// them (or only with `q=0`, which RFC 9110 reads as "not acceptable").
pub fn negotiate(accept_language: &str) -> Option<Language> {
    let mut best: Option<(u16, usize, Language)> = None;
    for (position, range) in accept_language.split(',').enumerate() {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .map(quality_in_thousandths)
            .next()
            .unwrap_or(Some(1000));
        let Some(quality) = quality.filter(|q| *q > 0) else {
            continue;
        };
        let language = match tag.split('-').next().unwrap_or("") {
            "pt" => Language::PtBr,
            "es" => Language::Es,
            "en" => Language::En,
            _ => continue,
        };
        // Higher quality wins; at equal quality the earlier range, as the caller listed them.
        let better = best.is_none_or(|(q, p, _)| quality > q || (quality == q && position < p));
        if better {
            best = Some((quality, position, language));
        }
    }
    best.map(|(_, _, language)| language)
}

/// `q` as thousandths (`0.8` → 800); a malformed value is `None` and the range is skipped.
fn quality_in_thousandths(raw: &str) -> Option<u16> {
    let value: f32 = raw.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_language_of_ours_wins() {
        assert_eq!(negotiate("es-AR,es;q=0.9,en;q=0.8"), Some(Language::Es));
        assert_eq!(negotiate("pt-PT"), Some(Language::PtBr));
        assert_eq!(
            negotiate("fr-FR,fr;q=0.9,en-US;q=0.8,pt;q=0.5"),
            Some(Language::En)
        );
        assert_eq!(negotiate("en;q=0.5, pt-BR"), Some(Language::PtBr));
        assert_eq!(negotiate("EN-gb"), Some(Language::En));
        // Equal quality: the order the caller wrote.
        assert_eq!(negotiate("es, en"), Some(Language::Es));
    }

    #[test]
    fn none_of_ours_or_refused_ones_give_none() {
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("*"), None);
        assert_eq!(negotiate("de, fr;q=0.8"), None);
        assert_eq!(negotiate("en;q=0"), None);
        assert_eq!(negotiate("en;q=abc, es;q=0.1"), Some(Language::Es));
        assert_eq!(negotiate("en;q=2"), None);
    }
}
