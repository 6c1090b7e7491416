//! Node-by-node editing of a classification tree: add a reason, add a sub-reason, rename or
//! (de)activate a node.

use crate::auth::{authenticate, ADMINS};
use crate::config::classification::{Classification, ClassificationDoc, Node};
use crate::config::{self};
use crate::context::Ctx;
use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::web::{created, ok, Request, Response};
use serde::Deserialize;

/// A classification as the API shows it (a path attribute cannot name a generic type).
type ClassificationItem = config::Item<ClassificationDoc>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewNode {
    name: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NodeChange {
    name: Option<String>,
    status: Option<Status>,
}

fn respond_created(stored: &config::sql::Stored) -> AppResult<Response> {
    created(&config::present::<Classification>(stored)?)
}

/// Add a reason to a classification
///
/// A new active reason at the end of the tree's first level; the answer is the whole
/// classification with the new node's id.
#[utoipa::path(post, path = "/api/admin/classifications/{id}/reasons", request_body = NewNode, responses((status = 201, description = "The classification with the new reason", body = ClassificationItem)))]
pub fn add_reason(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let body: NewNode = req.json()?;
    let stored =
        config::modify::<Classification>(ctx, principal.tenant_id(), req.param("id")?, |doc| {
            let mut doc = doc.clone();
            doc.reasons.push(Node {
                id: None,
                name: body.name.clone(),
                status: Status::Active,
                children: Vec::new(),
            });
            Ok(doc)
        })?;
    respond_created(&stored)
}

/// Add a sub-reason to a reason
#[utoipa::path(post, path = "/api/admin/classifications/{id}/reasons/{reason_id}/sub-reasons", request_body = NewNode, responses((status = 201, description = "The classification with the new sub-reason", body = ClassificationItem)))]
pub fn add_sub_reason(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let body: NewNode = req.json()?;
    let reason: u32 = req.param("reason_id")?;
    let stored =
        config::modify::<Classification>(ctx, principal.tenant_id(), req.param("id")?, |doc| {
            let mut doc = doc.clone();
            let parent = doc
                .reasons
                .iter_mut()
                .find(|r| r.id == Some(reason))
                .ok_or_else(|| AppError::not_found("reason"))?;
            parent.children.push(Node {
                id: None,
                name: body.name.clone(),
                status: Status::Active,
                children: Vec::new(),
            });
            Ok(doc)
        })?;
    respond_created(&stored)
}

/// Rename or (de)activate a node
///
/// A reason or sub-reason of the classification, by its id.
#[utoipa::path(patch, path = "/api/admin/classifications/{id}/nodes/{node_id}", request_body = NodeChange, responses((status = 200, description = "The classification after the change", body = ClassificationItem)))]
pub fn change_node(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let body: NodeChange = req.json()?;
    let node: u32 = req.param("node_id")?;
    let stored =
        config::modify::<Classification>(ctx, principal.tenant_id(), req.param("id")?, |doc| {
            let mut doc = doc.clone();
            let target = doc
                .find_mut(node)
                .ok_or_else(|| AppError::not_found("node"))?;
            if let Some(name) = &body.name {
                target.name.clone_from(name);
            }
            if let Some(status) = body.status {
                target.status = status;
            }
            Ok(doc)
        })?;
    ok(&config::present::<Classification>(&stored)?)
}
