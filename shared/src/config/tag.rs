//! Tags agents put on conversations.

use super::{Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct Tag;

fn default_color() -> String {
    "#607d8b".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagDoc {
    pub name: String,
    /// `#rrggbb`, the colour the console shows.
    #[serde(default = "default_color")]
    pub color: String,
}

pub fn parse_color(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c)
    } else {
        Err("must be a colour like #1f9d55".into())
    }
}

impl Resource for Tag {
    const KIND: &'static str = "tag";
    const READ: &'static [Profile] = ALL_PROFILES;
    type Doc = TagDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&TagDoc>,
        doc: &mut TagDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 60))
            .unwrap_or_default();
        doc.color = p
            .check("color", parse_color(&doc.color))
            .unwrap_or_default();
        p.into_result()?;
        Ok(Prepared::named(&doc.name))
    }
}
