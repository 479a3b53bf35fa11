//! A recipe's webhook endpoints: the URLs to give providers, a form to add one (its secret
//! shown once, on the page that answers the form), revoke, and the latest events received.

use leptos::prelude::*;

use super::super::runs::time_or;
use super::super::shared::once_box;
use crate::components::{Csrf, DataTable, Field, Time};
use crate::models::{NewWebhookView, WebhookEventRow, WebhookFormView, WebhookRow, WebhooksView};

pub(super) fn webhooks_section(view: WebhooksView, csrf: String) -> impl IntoView {
    let WebhooksView { endpoints, events, can_edit, create_action, revoke_action, form, created } = view;
    let list = if endpoints.is_empty() {
        let body = if can_edit {
            "Add an endpoint below, then paste its URL and secret into the provider's webhook settings. Each signed event the provider sends runs this recipe."
        } else {
            "An editor can add an endpoint: a URL the provider calls to run this recipe when something changes."
        };
        view! { <p class="muted">"No webhook endpoints yet. " {body}</p> }.into_any()
    } else {
        endpoints_table(endpoints, can_edit.then(|| (revoke_action, csrf.clone()))).into_any()
    };
    view! {
        <section id="webhooks" aria-labelledby="webhooks-h">
            <h2 id="webhooks-h">"Webhooks"</h2>
            {created.map(created_box)}
            {list}
            {can_edit.then(|| create_form(create_action, form, csrf))}
            {events_table(events)}
        </section>
    }
}

fn created_box(created: NewWebhookView) -> impl IntoView {
    let NewWebhookView { url, secret } = created;
    let message = if secret.is_none() {
        "Endpoint created. Paste this URL into the provider's webhook settings; deliveries are checked with the secret you gave."
    } else {
        "Endpoint created. Paste this URL into the provider's webhook settings, with the signing secret below."
    };
    let url_box = once_box("new-webhook-url", "Endpoint URL", message.to_owned(), url);
    let secret_box = secret.map(|secret| {
        let message = "Signing secret: copy it now. It is shown once and cannot be shown again.".to_owned();
        once_box("new-webhook-secret", "Signing secret", message, secret)
    });
    view! { {url_box} {secret_box} }
}

fn endpoints_table(rows: Vec<WebhookRow>, revoke: Option<(String, String)>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let WebhookRow { id, url, scheme, created, revoked } = row;
            let active = revoked.is_none();
            let status = if active {
                view! { <span class="tag tag--on">"Active"</span> }.into_any()
            } else {
                view! { <span class="tag tag--off">"Revoked"</span> }.into_any()
            };
            let action = revoke.clone().filter(|_| active).map(|(action, csrf)| {
                view! {
                    <form
                        class="row-form"
                        method="post"
                        action=action
                        data-confirm="Revoke this endpoint? The provider's deliveries to its URL will be refused from now on."
                    >
                        <Csrf token=csrf />
                        <input type="hidden" name="endpoint" value=id />
                        <button type="submit" class="btn btn-small btn-danger">"Revoke"</button>
                    </form>
                }
            });
            // Status and revoke sit under the URL, so a narrow screen shows them without scrolling.
            view! {
                <tr>
                    <td class="error-cell">
                        <code class="error-message">{url}</code>
                        <div class="button-row webhook-status">{status} {action}</div>
                    </td>
                    <td>{scheme}</td>
                    <td class="nowrap">
                        <Time ts=created />
                    </td>
                    <td class="nowrap">{time_or(revoked, "—")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Webhook endpoints">
            <thead>
                <tr>
                    <th scope="col">"URL to give the provider"</th>
                    <th scope="col">"Signature"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Revoked"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
}

fn create_form(action: String, form: WebhookFormView, csrf: String) -> impl IntoView {
    let WebhookFormView { scheme, schemes, event_id_pointer, secret_error } = form;
    let options = schemes
        .into_iter()
        .map(|(value, label)| {
            let selected = value == scheme.value;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    let scheme_invalid = scheme.error.is_some().then_some("true");
    let scheme_error = scheme.error.map(|e| view! { <p class="field-error" id="webhook-scheme-error">{e}</p> });
    let scheme_class = if scheme_invalid.is_some() { "field field--error" } else { "field" };
    let secret = crate::models::FieldState { value: String::new(), error: secret_error };
    // The fragment brings the answer (the new secret, or what to fix) into view.
    let action = format!("{action}#webhooks");
    view! {
        <form class="panel stack webhook-form" method="post" action=action>
            <Csrf token=csrf />
            <h3>"Add an endpoint"</h3>
            <div class="form-grid">
                <div class=scheme_class>
                    <label for="webhook-scheme">"Signature scheme"</label>
                    <select id="webhook-scheme" name="scheme" aria-invalid=scheme_invalid>
                        {options}
                    </select>
                    <p class="field-hint">"How the provider signs its deliveries (generic: an X-Hitch-Signature HMAC header); Hitch refuses unsigned ones."</p>
                    {scheme_error}
                </div>
                <Field
                    id="webhook-pointer"
                    name="event_id_pointer"
                    label="Event id location (generic only, optional)"
                    state=event_id_pointer
                    hint="A JSON pointer to the event's id in the body, e.g. /id. Repeated ids are dropped."
                />
                <Field
                    id="webhook-secret"
                    name="secret"
                    label="Your own signing secret (optional)"
                    state=secret
                    kind="password"
                    autocomplete="off"
                    hint="HubSpot signs with your app's client secret: paste it here. Leave empty to have one generated."
                />
            </div>
            <button type="submit" class="btn btn-primary">"Create endpoint"</button>
        </form>
    }
}

fn events_table(rows: Vec<WebhookEventRow>) -> Option<impl IntoView> {
    (!rows.is_empty()).then(|| {
        let rows = rows
            .into_iter()
            .map(|row| {
                let WebhookEventRow { received, kind, event_id, run_href } = row;
                let kind = if kind.is_empty() { "(no type)".to_owned() } else { kind };
                let run = match run_href {
                    Some(href) => view! { <a href=href>"Open run"</a> }.into_any(),
                    None => view! { <span class="muted">"No run"</span> }.into_any(),
                };
                view! {
                    <tr>
                        <td class="nowrap">
                            <Time ts=received />
                        </td>
                        <td>{kind}</td>
                        <td>
                            <code>{event_id}</code>
                        </td>
                        <td>{run}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h3 class="webhook-events-h">"Latest events received"</h3>
            <DataTable label="Latest webhook events">
                <thead>
                    <tr>
                        <th scope="col">"Received"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Event id"</th>
                        <th scope="col">"Run"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </DataTable>
        }
    })
}
