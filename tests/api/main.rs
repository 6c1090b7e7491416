//! Atende's integration tests: one binary, every test on its own database and clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod active;
mod auth;
mod bots;
mod channels;
mod clients;
mod config;
mod errors;
mod fake;
mod helpers;
mod inbox;
mod lifecycle;
mod manifest;
mod migrations;
mod openapi;
mod providers;
mod routing;
mod server;
mod signing;
mod tenancy;
mod tokens;
mod users;
mod widget;
