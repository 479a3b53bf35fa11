//! Hitch: a self-hosted, multi-tenant integration platform. This crate is the `hitch`
//! binary's library: configuration, storage, HTTP, authentication.

pub mod auth;
pub mod cli;
pub mod config;
pub mod connections;
pub mod domain;
pub mod error;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod providers;
pub mod sandbox;
pub mod schedule;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod storage;
pub mod sync;
pub mod telemetry;
pub mod webhooks;
