//! FAQ articles: customers search them in the widget, agents insert them with `#`.

use super::{Prepared, Resource};
use crate::auth::ALL_PROFILES;
use crate::context::Ctx;
use crate::enums::{Language, Profile};
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// The article in other languages, by code (`pt-BR`, `es`, `en`): a customer and an agent
    /// get the one of the conversation's (or the widget visitor's) language, else `title` and
    /// `body`. Searching finds an article by any of its languages.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, ArticleText>,
}

/// An article's title and text in one more language.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleText {
    pub title: String,
    pub body: String,
}

impl ArticleDoc {
    /// The title and text to show in `language`.
    pub fn in_language(&self, language: Language) -> (&str, &str) {
        match self.translations.get(language.as_str()) {
            Some(t) => (&t.title, &t.body),
            None => (&self.title, &self.body),
        }
    }

    /// The article as one message: its title, a blank line, its text.
    pub fn message(&self, language: Language) -> String {
        let (title, body) = self.in_language(language);
        format!("{title}\n\n{body}")
    }
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
        for (code, text) in doc.translations.iter_mut() {
            if Language::parse(code).is_none() {
                p.add(
                    "translations",
                    format!("{code} is not a language: use pt-BR, es or en"),
                );
                continue;
            }
            text.title = p
                .check(
                    &format!("translations.{code}.title"),
                    required_text(&text.title, 200),
                )
                .unwrap_or_default();
            text.body = p
                .check(
                    &format!("translations.{code}.body"),
                    required_text(&text.body, 20_000),
                )
                .unwrap_or_default();
        }
        p.into_result()?;
        let translated: Vec<String> = doc
            .translations
            .values()
            .map(|t| format!("{} {}", t.title, t.body))
            .collect();
        Ok(Prepared {
            name: doc.title.clone(),
            search: format!(
                "{} {} {} {}",
                doc.title,
                doc.keywords.join(" "),
                doc.body,
                translated.join(" ")
            )
            .to_lowercase(),
            unique: None,
            ref_id: None,
        })
    }
}
