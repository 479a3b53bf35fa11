//! The PostgreSQL and generic HTTP/JSON connectors against real servers: a PostgreSQL from
//! `HITCH_TEST_DATABASE_URL` (a fresh database per test), and a small JSON API in-process.

// A test binary: failing loudly on the spot is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod http;
mod http_server;
mod postgres;
mod postgres_write;
