//! Clients (contacts, SPEC §2): who customers are, validated; an inactive client cannot open
//! conversations.

pub mod identity;
pub mod import;
pub mod sql;

use crate::config::channel::ChannelType;
use crate::config::client_attribute::ClientAttributeDoc;
use crate::context::Ctx;
use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::ids::{TenantId, UserId};
use crate::validate::{email, optional_text, required_text, Problems};
use base64::Engine;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A client as every API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Client {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(format = Date, required = true)]
    pub birth_date: Option<String>,
    pub show_name_in_greeting: bool,
    #[schema(required = true)]
    pub cpf: Option<String>,
    #[schema(required = true)]
    pub cnpj: Option<String>,
    pub priority: i64,
    pub attributes: BTreeMap<String, String>,
    #[schema(required = true)]
    pub portfolio_agent_id: Option<UserId>,
    #[schema(required = true)]
    pub network: Option<ChannelType>,
    #[schema(required = true)]
    pub group_id: Option<i64>,
    pub status: Status,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// What a client record holds besides identity and timestamps, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientFields {
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub birth_date: Option<String>,
    pub show_name_in_greeting: bool,
    /// ("cpf" | "cnpj", digits)
    pub document: Option<(&'static str, String)>,
    pub priority: i64,
    pub attributes: BTreeMap<String, String>,
    pub portfolio_agent_id: Option<i64>,
    pub network: Option<ChannelType>,
    pub group_id: Option<i64>,
}

/// The body of `POST /api/admin/clients`, and (with every field optional) of `PATCH`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[schema(format = Date)]
    pub birth_date: Option<String>,
    pub show_name_in_greeting: Option<bool>,
    pub cpf: Option<String>,
    pub cnpj: Option<String>,
    pub priority: Option<i64>,
    pub attributes: Option<BTreeMap<String, String>>,
    pub portfolio_agent_id: Option<i64>,
    pub network: Option<ChannelType>,
    pub group_id: Option<i64>,
}

/// What validation needs from the rest of the configuration, loaded once per request (or
/// once per import, whatever its size).
pub struct Lookups {
    pub attributes: Vec<ClientAttributeDoc>,
    /// Active agents and supervisor-agents: (id, username).
    pub agents: Vec<(i64, String)>,
    /// Active groups: (id, lower-cased name).
    pub groups: Vec<(i64, String)>,
}

impl Lookups {
    pub fn load(ctx: &Ctx, tenant: TenantId) -> AppResult<Lookups> {
        sql::lookups(ctx.db, tenant).map_err(Into::into)
    }
}

pub fn parse_priority(v: i64) -> Result<i64, String> {
    if (0..=100).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 100".into())
    }
}

impl ClientFields {
    /// Validates every field of `input` over `self` (the current record, or defaults).
    /// `identified`: the client is known by a channel identity (the Telegram chat or web chat
    /// they wrote from), which reaches them without a phone or an e-mail.
    pub fn apply(
        mut self,
        input: ClientInput,
        lookups: &Lookups,
        today: NaiveDate,
        identified: bool,
    ) -> Result<Self, Problems> {
        let mut p = Problems::default();
        if let Some(name) = input.display_name {
            self.display_name = p
                .check("display_name", required_text(&name, 120))
                .unwrap_or_default();
        }
        if self.display_name.is_empty() {
            p.add("display_name", "is required");
        }
        if let Some(phone) = input.phone {
            self.phone = match phone.trim() {
                "" => None,
                raw => p.check("phone", identity::parse_phone(raw)),
            };
        }
        if let Some(e) = input.email {
            self.email = p.check("email", email(Some(e))).flatten();
        }
        if self.phone.is_none() && self.email.is_none() && !identified {
            p.add("phone", "a client needs a phone or an e-mail");
        }
        if let Some(d) = input.birth_date {
            self.birth_date = match optional_text(Some(d), 10) {
                Ok(None) => None,
                Ok(Some(d)) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                    Ok(date) if date <= today => Some(d),
                    Ok(_) => {
                        p.add("birth_date", "cannot be in the future");
                        None
                    }
                    Err(_) => {
                        p.add("birth_date", "must be YYYY-MM-DD");
                        None
                    }
                },
                Err(m) => {
                    p.add("birth_date", m);
                    None
                }
            };
        }
        if let Some(v) = input.show_name_in_greeting {
            self.show_name_in_greeting = v;
        }
        let given = |d: &Option<String>| {
            d.as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
        };
        match (given(&input.cpf), given(&input.cnpj)) {
            (Some(_), Some(_)) => p.add("cnpj", "a client has a CPF or a CNPJ, never both"),
            (Some(cpf), None) => match identity::parse_document(&cpf) {
                Ok(("cpf", digits)) => self.document = Some(("cpf", digits)),
                Ok(_) => p.add("cpf", "this is a CNPJ; send it as cnpj"),
                Err(m) => p.add("cpf", m),
            },
            (None, Some(cnpj)) => match identity::parse_document(&cnpj) {
                Ok(("cnpj", digits)) => self.document = Some(("cnpj", digits)),
                Ok(_) => p.add("cnpj", "this is a CPF; send it as cpf"),
                Err(m) => p.add("cnpj", m),
            },
            // An empty cpf or cnpj clears the document.
            (None, None) if input.cpf.is_some() || input.cnpj.is_some() => self.document = None,
            (None, None) => {}
        }
        if let Some(v) = input.priority {
            self.priority = p.check("priority", parse_priority(v)).unwrap_or(0);
        }
        if let Some(attrs) = input.attributes {
            let mut checked = BTreeMap::new();
            for (key, value) in attrs {
                let field = format!("attributes.{key}");
                match lookups.attributes.iter().find(|a| a.name == key) {
                    None => p.add(&field, "is not an active client attribute"),
                    Some(def) => {
                        if let Some(v) = p.check(&field, def.value_type.check(&value)) {
                            checked.insert(key, v);
                        }
                    }
                }
            }
            self.attributes = checked;
        }
        if let Some(agent) = input.portfolio_agent_id {
            if lookups.agents.iter().any(|(id, _)| *id == agent) {
                self.portfolio_agent_id = Some(agent);
            } else {
                p.add(
                    "portfolio_agent_id",
                    format!("user {agent} is not an active agent here"),
                );
            }
        }
        if let Some(n) = input.network {
            self.network = Some(n);
        }
        if let Some(g) = input.group_id {
            if lookups.groups.iter().any(|(id, _)| *id == g) {
                self.group_id = Some(g);
            } else {
                p.add(
                    "group_id",
                    crate::errors::Text::new("group {group} is not an active group here")
                        .with("group", g),
                );
            }
        }
        if p.is_empty() {
            Ok(self)
        } else {
            Err(p)
        }
    }

    /// Lower-cased text the `q` filter searches.
    pub fn search(&self, username: &str) -> String {
        let mut s = format!("{} {}", self.display_name.to_lowercase(), username);
        for part in [&self.phone, &self.email].into_iter().flatten() {
            s.push(' ');
            s.push_str(part);
        }
        if let Some((_, digits)) = &self.document {
            s.push(' ');
            s.push_str(digits);
        }
        s
    }
}

/// Generated at creation; never changes.
pub fn new_username(ctx: &Ctx) -> String {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ctx.random_bytes::<9>());
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                'x'
            }
        })
        .collect();
    format!("cli-{clean}")
}

fn phone_taken(phone: &str) -> AppError {
    AppError::conflict(
        "phone_taken",
        "phone",
        crate::errors::Text::new("a client with the phone {phone} exists").with("phone", phone),
    )
}

pub fn create(ctx: &Ctx, tenant: TenantId, input: ClientInput) -> AppResult<Client> {
    let lookups = Lookups::load(ctx, tenant)?;
    let fields = ClientFields::default()
        .apply(input, &lookups, ctx.clock.now().date_naive(), false)
        .map_err(|p| AppError::invalid_fields(p.0))?;
    let username = new_username(ctx);
    sql::insert(ctx.db, tenant, &username, &fields, ctx.now_ms())?
        .ok_or_else(|| phone_taken(fields.phone.as_deref().unwrap_or("")))
}

pub fn get(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<Client> {
    sql::get(ctx.db, tenant, id)?.ok_or_else(|| AppError::not_found("client"))
}

pub fn update(ctx: &Ctx, tenant: TenantId, id: i64, input: ClientInput) -> AppResult<Client> {
    let current = get(ctx, tenant, id)?;
    let lookups = Lookups::load(ctx, tenant)?;
    let identified = crate::conversation::sql::has_identity(ctx.db, tenant, id)?;
    let fields = sql::fields_of(&current)
        .apply(input, &lookups, ctx.clock.now().date_naive(), identified)
        .map_err(|p| AppError::invalid_fields(p.0))?;
    sql::update(ctx.db, tenant, id, &current.username, &fields, ctx.now_ms())
        .map_err(|e| match e {
            crate::ports::DbError::Constraint(_) => {
                phone_taken(fields.phone.as_deref().unwrap_or(""))
            }
            other => other.into(),
        })?
        .ok_or_else(|| AppError::not_found("client"))
}

pub fn set_status(ctx: &Ctx, tenant: TenantId, id: i64, status: Status) -> AppResult<Client> {
    sql::set_status(ctx.db, tenant, id, status, ctx.now_ms())?
        .ok_or_else(|| AppError::not_found("client"))
}
