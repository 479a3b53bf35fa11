//! Connect one provider, or reconnect an existing connection: "Sign in with …" (OAuth), a
//! credentials form, or both.

use leptos::prelude::*;

use super::back_link;
use crate::components::{Csrf, Field};
use crate::models::{Chrome, ConnectView, CredentialInput, FieldState};
use crate::{shell, urls};

const LABEL_HINT: &str = "How this connection is shown in lists and recipes, e.g. “HubSpot (sales)”.";

pub fn render_connect(chrome: Chrome, view: ConnectView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let ConnectView {
            provider_id: _,
            provider_name,
            description,
            docs_url,
            label,
            oauth,
            oauth_action,
            scopes,
            inputs,
            credentials_action,
            credentials_title,
            error,
            reconnecting,
            rate_limit,
        } = view;
        let reconnect = reconnecting.is_some();
        let (heading, back) = match &reconnecting {
            Some(existing) => {
                (format!("Reconnect {existing}"), back_link("Connections", urls::CONNECTIONS.to_owned()).into_any())
            }
            None => (
                format!("Connect {provider_name}"),
                back_link("All systems", urls::CONNECTIONS_NEW.to_owned()).into_any(),
            ),
        };
        let reconnect_note = reconnect.then(|| {
            view! {
                <p class="lead">
                    "Reconnecting replaces the stored credentials. Recipes keep using this connection."
                </p>
            }
        });
        let rate_limit = rate_limit.map(|r| view! { <span>"Rate limit: " {r}</span> });
        let docs_name = provider_name.clone();
        let error = error.map(|e| view! { <div class="form-error" role="alert">{e}</div> });

        let both = oauth && !inputs.is_empty();
        let oauth_panel = oauth
            .then(|| oauth_form(csrf.clone(), provider_name.clone(), oauth_action, scopes, label.clone(), reconnect));
        let divider = both.then(|| view! { <p class="or-divider"><span>"or"</span></p> });
        let credentials_panel = (!inputs.is_empty()).then(|| {
            credentials_form(csrf.clone(), credentials_title, credentials_action, inputs, label, reconnect, !both)
        });
        view! {
            <div class="page-head">
                {back}
                <h1>{heading}</h1>
                <p class="lead">{description}</p>
                {reconnect_note}
                <p class="meta connect-meta">
                    {rate_limit}
                    <a href=docs_url rel="noopener noreferrer" target="_blank">
                        {docs_name} " API documentation"
                        <span class="visually-hidden">" (opens in a new tab)"</span>
                    </a>
                </p>
            </div>
            <div class="connect">
                {error}
                {oauth_panel}
                {divider}
                {credentials_panel}
                <p class="connect-note muted">
                    "Credentials are encrypted at rest and never shown again after saving."
                </p>
            </div>
        }
    })
}

/// The connection name: a field when connecting, carried along unchanged when reconnecting
/// (renaming has its own form on the connection's page).
fn label_input(id: &'static str, label: FieldState, reconnect: bool) -> AnyView {
    if reconnect {
        view! { <input type="hidden" name="label" value=label.value /> }.into_any()
    } else {
        view! {
            <Field
                id=id
                name="label"
                label="Connection name"
                state=label
                hint=LABEL_HINT
                autocomplete="off"
            />
        }
        .into_any()
    }
}

fn oauth_form(
    csrf: String,
    provider: String,
    action: String,
    scopes: Vec<String>,
    label: FieldState,
    reconnect: bool,
) -> impl IntoView {
    let title = format!("Sign in with {provider}");
    let button = title.clone();
    let explain = format!(
        "You go to {provider} to approve access, then come back here. Hitch never sees your {provider} password."
    );
    let scopes = (!scopes.is_empty()).then(|| {
        let items = scopes.into_iter().map(|s| view! { <li><code>{s}</code></li> }).collect_view();
        view! {
            <div class="scopes">
                <p id="oauth-scopes-h">"Hitch asks for these permissions:"</p>
                <ul aria-labelledby="oauth-scopes-h">{items}</ul>
            </div>
        }
    });
    view! {
        <section class="panel" aria-labelledby="oauth-h">
            <h2 id="oauth-h">{title}</h2>
            <p class="muted">{explain}</p>
            {scopes}
            <form class="stack" method="post" action=action>
                <Csrf token=csrf />
                {label_input("oauth-label", label, reconnect)}
                <button type="submit" class="btn btn-primary">{button}</button>
            </form>
        </section>
    }
}

fn credentials_form(
    csrf: String,
    title: String,
    action: String,
    inputs: Vec<CredentialInput>,
    label: FieldState,
    reconnect: bool,
    primary: bool,
) -> impl IntoView {
    let button_class = if primary { "btn btn-primary" } else { "btn" };
    let button = if reconnect { "Reconnect" } else { "Connect" };
    let fields = inputs.into_iter().map(credential_field).collect_view();
    view! {
        <section class="panel" aria-labelledby="credentials-h">
            <h2 id="credentials-h">{title}</h2>
            <form class="stack" method="post" action=action>
                <Csrf token=csrf />
                {label_input("cred-label", label, reconnect)}
                {fields}
                <button type="submit" class=button_class>{button}</button>
            </form>
        </section>
    }
}

/// One credential input. Like [`Field`], with a name from the provider's definition; secrets are
/// password inputs that are never pre-filled, whatever the state holds.
fn credential_field(input: CredentialInput) -> impl IntoView {
    let CredentialInput { name, label, placeholder, secret, optional, state } = input;
    let id = format!("cred-{name}");
    let error_id = format!("{id}-error");
    let label = if optional { format!("{label} (optional)") } else { label };
    let kind = if secret { "password" } else { "text" };
    let value = (!secret).then_some(state.value);
    let placeholder = (!placeholder.is_empty()).then_some(placeholder);
    let invalid = state.error.is_some().then_some("true");
    let described = state.error.is_some().then(|| error_id.clone());
    let class = if state.error.is_some() { "field field--error" } else { "field" };
    view! {
        <div class=class>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                autocapitalize="off"
                required=!optional
                aria-invalid=invalid
                aria-describedby=described
            />
            {state.error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}
