//! One module per screen. Each `render` returns a whole HTML document.

pub mod connections;
pub mod error;
pub mod invitation;
pub mod login;
pub mod members;
pub mod overview;
pub mod queue;
pub mod recipes;
pub mod runs;
pub mod section;
pub mod settings;
pub mod signup;
pub mod support;

mod shared;

#[cfg(test)]
mod tests;
