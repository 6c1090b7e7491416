//! Client attribute definitions: the extra fields a client record may carry.

use super::{Prepared, Resource};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct ClientAttribute;

crate::enums::stored_enum!(
    /// What values an attribute accepts.
    ValueType {
        Text = "text",
        Number = "number",
        Date = "date",
        Boolean = "boolean",
    }
);

fn text_type() -> ValueType {
    ValueType::Text
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientAttributeDoc {
    /// The key used in client records and CSV files: a-z, 0-9 and `_`.
    pub name: String,
    pub label: String,
    #[serde(default = "text_type")]
    pub value_type: ValueType,
}

impl ValueType {
    /// The value normalised, or why it does not fit.
    pub fn check(self, raw: &str) -> Result<String, String> {
        let v = raw.trim();
        match self {
            ValueType::Text if v.chars().count() <= 500 => Ok(v.to_owned()),
            ValueType::Text => Err("must be at most 500 characters".into()),
            ValueType::Number => v
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|n| n.to_string())
                .ok_or_else(|| "must be a number".into()),
            ValueType::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.to_string())
                .map_err(|_| "must be a date YYYY-MM-DD".into()),
            ValueType::Boolean => match v.to_lowercase().as_str() {
                "true" | "sim" | "yes" | "1" => Ok("true".into()),
                "false" | "não" | "nao" | "no" | "0" => Ok("false".into()),
                _ => Err("must be true or false".into()),
            },
        }
    }
}

pub fn parse_key(raw: &str) -> Result<String, String> {
    let k = raw.trim().to_lowercase();
    if (1..=60).contains(&k.len()) && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(k)
    } else {
        Err("must be 1 to 60 of a-z, 0-9 and _".into())
    }
}

impl Resource for ClientAttribute {
    const KIND: &'static str = "client_attribute";
    type Doc = ClientAttributeDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        previous: Option<&ClientAttributeDoc>,
        doc: &mut ClientAttributeDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p.check("name", parse_key(&doc.name)).unwrap_or_default();
        if let Some(prev) = previous {
            if prev.name != doc.name {
                p.add(
                    "name",
                    "cannot be changed: client records use it as their key",
                );
            }
        }
        doc.label = p
            .check("label", required_text(&doc.label, 120))
            .unwrap_or_default();
        p.into_result()?;
        Ok(Prepared {
            search: format!("{} {}", doc.name, doc.label.to_lowercase()),
            ..Prepared::named(&doc.name)
        })
    }
}
