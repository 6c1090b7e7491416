//! Classifications ("tabulação"): a tree — the classification's name is the main level, with
//! reasons and their sub-reasons. Nodes are never removed, only deactivated, so closed
//! conversations keep a readable classification.

use super::{Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::{Profile, Status};
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct Classification;

fn active() -> Status {
    Status::Active
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = ClassificationNode)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Assigned by the server; unique within the tree; send it back to keep a node.
    #[serde(default)]
    pub id: Option<u32>,
    pub name: String,
    #[serde(default = "active")]
    pub status: Status,
    /// Sub-reasons (only under a reason).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationDoc {
    /// The main level.
    pub name: String,
    #[serde(default)]
    pub reasons: Vec<Node>,
}

impl ClassificationDoc {
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.reasons
            .iter()
            .flat_map(|r| std::iter::once(r).chain(r.children.iter()))
    }

    pub fn find_mut(&mut self, id: u32) -> Option<&mut Node> {
        for reason in &mut self.reasons {
            if reason.id == Some(id) {
                return Some(reason);
            }
            if let Some(child) = reason.children.iter_mut().find(|c| c.id == Some(id)) {
                return Some(child);
            }
        }
        None
    }

    /// Whether `reason` / `sub_reason` is an active path a close may choose.
    pub fn accepts(&self, reason: u32, sub_reason: Option<u32>) -> bool {
        let Some(r) = self
            .reasons
            .iter()
            .find(|r| r.id == Some(reason) && r.status == Status::Active)
        else {
            return false;
        };
        match sub_reason {
            None => true,
            Some(s) => r
                .children
                .iter()
                .any(|c| c.id == Some(s) && c.status == Status::Active),
        }
    }
}

impl Resource for Classification {
    const KIND: &'static str = "classification";
    const READ: &'static [Profile] = ALL_PROFILES;
    type Doc = ClassificationDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        previous: Option<&ClassificationDoc>,
        doc: &mut ClassificationDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 120))
            .unwrap_or_default();
        let known: Vec<u32> = previous
            .map(|d| d.nodes().filter_map(|n| n.id).collect())
            .unwrap_or_default();
        let mut next = known.iter().max().copied().unwrap_or(0) + 1;
        let mut seen = Vec::new();
        for (i, reason) in doc.reasons.iter_mut().enumerate() {
            check_node(
                &mut p,
                &format!("reasons[{i}]"),
                reason,
                &known,
                &mut seen,
                &mut next,
            );
            for (j, child) in reason.children.iter_mut().enumerate() {
                let field = format!("reasons[{i}].children[{j}]");
                if !child.children.is_empty() {
                    p.add(&field, "sub-reasons have no children");
                }
                check_node(&mut p, &field, child, &known, &mut seen, &mut next);
            }
        }
        for id in &known {
            if !seen.contains(id) {
                p.add(
                    "reasons",
                    format!("node {id} cannot be removed; deactivate it instead"),
                );
            }
        }
        p.into_result()?;
        let mut search = doc.name.to_lowercase();
        for n in doc.nodes() {
            search.push(' ');
            search.push_str(&n.name.to_lowercase());
        }
        Ok(Prepared {
            search,
            ..Prepared::named(&doc.name)
        })
    }
}

fn check_node(
    p: &mut Problems,
    field: &str,
    node: &mut Node,
    known: &[u32],
    seen: &mut Vec<u32>,
    next: &mut u32,
) {
    node.name = p
        .check(&format!("{field}.name"), required_text(&node.name, 120))
        .unwrap_or_default();
    let id = match node.id {
        Some(id) if !known.contains(&id) => {
            p.add(
                &format!("{field}.id"),
                format!("there is no node {id}; leave id out for a new node"),
            );
            id
        }
        Some(id) => id,
        None => {
            *next += 1;
            *next - 1
        }
    };
    if seen.contains(&id) {
        p.add(&format!("{field}.id"), format!("node {id} appears twice"));
    }
    seen.push(id);
    node.id = Some(id);
}
