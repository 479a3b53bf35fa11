use leptos::prelude::*;

/// What an empty list means and what to do next.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] body: String,
    /// (label, href) of the next step.
    #[prop(optional_no_strip)]
    action: Option<(String, String)>,
) -> impl IntoView {
    view! {
        <div class="empty">
            <h3 class="empty-title">{title}</h3>
            <p class="empty-body">{body}</p>
            {action.map(|(label, href)| view! { <a class="btn btn-primary" href=href>{label}</a> })}
        </div>
    }
}
