//! Error page: the status, what happened and the way forward.

use leptos::prelude::*;

use crate::models::{Chrome, ErrorView};
use crate::shell;

pub fn render(chrome: Chrome, view: ErrorView) -> String {
    shell::document(chrome, move || {
        let ErrorView { status, title, message, action } = view;
        view! {
            <section class="error-page">
                <p class="error-code">{status}</p>
                <h1>{title}</h1>
                <p class="lead">{message}</p>
                {action
                    .map(|(label, href)| {
                        view! { <a class="btn btn-primary" href=href>{label}</a> }
                    })}
            </section>
        }
    })
}
