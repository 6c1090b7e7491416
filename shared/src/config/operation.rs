//! Operations: named business units; groups belong to one, supervisors are linked to some.

use super::{Prepared, Resource};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{optional_text, required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct Operation;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationDoc {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl Resource for Operation {
    const KIND: &'static str = "operation";
    type Doc = OperationDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&OperationDoc>,
        doc: &mut OperationDoc,
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
