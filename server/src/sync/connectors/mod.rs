//! The connectors, and choosing one for a connection.
