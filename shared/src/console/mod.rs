//! What the agent console needs to draw one conversation's controls that agents cannot read
//! from the configuration APIs (groups are for supervisors and admins): the group's close
//! rules with its classification tree, which files may be sent and how large, the quick
//! replies of the group, and whom it may be transferred to.

pub mod sql;

use crate::auth::Principal;
use crate::config::classification::ClassificationDoc;
use crate::context::Ctx;
use crate::enums::Status;
use crate::errors::AppResult;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConversationOptions)]
pub struct Options {
    pub group: Named,
    #[schema(required = true)]
    pub classification: Option<Tree>,
    pub classification_mandatory: bool,
    /// The closing script must say whether the matter was resolved.
    pub resolution_mandatory: bool,
    pub attachments: Attachments,
    pub receive_only: bool,
    pub quick_replies: Vec<sql::QuickReply>,
    pub transfer_groups: Vec<crate::inbox::sql::GroupTarget>,
    /// Agents who are ready (or paused, where the group allows transfers to paused agents),
    /// have room and do not hold it.
    pub transfer_agents: Vec<crate::inbox::sql::AgentTarget>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AttachmentRules)]
pub struct Attachments {
    pub image: bool,
    pub audio: bool,
    pub video: bool,
    pub documents: bool,
    pub max_bytes: usize,
}

/// A classification with only its active nodes: what a close may choose.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ClassificationChoices)]
pub struct Tree {
    pub id: i64,
    pub name: String,
    pub reasons: Vec<Choice>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ClassificationChoice)]
pub struct Choice {
    pub id: u32,
    pub name: String,
    #[schema(no_recursion)]
    pub children: Vec<Choice>,
}

fn active(nodes: &[crate::config::classification::Node]) -> Vec<Choice> {
    nodes
        .iter()
        .filter(|n| n.status == Status::Active)
        .filter_map(|n| {
            n.id.map(|id| Choice {
                id,
                name: n.name.clone(),
                children: active(&n.children),
            })
        })
        .collect()
}

pub fn options(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Options> {
    let (conversation, group) = crate::inbox::actionable(ctx, me, id)?;
    let tenant = me.tenant_id();
    let group_id = conversation.group_id.unwrap_or(0);
    let classification = match group.classification_id {
        Some(c) => crate::config::sql::get(ctx.db, tenant, "classification", c)?
            .filter(|s| s.status == Status::Active)
            .and_then(|s| {
                serde_json::from_str::<ClassificationDoc>(&s.data)
                    .ok()
                    .map(|doc| Tree {
                        id: s.id,
                        name: doc.name,
                        reasons: active(&doc.reasons),
                    })
            }),
        None => None,
    };
    let flags = &group.flags;
    Ok(Options {
        group: Named {
            id: group_id,
            name: group.name.clone(),
        },
        classification,
        classification_mandatory: group.classification_mandatory,
        resolution_mandatory: group.resolution_mandatory,
        attachments: Attachments {
            image: flags.allow_image,
            audio: flags.allow_audio,
            video: flags.allow_video,
            documents: flags.allow_documents,
            max_bytes: crate::conversation::inbound::MAX_ATTACHMENT,
        },
        receive_only: flags.receive_only,
        quick_replies: sql::quick_replies(ctx.db, tenant, group_id)?,
        // The same rule the transfer itself checks (inbox::transfer_targets).
        transfer_groups: crate::inbox::sql::active_groups(
            ctx.db,
            tenant,
            &group.transfer_group_ids,
        )?,
        transfer_agents: crate::inbox::sql::transfer_agents(
            ctx.db,
            tenant,
            conversation.agent_id,
            flags.transfer_to_paused,
        )?,
    })
}
