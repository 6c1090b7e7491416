//! Atende's host-free core: the domain, the data rules and the HTTP handlers, behind small
//! ports (`ports`) so the same code runs in Spin (`spin`, wasm32 only) and natively
//! (`native`, for the local host and the tests).

pub mod active;
pub mod api;
pub mod auth;
pub mod bot;
pub mod cache;
pub mod client;
pub mod config;
pub mod console;
pub mod context;
pub mod conversation;
pub mod db;
pub mod demo;
pub mod enums;
pub mod errors;
pub mod headers;
pub mod i18n;
pub mod ids;
pub mod inbox;
pub mod log;
pub mod login_throttle;
pub mod media;
pub mod migrate;
pub mod openapi;
pub mod outbound;
pub mod password;
pub mod platform;
pub mod ports;
pub mod providers;
pub mod reports;
pub mod router;
pub mod routing;
pub mod scope;
pub mod statements;
pub mod stored;
pub mod tenant;
pub mod tick;
pub mod time;
pub mod token;
pub mod user;
pub mod validate;
pub mod web;
pub mod webhook_delivery;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod spin;

pub use context::Ctx;
pub use router::Router;
