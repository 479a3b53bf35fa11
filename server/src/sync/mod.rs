//! Moving records between systems: the connector interface, the connectors, field mapping,
//! and the engine that runs a recipe without losing or duplicating a record.

pub mod connector;
pub mod connectors;
pub mod engine;
pub mod mapping;
pub mod recipes;
