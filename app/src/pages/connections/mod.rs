//! Connections: the list, the catalog of systems to connect, connecting one (OAuth sign-in or
//! credentials), a connection's page, deleting one, and the page an API-started OAuth sign-in
//! ends on.

use leptos::prelude::*;

use crate::components::Time;
use crate::models::{Status, Timestamp};

mod catalog;
mod connect;
mod delete;
mod detail;
mod list;
mod oauth_done;

pub use catalog::render_catalog;
pub use connect::render_connect;
pub use delete::render_delete;
pub use detail::render_connection;
pub use list::render;
pub use oauth_done::render_oauth_done;

/// "← Connections" above a heading.
fn back_link(label: &'static str, href: String) -> impl IntoView {
    let text = format!("← {label}");
    view! { <a class="back-link" href=href>{text}</a> }
}

/// A time, or a muted word when there is none.
fn time_or(ts: Option<Timestamp>, none: &'static str) -> AnyView {
    match ts {
        Some(ts) => view! { <Time ts=ts /> }.into_any(),
        None => view! { <span class="muted">{none}</span> }.into_any(),
    }
}

/// The callout modifier for a status reason: red for what needs a person, amber for partial.
fn reason_class(status: Status) -> &'static str {
    match status {
        Status::NeedsReconnect | Status::Failing => "callout callout--error",
        Status::SucceededWithErrors => "callout callout--warn",
        _ => "callout callout--info",
    }
}
