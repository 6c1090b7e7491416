//! HTTP handlers: each turns a request into a domain call and its result into a response.
//! Components mount these in their route tables.

pub mod auth;
pub mod bot;
pub mod classifications;
pub mod clients;
pub mod config;
pub mod console;
pub mod groups;
pub mod hooks;
pub mod inbox;
pub mod login_failures;
pub mod platform;
pub mod reports;
pub mod routing;
pub mod site;
pub mod tokens;
pub mod users;
pub mod widget;
