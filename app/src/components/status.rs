use leptos::prelude::*;

use crate::models::Status;

/// A coloured dot plus the status word, so status never rests on colour alone.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let class = format!("status status--{}", status.slug());
    view! {
        <span class=class>
            <span class="status-dot" aria-hidden="true"></span>
            {status.label()}
        </span>
    }
}
