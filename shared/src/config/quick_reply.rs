//! Quick replies: a shortcut and a text, typed as `/shortcut` in the composer, shared by a
//! group (or by every group when it has none).

use super::{check_refs, Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct QuickReply;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuickReplyDoc {
    /// The group sharing it; none = every group.
    #[serde(default)]
    pub group_id: Option<i64>,
    pub shortcut: String,
    /// What the agent's answer box receives. The console fills in `{name}`, `{first_name}`
    /// (the customer's), `{protocol}` and `{agent}` (the agent's name), also written in
    /// Portuguese (`{nome}`, `{primeiro_nome}`, `{protocolo}`, `{atendente}`) and Spanish
    /// (`{nombre}`, `{primer_nombre}`, `{agente}`).
    pub text: String,
}

pub fn parse_shortcut(raw: &str) -> Result<String, String> {
    let s = raw.trim().trim_start_matches('/').to_lowercase();
    if (1..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(s)
    } else {
        Err("must be 1 to 32 of a-z, 0-9, _ and -".into())
    }
}

impl Resource for QuickReply {
    const KIND: &'static str = "quick_reply";
    const REF_PARAM: Option<&'static str> = Some("group_id");
    const READ: &'static [Profile] = ALL_PROFILES;
    type Doc = QuickReplyDoc;

    fn prepare(
        ctx: &Ctx,
        tenant: TenantId,
        _id: Option<i64>,
        previous: Option<&QuickReplyDoc>,
        doc: &mut QuickReplyDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.shortcut = p
            .check("shortcut", parse_shortcut(&doc.shortcut))
            .unwrap_or_default();
        doc.text = p
            .check("text", required_text(&doc.text, 4096))
            .unwrap_or_default();
        let already: Vec<i64> = previous.and_then(|d| d.group_id).into_iter().collect();
        let group: Vec<i64> = doc.group_id.into_iter().collect();
        check_refs(ctx, tenant, &mut p, "group_id", "group", &group, &already)?;
        p.into_result()?;
        let scope = doc.group_id.map_or("all".to_owned(), |g| g.to_string());
        Ok(Prepared {
            name: doc.shortcut.clone(),
            search: format!("{} {}", doc.shortcut, doc.text.to_lowercase()),
            unique: Some(("shortcut", format!("{scope}/{}", doc.shortcut))),
            ref_id: doc.group_id,
        })
    }
}
