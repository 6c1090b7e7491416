//! Pause reasons: the configurable list an agent picks from when pausing (lunch, meeting...).

use super::{Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct PauseReason;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseReasonDoc {
    pub name: String,
}

impl Resource for PauseReason {
    const KIND: &'static str = "pause_reason";
    const READ: &'static [Profile] = ALL_PROFILES;
    type Doc = PauseReasonDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&PauseReasonDoc>,
        doc: &mut PauseReasonDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 60))
            .unwrap_or_default();
        p.into_result()?;
        Ok(Prepared::named(&doc.name))
    }
}
