//! Accepting an invitation: join a workspace with a new or an existing account.

use leptos::prelude::*;

use crate::components::{Csrf, Field, role_label};
use crate::models::{Chrome, InvitationView};
use crate::shell;

pub fn render(chrome: Chrome, view: InvitationView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let InvitationView { tenant_name, email, role, existing_account, password, error } = view;
        let heading = format!("Join {tenant_name} on Hitch as {}", role_label(&role).to_lowercase());
        let (label, autocomplete) = if existing_account {
            ("Your current password", "current-password")
        } else {
            ("Choose a password (at least 10 characters)", "new-password")
        };
        view! {
            <h1>{heading}</h1>
            {error.map(|e| view! { <div class="form-error" role="alert">{e}</div> })}
            // An empty action posts back to this invitation's own URL.
            <form class="stack" method="post" action="">
                <Csrf token=csrf />
                <div class="field">
                    <label for="invite-accept-email">"Email"</label>
                    <input
                        id="invite-accept-email"
                        type="email"
                        value=email
                        readonly
                        autocomplete="username"
                    />
                </div>
                <Field
                    id="invite-accept-password"
                    name="password"
                    label=label
                    kind="password"
                    state=password
                    autocomplete=autocomplete
                    required=true
                />
                <button type="submit" class="btn btn-primary btn-block">"Accept invitation"</button>
            </form>
        }
    })
}
