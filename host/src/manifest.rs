//! Reads `spin.toml`, the one source of truth for which component serves which routes and
//! which variables exist with what defaults.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::collections::HashMap;

/// The manifest compiled into the binary, so the host and the Spin build never disagree.
pub const SPIN_TOML: &str = include_str!("../../spin.toml");

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(default)]
    variables: HashMap<String, RawVariable>,
    #[serde(default)]
    trigger: RawTriggers,
}

#[derive(Debug, Deserialize)]
struct RawVariable {
    default: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawTriggers {
    #[serde(default)]
    http: Vec<RawHttpTrigger>,
}

#[derive(Debug, Deserialize)]
struct RawHttpTrigger {
    route: RawRoute,
    component: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRoute {
    Path(String),
    Private { private: bool },
}

/// A route as Spin matches it: exact, or a `/...` wildcard prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutePattern {
    Exact(String),
    Prefix(String),
}

impl RoutePattern {
    fn parse(route: &str) -> Self {
        match route.strip_suffix("/...") {
            Some(prefix) => RoutePattern::Prefix(prefix.to_owned()),
            None => RoutePattern::Exact(route.to_owned()),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            RoutePattern::Exact(p) => p == path,
            RoutePattern::Prefix(p) => {
                path == p
                    || path.starts_with(&format!("{p}/"))
                    || (p.is_empty() && path.starts_with('/'))
            }
        }
    }

    /// Spin's precedence: exact routes first, then the longest prefix.
    fn rank(&self) -> (u8, usize) {
        match self {
            RoutePattern::Exact(p) => (1, p.len()),
            RoutePattern::Prefix(p) => (0, p.len()),
        }
    }
}

#[derive(Debug)]
pub struct Manifest {
    pub variables: HashMap<String, String>,
    /// (pattern, component id), most specific first.
    pub routes: Vec<(RoutePattern, String)>,
    /// Components reachable only by service chaining (`private = true`).
    pub private_components: Vec<String>,
}

impl Manifest {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let raw: Raw = toml::from_str(text).context("parsing spin.toml")?;
        let variables = raw
            .variables
            .into_iter()
            .map(|(k, v)| (k, v.default.unwrap_or_default()))
            .collect();
        let mut routes = Vec::new();
        let mut private_components = Vec::new();
        for t in raw.trigger.http {
            match t.route {
                RawRoute::Path(p) => routes.push((RoutePattern::parse(&p), t.component)),
                RawRoute::Private { private: true } => private_components.push(t.component),
                RawRoute::Private { private: false } => bail!("route private = false is not valid"),
            }
        }
        routes.sort_by_key(|(p, _)| std::cmp::Reverse(p.rank()));
        Ok(Manifest {
            variables,
            routes,
            private_components,
        })
    }

    /// The component that serves `path`, as Spin would pick it.
    pub fn component_for(&self, path: &str) -> Option<&str> {
        self.routes
            .iter()
            .find(|(p, _)| p.matches(path))
            .map(|(_, c)| c.as_str())
    }

    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.routes
            .iter()
            .map(|(_, c)| c.as_str())
            .chain(self.private_components.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_exact_then_longest_prefix() {
        let m = Manifest::parse(
            r#"
            [[trigger.http]]
            route = "/..."
            component = "web"
            [[trigger.http]]
            route = "/api/auth/..."
            component = "auth"
            [[trigger.http]]
            route = "/api/openapi.json"
            component = "web"
            "#,
        )
        .unwrap();
        assert_eq!(m.component_for("/api/auth/login"), Some("auth"));
        assert_eq!(m.component_for("/api/auth"), Some("auth"));
        assert_eq!(m.component_for("/api/authx"), Some("web"));
        assert_eq!(m.component_for("/api/openapi.json"), Some("web"));
        assert_eq!(m.component_for("/index.html"), Some("web"));
    }
}
