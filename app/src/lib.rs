//! Hitch's pages: Leptos components rendered to HTML on the server. Every page is a pure
//! function of a view model from [`models`]; links and form actions come from [`urls`].

// Deeply nested view types exceed the default limit when erased with `into_any`.
#![recursion_limit = "256"]

use leptos::prelude::*;

pub mod components;
pub mod models;
pub mod pages;
mod shell;
pub mod urls;

/// Renders a view to an HTML string, synchronously, outside any reactive runtime.
pub fn render<V: IntoView + 'static>(f: impl FnOnce() -> V) -> String {
    Owner::new().with(|| f().into_view().to_html())
}
