//! Atende's integration tests: one binary, every test on its own database and clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod active;
mod auth;
mod channels;
mod clients;
mod config;
mod console;
mod errors;
mod fake;
mod helpers;
mod inbox;
mod manifest;
mod migrations;
mod openapi;
mod routing;
mod server;
mod tenancy;
mod users;
mod widget;
