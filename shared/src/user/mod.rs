//! Users of a tenant (SPEC §1): who they are, what they may do, when they may work.

pub mod hours;
pub mod import;
pub mod service;
pub mod sql;

use crate::enums::{Language, Profile, Status};
use crate::errors::{AppError, FieldError};
use crate::ids::UserId;
pub use crate::validate::Problems;
use crate::validate::{email as parse_email, optional_text, required_text};
use chrono::NaiveDate;
use hours::{Window, WorkingHours};
use serde::{Deserialize, Serialize};

/// A user as every API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub profile: Profile,
    pub status: Status,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(format = Date, required = true)]
    pub birth_date: Option<String>,
    pub language: Language,
    pub must_change_password: bool,
    pub max_concurrent: i64,
    pub priority: i64,
    #[schema(required = true)]
    pub department: Option<String>,
    #[schema(required = true)]
    pub social_token: Option<String>,
    #[schema(required = true)]
    pub integration_key: Option<String>,
    pub working_hours: Vec<Window>,
    pub permissions: Permissions,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Permissions {
    /// See the history of every conversation of my groups.
    pub see_group_history: bool,
    /// See the history of every conversation of my operations.
    pub see_operation_history: bool,
    /// Others cannot see my conversations' history.
    pub confidential_history: bool,
}

/// Everything a user record holds besides identity and timestamps, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub display_name: String,
    pub profile: Profile,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub language: Language,
    pub must_change_password: bool,
    pub max_concurrent: i64,
    pub priority: i64,
    pub department: Option<String>,
    pub social_token: Option<String>,
    pub integration_key: Option<String>,
    pub working_hours: WorkingHours,
    pub permissions: Permissions,
}

/// A user ready to be inserted: username checked, password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub fields: UserFields,
}

/// The body of `POST /api/admin/users` (and one CSV row).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub profile: String,
    pub password: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(format = Date)]
    pub birth_date: Option<String>,
    pub language: Option<String>,
    /// Defaults to true: a password an admin chose is changed by its owner at first login.
    pub must_change_password: Option<bool>,
    pub max_concurrent: Option<i64>,
    pub priority: Option<i64>,
    pub department: Option<String>,
    pub social_token: Option<String>,
    pub integration_key: Option<String>,
    pub working_hours: Option<Vec<Window>>,
    pub permissions: Option<Permissions>,
}

/// The body of `PATCH /api/admin/users/{id}`: absent fields stay, `null` clears optional ones.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// Accepted only to refuse it clearly: the login name never changes.
    pub username: Option<serde_json::Value>,
    pub display_name: Option<String>,
    pub profile: Option<String>,
    /// An admin's reset; revokes the user's sessions.
    pub password: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub birth_date: Option<Option<String>>,
    pub language: Option<String>,
    pub must_change_password: Option<bool>,
    pub max_concurrent: Option<i64>,
    pub priority: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub department: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub social_token: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub integration_key: Option<Option<String>>,
    pub working_hours: Option<Vec<Window>>,
    pub permissions: Option<Permissions>,
}

/// Tells "absent" (outer None, via `default`) from "null" (Some(None)).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub fn parse_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    if !(3..=64).contains(&len) {
        return Err("must be 3 to 64 characters".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err("may contain only letters, digits and . _ - @".into());
    }
    Ok(name)
}

fn parse_phone(raw: Option<String>) -> Result<Option<String>, String> {
    let Some(p) = optional_text(raw, 32)? else {
        return Ok(None);
    };
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    let allowed = p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if allowed && (8..=15).contains(&digits.len()) {
        Ok(Some(if p.starts_with('+') {
            format!("+{digits}")
        } else {
            digits
        }))
    } else {
        Err("must be a phone number of 8 to 15 digits".into())
    }
}

fn parse_birth_date(raw: Option<String>, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let Some(d) = optional_text(raw, 10)? else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| "must be YYYY-MM-DD")?;
    if date > today {
        return Err("cannot be in the future".into());
    }
    Ok(Some(date))
}

fn parse_profile(raw: &str) -> Result<Profile, crate::errors::Text> {
    Profile::parse(&raw.trim().to_lowercase().replace('-', "_"))
        .ok_or_else(|| crate::errors::messages::reason::one_of(Profile::expected()))
}

fn parse_language(raw: Option<String>) -> Result<Language, crate::errors::Text> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(Language::PtBr),
        Some(l) => Language::parse(l)
            .ok_or_else(|| crate::errors::messages::reason::one_of(Language::expected())),
    }
}

fn parse_max_concurrent(v: i64) -> Result<i64, String> {
    if (0..=80).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 80".into())
    }
}

fn parse_priority(v: i64) -> Result<i64, String> {
    if (0..=1000).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 1000".into())
    }
}

pub fn check_password(password: &str) -> Result<(), String> {
    let broken = crate::password::policy_violations(password);
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken.join("; "))
    }
}

impl CreateUser {
    /// Validates every field, reporting all problems at once; the password is hashed by the
    /// caller once the rest is known to be good (hashing is the expensive part).
    pub fn validate(
        self,
        today: NaiveDate,
    ) -> Result<(String, String, UserFields), Vec<FieldError>> {
        let mut p = Problems::default();
        let username = p.check("username", parse_username(&self.username));
        let display_name = p.check("display_name", required_text(&self.display_name, 120));
        let profile = p.check("profile", parse_profile(&self.profile));
        p.check("password", check_password(&self.password));
        let email = p.check("email", parse_email(self.email));
        let phone = p.check("phone", parse_phone(self.phone));
        let birth_date = p.check("birth_date", parse_birth_date(self.birth_date, today));
        let language = p.check("language", parse_language(self.language));
        let max_concurrent = p.check(
            "max_concurrent",
            parse_max_concurrent(self.max_concurrent.unwrap_or(5)),
        );
        let priority = p.check("priority", parse_priority(self.priority.unwrap_or(0)));
        let department = p.check("department", optional_text(self.department, 120));
        let social_token = p.check("social_token", optional_text(self.social_token, 512));
        let integration_key = p.check("integration_key", optional_text(self.integration_key, 512));
        let working_hours = p.check(
            "working_hours",
            WorkingHours::parse(self.working_hours.unwrap_or_default()),
        );
        match (
            username,
            display_name,
            profile,
            email,
            phone,
            birth_date,
            language,
            max_concurrent,
            priority,
            department,
            social_token,
            integration_key,
            working_hours,
        ) {
            (
                Some(username),
                Some(display_name),
                Some(profile),
                Some(email),
                Some(phone),
                Some(birth_date),
                Some(language),
                Some(max_concurrent),
                Some(priority),
                Some(department),
                Some(social_token),
                Some(integration_key),
                Some(working_hours),
            ) if p.0.is_empty() => Ok((
                username,
                self.password,
                UserFields {
                    display_name,
                    profile,
                    email,
                    phone,
                    birth_date,
                    language,
                    must_change_password: self.must_change_password.unwrap_or(true),
                    max_concurrent,
                    priority,
                    department,
                    social_token,
                    integration_key,
                    working_hours,
                    permissions: self.permissions.unwrap_or_default(),
                },
            )),
            _ => Err(p.0),
        }
    }
}

impl UpdateUser {
    /// Applies the patch to the current fields; returns the new fields and the new password
    /// (unhashed) when one was set.
    pub fn apply(
        self,
        mut f: UserFields,
        today: NaiveDate,
    ) -> Result<(UserFields, Option<String>), AppError> {
        let mut p = Problems::default();
        if self.username.is_some() {
            p.add("username", "cannot be changed after the user is created");
        }
        if let Some(v) = self.display_name {
            f.display_name = p
                .check("display_name", required_text(&v, 120))
                .unwrap_or_default();
        }
        if let Some(v) = self.profile {
            if let Some(profile) = p.check("profile", parse_profile(&v)) {
                f.profile = profile;
            }
        }
        if let Some(pw) = &self.password {
            p.check("password", check_password(pw));
        }
        if let Some(v) = self.email {
            f.email = p.check("email", parse_email(v)).flatten();
        }
        if let Some(v) = self.phone {
            f.phone = p.check("phone", parse_phone(v)).flatten();
        }
        if let Some(v) = self.birth_date {
            f.birth_date = p.check("birth_date", parse_birth_date(v, today)).flatten();
        }
        if let Some(v) = self.language {
            if let Some(l) = p.check("language", parse_language(Some(v))) {
                f.language = l;
            }
        }
        if let Some(v) = self.must_change_password {
            f.must_change_password = v;
        }
        if let Some(v) = self.max_concurrent {
            f.max_concurrent = p
                .check("max_concurrent", parse_max_concurrent(v))
                .unwrap_or(0);
        }
        if let Some(v) = self.priority {
            f.priority = p.check("priority", parse_priority(v)).unwrap_or(0);
        }
        if let Some(v) = self.department {
            f.department = p.check("department", optional_text(v, 120)).flatten();
        }
        if let Some(v) = self.social_token {
            f.social_token = p.check("social_token", optional_text(v, 512)).flatten();
        }
        if let Some(v) = self.integration_key {
            f.integration_key = p.check("integration_key", optional_text(v, 512)).flatten();
        }
        if let Some(v) = self.working_hours {
            if let Some(h) = p.check("working_hours", WorkingHours::parse(v)) {
                f.working_hours = h;
            }
        }
        if let Some(v) = self.permissions {
            f.permissions = v;
        }
        p.into_result()?;
        Ok((f, self.password))
    }
}
