use leptos::prelude::*;

/// A scrollable table region with a sticky header. `label` names the region for screen readers
/// and becomes the table's caption.
#[component]
pub fn DataTable(#[prop(into)] label: String, children: Children) -> impl IntoView {
    let caption = label.clone();
    view! {
        <div class="table-wrap" role="region" aria-label=label tabindex="0">
            <table class="data">
                <caption class="visually-hidden">{caption}</caption>
                {children()}
            </table>
        </div>
    }
}
