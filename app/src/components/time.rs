use leptos::prelude::*;

use crate::models::Timestamp;

/// Relative time as text, the absolute time (tenant zone) on hover, the instant for machines.
#[component]
pub fn Time(ts: Timestamp) -> impl IntoView {
    view! {
        <time datetime=ts.iso title=ts.absolute data-relative="">
            {ts.relative}
        </time>
    }
}
