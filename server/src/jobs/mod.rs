//! Background work: workers take jobs from the durable queue and run them.

pub mod claimer;
pub mod clock;
pub mod listener;
pub mod scheduler;
pub mod worker;

pub use worker::{Outcome, Worker};
