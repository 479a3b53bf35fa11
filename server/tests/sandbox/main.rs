//! `hitch sandbox` over real HTTP: the OAuth code flow as Hitch drives it (consent page,
//! form post, callback, token exchange, refresh), the "who am I" calls, and the control API.

// A test binary: failing loudly on the spot is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod code_flow;
mod control;
mod helpers;
