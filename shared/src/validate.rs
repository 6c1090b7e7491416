//! Field validation shared by every resource: collect every problem, then answer once with a
//! 422 that names each field.

use crate::errors::messages::reason;
use crate::errors::{AppError, FieldError, Text};
use serde::{Deserialize, Serialize};

#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<Text>) {
        self.0.push(FieldError::new(field, message));
    }
    pub fn check<T, E: Into<Text>>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(m) => {
                self.add(field, m);
                None
            }
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.0))
        }
    }
}

pub fn required_text(raw: &str, max: usize) -> Result<String, Text> {
    let t = raw.trim();
    if t.is_empty() {
        Err(reason::REQUIRED.into())
    } else if t.chars().count() > max {
        Err(reason::at_most_characters(max))
    } else {
        Ok(t.to_owned())
    }
}

pub fn optional_text(raw: Option<String>, max: usize) -> Result<Option<String>, Text> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => Err(reason::at_most_characters(max)),
        Some(t) => Ok(Some(t.to_owned())),
    }
}

pub fn email(raw: Option<String>) -> Result<Option<String>, Text> {
    let Some(e) = optional_text(raw, 254)? else {
        return Ok(None);
    };
    let valid = e.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !e.chars().any(char::is_whitespace)
    });
    if valid {
        Ok(Some(e.to_lowercase()))
    } else {
        Err("is not an e-mail address".into())
    }
}

/// A text every customer-facing message has in the three languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    #[serde(rename = "pt-BR")]
    pub pt_br: String,
    pub es: String,
    pub en: String,
}

impl Localized {
    pub fn check(&mut self, p: &mut Problems, field: &str, max: usize) {
        for (lang, text) in [
            ("pt-BR", &mut self.pt_br),
            ("es", &mut self.es),
            ("en", &mut self.en),
        ] {
            if let Some(t) = p.check(&format!("{field}.{lang}"), required_text(text, max)) {
                *text = t;
            }
        }
    }
}
