//! The HubSpot CRM v3 and Stripe stand-ins in `hitch sandbox` over real HTTP: behaviour
//! (pagination, search, batch semantics, idempotency, events, rate limits, determinism) and
//! contract checks against the official API descriptions in `../shared/provider-specs/`
//! (Prism's validating proxy for HubSpot; the Stripe spec's schemas through ajv).

// A test binary: failing loudly on the spot is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

mod helpers;
mod hubspot;
mod hubspot_batch;
mod node;
mod prism;
mod stripe;
mod stripe_events;
mod stripe_schema;
mod sync_through_prism;
