//! FAQ articles: customers search them in the widget, agents insert them with `#`.

use super::{Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct Article;

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleDoc {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether customers find it in the widget (agents always do).
    #[serde(default = "yes")]
    pub visible_to_customers: bool,
}

impl Resource for Article {
    const KIND: &'static str = "article";
    const READ: &'static [Profile] = ALL_PROFILES;
    const UNIQUE: bool = false;
    type Doc = ArticleDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&ArticleDoc>,
        doc: &mut ArticleDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.title = p
            .check("title", required_text(&doc.title, 200))
            .unwrap_or_default();
        doc.body = p
            .check("body", required_text(&doc.body, 20_000))
            .unwrap_or_default();
        if doc.keywords.len() > 30 {
            p.add("keywords", "at most 30 keywords");
        }
        let mut keywords = Vec::new();
        for k in &doc.keywords {
            match required_text(k, 60) {
                Ok(k) if !keywords.contains(&k.to_lowercase()) => keywords.push(k.to_lowercase()),
                Ok(_) => {}
                Err(m) => p.add("keywords", format!("each keyword {m}")),
            }
        }
        doc.keywords = keywords;
        p.into_result()?;
        Ok(Prepared {
            name: doc.title.clone(),
            search: format!("{} {} {}", doc.title, doc.keywords.join(" "), doc.body).to_lowercase(),
            unique: None,
            ref_id: None,
        })
    }
}
