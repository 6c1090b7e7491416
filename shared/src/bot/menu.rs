//! The menu bot (SPEC §5, seed 002 "grupo pai"): a tree of nodes configured on a parent group
//! (`menu` on the group, with `start_bot: menu`). The first customer message gets the
//! greeting and the root node's prompt; each answer picks an option by number, by keyword
//! (case and accent insensitive) or by the channel's button, and the option goes to another
//! node, routes to a group's queue, answers with a FAQ article, collects a field for the
//! client's record, or closes with a message. Answers it does not understand repeat the
//! prompt; after `max_failures` of them the menu's fallback applies (a group's queue, or a
//! close). A group with `start_bot: menu` and no menu leaves its conversations to an external
//! bot (`/api/bot/...`).

use super::sql::{self as bot_sql, Session};
use super::{fold, pick, say, Said, Text};
use crate::config::article::ArticleDoc;
use crate::config::group::GroupDoc;
use crate::context::Ctx;
use crate::conversation::inbound::ChannelInfo;
use crate::conversation::lifecycle::{self, Actor, Wake};
use crate::enums::{Language, Status};
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::providers::Choice;
use crate::validate::{required_text, Localized, Problems};
use serde::{Deserialize, Serialize};

/// A problem of one menu node: `node '<id>': <reason>`, the reason from the catalog.
fn at_node(node: &str, reason: &'static str) -> crate::errors::Text {
    crate::errors::Text::new("node '{node}': {reason}")
        .with("node", node)
        .with("reason", reason)
}

/// WhatsApp lists hold 10 rows: a node offers at most that many options.
pub const MAX_OPTIONS: usize = 10;
const MAX_NODES: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    pub greeting: Localized,
    /// The first node is the root.
    pub nodes: Vec<Node>,
    /// Answers not understood in a row before the fallback applies.
    #[serde(default = "three")]
    pub max_failures: u32,
    /// The fallback: this group's queue; without one, the conversation is closed.
    #[serde(default)]
    pub fallback_group_id: Option<i64>,
}

fn three() -> u32 {
    3
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = MenuNode)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    pub prompt: Localized,
    pub options: Vec<MenuOption>,
}

crate::enums::stored_enum!(
    OptionAction {
        Node = "node",
        Group = "group",
        Article = "article",
        Collect = "collect",
        Close = "close",
    }
);

crate::enums::stored_enum!(
    /// What a `collect` option asks for, saved on the client.
    Field {
        Name = "name",
        Document = "document",
        Email = "email",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuOption {
    pub number: u32,
    pub label: Localized,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    pub action: OptionAction,
    /// `node`: where to go; `collect`: where to go once the field is saved (else the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// `close`: what the customer is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Localized>,
}

/// Problems with what a menu points to (a missing or inactive group or article), found
/// against the tenant's configuration.
fn check_active(
    ctx: &Ctx,
    tenant: TenantId,
    p: &mut Problems,
    field: &str,
    kind: &str,
    id: i64,
    node: &str,
) -> AppResult<()> {
    match crate::config::sql::statuses(ctx.db, tenant, kind, &[id])?.first() {
        Some((_, Status::Active)) => {}
        Some(_) => p.add(
            field,
            crate::errors::Text::new("node '{node}': {what} {id} is deactivated")
                .with("node", node)
                .with("what", kind)
                .with("id", id),
        ),
        None => p.add(
            field,
            crate::errors::Text::new("node '{node}': {what} {id} does not exist")
                .with("node", node)
                .with("what", kind)
                .with("id", id),
        ),
    }
    Ok(())
}

/// Validates a group's menu: every node reachable by id, options numbered once each, and every
/// group and article it points to existing and active (the 422 names the node).
pub fn check(
    ctx: &Ctx,
    tenant: TenantId,
    group: Option<i64>,
    menu: &mut Menu,
    p: &mut Problems,
) -> AppResult<()> {
    menu.greeting.check(p, "menu.greeting", 1000);
    if menu.nodes.is_empty() {
        p.add("menu.nodes", "at least one node (the first is the root)");
    }
    if menu.nodes.len() > MAX_NODES {
        p.add(
            "menu.nodes",
            crate::errors::Text::new("at most {max} nodes").with("max", MAX_NODES),
        );
    }
    if menu.max_failures == 0 || menu.max_failures > 10 {
        p.add("menu.max_failures", "must be 1 to 10");
    }
    if let Some(g) = menu.fallback_group_id {
        if Some(g) == group {
            p.add("menu.fallback_group_id", "cannot be the group itself");
        } else {
            check_active(
                ctx,
                tenant,
                p,
                "menu.fallback_group_id",
                "group",
                g,
                "fallback",
            )?;
        }
    }
    let ids: Vec<String> = menu.nodes.iter().map(|n| n.id.trim().to_owned()).collect();
    for (i, node) in menu.nodes.iter_mut().enumerate() {
        let at = format!("menu.nodes[{i}]");
        node.id = p
            .check(&format!("{at}.id"), required_text(&node.id, 40))
            .unwrap_or_default();
        if ids.iter().filter(|id| **id == node.id).count() > 1 {
            p.add(
                &format!("{at}.id"),
                crate::errors::Text::new("node '{node}' is defined twice").with("node", &node.id),
            );
        }
        node.prompt.check(p, &format!("{at}.prompt"), 1000);
        if node.options.is_empty() || node.options.len() > MAX_OPTIONS {
            p.add(
                &format!("{at}.options"),
                crate::errors::Text::new("node '{node}': 1 to {max} options")
                    .with("node", &node.id)
                    .with("max", MAX_OPTIONS),
            );
        }
        let numbers: Vec<u32> = node.options.iter().map(|o| o.number).collect();
        for (j, o) in node.options.iter_mut().enumerate() {
            let of = format!("{at}.options[{j}]");
            let name = node.id.as_str();
            if o.number == 0 || o.number > 99 {
                p.add(&format!("{of}.number"), at_node(name, "must be 1 to 99"));
            } else if numbers.iter().filter(|n| **n == o.number).count() > 1 {
                p.add(
                    &format!("{of}.number"),
                    crate::errors::Text::new("node '{node}': option {number} is numbered twice")
                        .with("node", name)
                        .with("number", o.number),
                );
            }
            o.label.check(p, &format!("{of}.label"), 60);
            if o.keywords.len() > 20 {
                p.add(
                    &format!("{of}.keywords"),
                    at_node(name, "at most 20 keywords"),
                );
            }
            o.keywords = o
                .keywords
                .iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect();
            if o.keywords.iter().any(|k| k.chars().count() > 40) {
                p.add(
                    &format!("{of}.keywords"),
                    at_node(name, "keywords have at most 40 characters"),
                );
            }
            let wants = |field: &str, given: bool, p: &mut Problems| {
                if !given {
                    p.add(
                        &format!("{of}.{field}"),
                        crate::errors::Text::new("node '{node}': required with action {action}")
                            .with("node", name)
                            .with("action", o.action.as_str()),
                    );
                }
            };
            match o.action {
                OptionAction::Node => wants("node", o.node.is_some(), p),
                OptionAction::Group => wants("group_id", o.group_id.is_some(), p),
                OptionAction::Article => wants("article_id", o.article_id.is_some(), p),
                OptionAction::Collect => wants("field", o.field.is_some(), p),
                OptionAction::Close => wants("message", o.message.is_some(), p),
            }
            if let Some(target) = &o.node {
                if !matches!(o.action, OptionAction::Node | OptionAction::Collect) {
                    p.add(
                        &format!("{of}.node"),
                        at_node(name, "only with action node or collect"),
                    );
                } else if !ids.iter().any(|id| id == target.trim()) {
                    p.add(
                        &format!("{of}.node"),
                        crate::errors::Text::new("node '{node}': there is no node '{target}'")
                            .with("node", name)
                            .with("target", target),
                    );
                }
            }
            match (o.action, o.group_id) {
                (OptionAction::Group, Some(g)) if Some(g) == group => p.add(
                    &format!("{of}.group_id"),
                    at_node(name, "cannot route to the group itself"),
                ),
                (OptionAction::Group, Some(g)) => {
                    check_active(ctx, tenant, p, &format!("{of}.group_id"), "group", g, name)?
                }
                (_, Some(_)) => p.add(
                    &format!("{of}.group_id"),
                    at_node(name, "only with action group"),
                ),
                _ => {}
            }
            match (o.action, o.article_id) {
                (OptionAction::Article, Some(a)) => check_active(
                    ctx,
                    tenant,
                    p,
                    &format!("{of}.article_id"),
                    "article",
                    a,
                    name,
                )?,
                (_, Some(_)) => p.add(
                    &format!("{of}.article_id"),
                    at_node(name, "only with action article"),
                ),
                _ => {}
            }
            if o.field.is_some() && o.action != OptionAction::Collect {
                p.add(
                    &format!("{of}.field"),
                    at_node(name, "only with action collect"),
                );
            }
            match (o.action, o.message.as_mut()) {
                (OptionAction::Close, Some(m)) => m.check(p, &format!("{of}.message"), 1000),
                (_, Some(_)) => p.add(
                    &format!("{of}.message"),
                    at_node(name, "only with action close"),
                ),
                _ => {}
            }
        }
    }
    Ok(())
}

/// The groups a menu sends conversations to (a group in use this way is not deactivated).
pub fn targets(menu: &Menu) -> Vec<i64> {
    let mut out: Vec<i64> = menu
        .nodes
        .iter()
        .flat_map(|n| n.options.iter().filter_map(|o| o.group_id))
        .chain(menu.fallback_group_id)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl Menu {
    fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
    fn root(&self) -> Option<&Node> {
        self.nodes.first()
    }
}

/// The option of `node` the customer picked, if any: a button of this node, the number, the
/// label or a keyword.
pub fn matches<'a>(node: &'a Node, said: &Said) -> Option<&'a MenuOption> {
    if let Some(id) = said.button {
        if let Some((n, number)) = id.rsplit_once(':') {
            if n == node.id {
                return node.options.iter().find(|o| number.parse() == Ok(o.number));
            }
        }
    }
    let text = fold(said.text);
    let text = text.trim_end_matches(['.', ')', '!']);
    if let Ok(n) = text.parse::<u32>() {
        return node.options.iter().find(|o| o.number == n);
    }
    if text.is_empty() {
        return None;
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    node.options.iter().find(|o| {
        [&o.label.pt_br, &o.label.es, &o.label.en]
            .iter()
            .any(|l| fold(l) == text)
            || o.keywords.iter().any(|k| {
                let k = fold(k);
                k == text
                    || (!k.contains(' ') && words.contains(&k.as_str()))
                    || (k.contains(' ') && text.contains(&k))
            })
    })
}

/// One conversation the menu bot is serving.
pub struct Turn<'a> {
    pub channel: &'a ChannelInfo,
    pub conversation: i64,
    pub client_id: i64,
    pub group_id: i64,
    pub language: &'a str,
    /// Its first message: greet and show the root.
    pub first: bool,
}

fn options_of(node: &Node, language: &str) -> Vec<Choice> {
    node.options
        .iter()
        .map(|o| Choice {
            id: format!("{}:{}", node.id, o.number),
            title: format!("{}. {}", o.number, pick(&o.label, language)),
        })
        .collect()
}

fn ask(ctx: &Ctx, t: &Turn, node: &Node, before: Option<&str>, now: i64) -> AppResult<()> {
    let prompt = pick(&node.prompt, t.language);
    let text = match before {
        Some(b) => format!("{b}\n\n{prompt}"),
        None => prompt.to_owned(),
    };
    say(
        ctx,
        t.channel,
        t.conversation,
        t.language,
        &text,
        options_of(node, t.language),
        now,
    )?;
    Ok(())
}

fn yes_no(language: &str) -> Vec<Choice> {
    vec![
        Choice {
            id: "more:1".into(),
            title: format!("1. {}", Text::Yes.get(language)),
        },
        Choice {
            id: "more:2".into(),
            title: format!("2. {}", Text::No.get(language)),
        },
    ]
}

/// The menu bot's answer to a customer message in a conversation in state `bot`, in the
/// inbound transaction. Returns the queues to wake (a route to a group, a close).
pub fn answer(ctx: &Ctx, t: &Turn, said: &Said, now: i64) -> AppResult<Wake> {
    let tenant = t.channel.tenant;
    let Some(group) = crate::config::sql::get(ctx.db, tenant, "group", t.group_id)?
        .and_then(|g| serde_json::from_str::<GroupDoc>(&g.data).ok())
    else {
        return Ok(Wake::default());
    };
    let Some(menu) = group
        .menu
        .as_ref()
        .filter(|_| group.start_bot == crate::config::group::StartBot::Menu)
    else {
        return Ok(Wake::default());
    };
    let Some(root) = menu.root() else {
        return Ok(Wake::default());
    };
    let session = bot_sql::session(ctx.db, tenant, t.conversation)?;
    let session = match session {
        Some(s) if !t.first => s,
        _ => {
            ask(ctx, t, root, Some(pick(&menu.greeting, t.language)), now)?;
            let s = Session {
                node: root.id.clone(),
                failures: 0,
                awaiting: None,
            };
            bot_sql::save_session(ctx.db, tenant, t.conversation, &s, now)?;
            return Ok(Wake::default());
        }
    };
    let node = menu.node(&session.node).unwrap_or(root);
    let lang = t.language;

    match session.awaiting.as_deref() {
        Some("more") => {
            let text = fold(said.text);
            let yes = said.button == Some("more:1")
                || text == "1"
                || [Text::Yes, Text::Yes]
                    .iter()
                    .any(|w| fold(w.get(lang)) == text)
                || ["sim", "si", "yes"].contains(&text.as_str());
            let no = said.button == Some("more:2")
                || text == "2"
                || ["nao", "no"].contains(&text.as_str());
            if yes {
                let s = Session {
                    node: root.id.clone(),
                    failures: 0,
                    awaiting: None,
                };
                bot_sql::save_session(ctx.db, tenant, t.conversation, &s, now)?;
                ask(ctx, t, root, None, now)?;
                return Ok(Wake::default());
            }
            if no {
                return close(ctx, t, &group, Text::Goodbye.get(lang), now);
            }
            return not_understood(ctx, t, menu, &group, session, Again::More, now);
        }
        Some(awaiting) if awaiting.starts_with("collect:") => {
            let mut parts = awaiting.splitn(3, ':').skip(1);
            let field = parts.next().and_then(Field::parse);
            let next = parts
                .next()
                .filter(|n| !n.is_empty())
                .and_then(|n| menu.node(n))
                .unwrap_or(root);
            let Some(field) = field else {
                return Ok(Wake::default());
            };
            return match save_field(ctx, tenant, t.client_id, field, said.text)? {
                true => {
                    let s = Session {
                        node: next.id.clone(),
                        failures: 0,
                        awaiting: None,
                    };
                    bot_sql::save_session(ctx.db, tenant, t.conversation, &s, now)?;
                    ask(ctx, t, next, Some(Text::Saved.get(lang)), now)?;
                    Ok(Wake::default())
                }
                false => {
                    let bad = match field {
                        Field::Name => Text::BadName,
                        Field::Document => Text::BadDocument,
                        Field::Email => Text::BadEmail,
                    };
                    not_understood(ctx, t, menu, &group, session, Again::Field(bad), now)
                }
            };
        }
        _ => {}
    }

    let Some(option) = matches(node, said) else {
        return not_understood(ctx, t, menu, &group, session, Again::Prompt, now);
    };
    match option.action {
        OptionAction::Node => {
            let next = option
                .node
                .as_deref()
                .and_then(|n| menu.node(n))
                .unwrap_or(root);
            let s = Session {
                node: next.id.clone(),
                failures: 0,
                awaiting: None,
            };
            bot_sql::save_session(ctx.db, tenant, t.conversation, &s, now)?;
            ask(ctx, t, next, None, now)?;
            Ok(Wake::default())
        }
        OptionAction::Group => match option.group_id {
            Some(target) => route(ctx, t, menu, &group, target, now),
            None => Ok(Wake::default()),
        },
        OptionAction::Article => {
            let article = match option.article_id {
                Some(a) => crate::config::sql::get(ctx.db, tenant, "article", a)?
                    .filter(|s| s.status == Status::Active)
                    .and_then(|s| serde_json::from_str::<ArticleDoc>(&s.data).ok()),
                None => None,
            };
            if let Some(article) = article {
                say(
                    ctx,
                    t.channel,
                    t.conversation,
                    lang,
                    &article.message(Language::parse(lang).unwrap_or(Language::PtBr)),
                    Vec::new(),
                    now,
                )?;
            }
            say(
                ctx,
                t.channel,
                t.conversation,
                lang,
                Text::AnythingElse.get(lang),
                yes_no(lang),
                now,
            )?;
            let s = Session {
                node: node.id.clone(),
                failures: 0,
                awaiting: Some("more".into()),
            };
            bot_sql::save_session(ctx.db, tenant, t.conversation, &s, now)?;
            Ok(Wake::default())
        }
        OptionAction::Collect => {
            let Some(field) = option.field else {
                return Ok(Wake::default());
            };
            let ask_for = match field {
                Field::Name => Text::AskName,
                Field::Document => Text::AskDocument,
                Field::Email => Text::AskEmail,
            };
            say(
                ctx,
                t.channel,
                t.conversation,
                lang,
                ask_for.get(lang),
                Vec::new(),
                now,
            )?;
            let awaiting = format!(
                "collect:{}:{}",
                field.as_str(),
                option.node.as_deref().unwrap_or("")
            );
            let s = Session {
                node: node.id.clone(),
                failures: 0,
                awaiting: Some(awaiting),
            };
            bot_sql::save_session(ctx.db, tenant, t.conversation, &s, now)?;
            Ok(Wake::default())
        }
        OptionAction::Close => {
            let message = option
                .message
                .as_ref()
                .map_or(Text::Goodbye.get(lang), |m| pick(m, lang));
            close(ctx, t, &group, message, now)
        }
    }
}

/// What is asked again after an answer the bot could not take.
enum Again {
    /// "I didn't understand" and the node's prompt.
    Prompt,
    /// "I didn't understand" and "anything else?".
    More,
    /// Why the collected field is not valid (it is asked for again).
    Field(Text),
}

/// Asks again, or applies the fallback once the failures reach the menu's limit.
fn not_understood(
    ctx: &Ctx,
    t: &Turn,
    menu: &Menu,
    group: &GroupDoc,
    session: Session,
    again: Again,
    now: i64,
) -> AppResult<Wake> {
    let failures = session.failures + 1;
    if failures >= i64::from(menu.max_failures) {
        return fallback(ctx, t, menu, group, now);
    }
    let lang = t.language;
    let sorry = Text::NotUnderstood.get(lang);
    match again {
        Again::More => {
            let text = format!("{sorry}\n\n{}", Text::AnythingElse.get(lang));
            say(
                ctx,
                t.channel,
                t.conversation,
                lang,
                &text,
                yes_no(lang),
                now,
            )?;
        }
        Again::Prompt => {
            if let Some(node) = menu.node(&session.node).or_else(|| menu.root()) {
                ask(ctx, t, node, Some(sorry), now)?;
            }
        }
        Again::Field(why) => {
            say(
                ctx,
                t.channel,
                t.conversation,
                lang,
                why.get(lang),
                Vec::new(),
                now,
            )?;
        }
    }
    let s = Session {
        failures,
        ..session
    };
    bot_sql::save_session(ctx.db, t.channel.tenant, t.conversation, &s, now)?;
    Ok(Wake::default())
}

fn fallback(ctx: &Ctx, t: &Turn, menu: &Menu, group: &GroupDoc, now: i64) -> AppResult<Wake> {
    let lang = t.language;
    match menu.fallback_group_id {
        Some(target) => {
            say(
                ctx,
                t.channel,
                t.conversation,
                lang,
                Text::GaveUp.get(lang),
                Vec::new(),
                now,
            )?;
            route(ctx, t, menu, group, target, now)
        }
        None => {
            let text = format!("{} {}", Text::GaveUp.get(lang), Text::Goodbye.get(lang));
            close(ctx, t, group, &text, now)
        }
    }
}

/// To `target`'s queue — or, when it was deactivated since the menu was saved, the fallback.
fn route(
    ctx: &Ctx,
    t: &Turn,
    menu: &Menu,
    group: &GroupDoc,
    target: i64,
    now: i64,
) -> AppResult<Wake> {
    let tenant = t.channel.tenant;
    let active = matches!(
        crate::config::sql::statuses(ctx.db, tenant, "group", &[target])?.first(),
        Some((_, Status::Active))
    );
    if !active {
        return match menu.fallback_group_id.filter(|f| *f != target) {
            Some(f) => route(ctx, t, menu, group, f, now),
            None => close(ctx, t, group, Text::Goodbye.get(t.language), now),
        };
    }
    say(
        ctx,
        t.channel,
        t.conversation,
        t.language,
        Text::Routed.get(t.language),
        Vec::new(),
        now,
    )?;
    bot_sql::end_session(ctx.db, tenant, t.conversation)?;
    let mut wake = Wake::default();
    lifecycle::route_to_queue(ctx, tenant, t.conversation, target, Actor::Bot, now)?
        .defer(&mut wake);
    Ok(wake)
}

/// Says `message` and closes as the bot.
fn close(ctx: &Ctx, t: &Turn, group: &GroupDoc, message: &str, now: i64) -> AppResult<Wake> {
    say(
        ctx,
        t.channel,
        t.conversation,
        t.language,
        message,
        Vec::new(),
        now,
    )?;
    let mut wake = Wake::default();
    super::close(ctx, t.channel.tenant, t.conversation, Some(group), now)?.defer(&mut wake);
    Ok(wake)
}

/// Validates and saves a collected field on the client; false when it is not valid.
fn save_field(
    ctx: &Ctx,
    tenant: TenantId,
    client: i64,
    field: Field,
    text: &str,
) -> AppResult<bool> {
    use crate::client::ClientInput;
    let text = text.trim();
    if text.is_empty() {
        return Ok(false);
    }
    let input = match field {
        Field::Name if text.chars().any(char::is_alphabetic) => ClientInput {
            display_name: Some(text.to_owned()),
            ..ClientInput::default()
        },
        Field::Name => return Ok(false),
        Field::Document => match crate::client::identity::parse_document(text) {
            Ok(("cpf", digits)) => ClientInput {
                cpf: Some(digits),
                ..ClientInput::default()
            },
            Ok((_, digits)) => ClientInput {
                cnpj: Some(digits),
                ..ClientInput::default()
            },
            Err(_) => return Ok(false),
        },
        Field::Email => ClientInput {
            email: Some(text.to_owned()),
            ..ClientInput::default()
        },
    };
    match crate::client::update(ctx, tenant, client, input) {
        Ok(_) => Ok(true),
        // A field the client record refuses (a bad e-mail, a document another client has).
        Err(crate::errors::AppError::Api(e)) if e.status.is_client_error() => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::bot::tests::l;

    fn node() -> Node {
        let option = |number: u32, label: &str, keywords: &[&str]| MenuOption {
            number,
            label: l(label),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            action: OptionAction::Close,
            node: None,
            group_id: None,
            article_id: None,
            field: None,
            message: Some(l("tchau")),
        };
        Node {
            id: "root".into(),
            prompt: l("Escolha"),
            options: vec![
                option(1, "Financeiro", &["boleto", "segunda via"]),
                option(2, "Suporte técnico", &[]),
            ],
        }
    }

    fn pick_of(text: &str, button: Option<&str>) -> Option<u32> {
        matches(&node(), &Said { text, button }).map(|o| o.number)
    }

    #[test]
    fn answers_match_by_number_label_keyword_and_button() {
        assert_eq!(pick_of("1", None), Some(1));
        assert_eq!(pick_of(" 2. ", None), Some(2));
        assert_eq!(pick_of("financeiro", None), Some(1));
        assert_eq!(pick_of("FINANCEIRO", None), Some(1));
        assert_eq!(pick_of("suporte tecnico", None), Some(2));
        assert_eq!(pick_of("quero a segunda via do boleto", None), Some(1));
        assert_eq!(pick_of("Boleto!", None), Some(1));
        assert_eq!(pick_of("", Some("root:2")), Some(2));
        assert_eq!(pick_of("", Some("other:2")), None);
        assert_eq!(pick_of("3", None), None);
        assert_eq!(pick_of("bom dia", None), None);
    }
}
