//! Occurrence types (seed 004): what agents may record on an open conversation.

use super::{Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{optional_text, required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct OccurrenceType;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceTypeDoc {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl Resource for OccurrenceType {
    const KIND: &'static str = "occurrence_type";
    const READ: &'static [Profile] = ALL_PROFILES;
    type Doc = OccurrenceTypeDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&OccurrenceTypeDoc>,
        doc: &mut OccurrenceTypeDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 120))
            .unwrap_or_default();
        doc.description = p
            .check("description", optional_text(doc.description.take(), 1000))
            .flatten();
        p.into_result()?;
        Ok(Prepared::named(&doc.name))
    }
}
