//! Confirm deleting a connection: what happens to its credentials and what stops working.

use leptos::prelude::*;

use super::back_link;
use crate::components::Csrf;
use crate::models::{Chrome, DeleteConnectionView};
use crate::shell;

pub fn render_delete(chrome: Chrome, view: DeleteConnectionView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let DeleteConnectionView { id: _, label, provider_name, dependents, delete_action, cancel_href } = view;
        let heading = format!("Delete {label}?");
        let explain = format!(
            "Hitch destroys the {provider_name} credentials stored for this connection. They can't be recovered; to use this account again, connect it anew."
        );
        let uses = if dependents.is_empty() {
            view! { <p class="muted">"Nothing uses this connection yet."</p> }.into_any()
        } else {
            let items = dependents.into_iter().map(|d| view! { <li>{d}</li> }).collect_view();
            view! {
                <p>"These stop working when the connection is deleted:"</p>
                <ul class="dependents">{items}</ul>
            }
            .into_any()
        };
        view! {
            <div class="page-head">
                {back_link("Back to the connection", cancel_href.clone())}
                <h1>{heading}</h1>
                <p class="lead">{explain}</p>
            </div>
            <section class="panel danger-panel" aria-labelledby="uses-h">
                <h2 id="uses-h">"What uses it"</h2>
                {uses}
                <form class="button-row" method="post" action=delete_action>
                    <Csrf token=csrf />
                    <button type="submit" class="btn btn-danger btn-danger-solid">
                        "Delete connection"
                    </button>
                    <a class="btn" href=cancel_href>"Cancel"</a>
                </form>
            </section>
        }
    })
}
