//! Where an OAuth sign-in started through the API ends: there is no session to return to, so a
//! plain card says whether it worked.

use leptos::prelude::*;

use crate::models::{Chrome, OAuthDoneView};
use crate::shell;

pub fn render_oauth_done(chrome: Chrome, view: OAuthDoneView) -> String {
    shell::document(chrome, move || {
        let OAuthDoneView { ok, title, message } = view;
        let (class, mark, role) =
            if ok { ("result result--ok", "✓", "status") } else { ("result result--err", "!", "alert") };
        view! {
            <section class=class>
                <span class="result-mark" aria-hidden="true">{mark}</span>
                <h1>{title}</h1>
                <p role=role>{message}</p>
            </section>
        }
    })
}
