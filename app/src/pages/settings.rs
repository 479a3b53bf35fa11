//! Settings › General: workspace name and time zone, API tokens, and the audit log.

use leptos::prelude::*;

use super::shared::{actions_header, audit_table, once_box, settings_tabs};
use crate::components::{Csrf, DataTable, EmptyState, Field, RoleSelect, Time, role_label};
use crate::models::{ApiTokenRow, Chrome, FieldState, SettingsView};
use crate::{shell, urls};

pub fn render(chrome: Chrome, view: SettingsView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let SettingsView {
            tenant_name,
            time_zone,
            time_zone_choices,
            can_edit,
            tokens,
            token_name,
            grantable_roles,
            new_token,
            audit,
        } = view;
        let token_box = new_token.map(|token| {
            let message = "Copy this token now. It is shown once and cannot be shown again.".to_owned();
            once_box("new-token", "New API token", message, token).into_any()
        });
        let create_form = if can_edit { Some(token_form(&csrf, token_name, grantable_roles)) } else { None };
        view! {
            <div class="page-head">
                <h1>"Settings"</h1>
            </div>
            {settings_tabs(false)}
            <section class="panel" aria-labelledby="workspace-h">
                <h2 id="workspace-h">"Workspace"</h2>
                {workspace_form(&csrf, can_edit, tenant_name, time_zone, time_zone_choices)}
            </section>
            {admin_sections(can_edit, token_box, tokens, create_form, audit, &csrf)}
        }
    })
}

/// API tokens and the audit log are for admins; others get a note instead of empty tables
/// that would wrongly suggest there is nothing there.
fn admin_sections(
    can_edit: bool,
    token_box: Option<AnyView>,
    tokens: Vec<ApiTokenRow>,
    create_form: Option<AnyView>,
    audit: Vec<crate::models::AuditRow>,
    csrf: &str,
) -> AnyView {
    if !can_edit {
        return view! {
            <section aria-labelledby="tokens-h">
                <h2 id="tokens-h">"API tokens and audit log"</h2>
                <p class="section-lead">
                    "Only admins and owners of this workspace can see its API tokens and audit log."
                </p>
            </section>
        }
        .into_any();
    }
    view! {
        <section aria-labelledby="tokens-h">
            <h2 id="tokens-h">"API tokens"</h2>
            <p class="section-lead">
                "Tokens let scripts and other systems call the Hitch API as this workspace."
            </p>
            {token_box}
            {tokens_table(tokens, can_edit, csrf)}
            {create_form}
        </section>
        <section aria-labelledby="audit-h">
            <h2 id="audit-h">"Audit log"</h2>
            {audit_table(audit)}
        </section>
    }
    .into_any()
}

fn workspace_form(csrf: &str, can_edit: bool, name: FieldState, zone: FieldState, choices: Vec<String>) -> AnyView {
    let csrf = csrf.to_owned();
    let readonly = !can_edit;
    let choices = choices.into_iter().map(|z| view! { <option value=z></option> }).collect_view();
    let footer = if can_edit {
        view! { <button type="submit" class="btn btn-primary">"Save changes"</button> }.into_any()
    } else {
        view! { <p class="muted">"Only admins and owners can change workspace settings."</p> }.into_any()
    };
    view! {
        <form class="stack narrow" method="post" action=urls::SETTINGS>
            <Csrf token=csrf />
            <Field
                id="ws-name"
                name="name"
                label="Workspace name"
                state=name
                readonly=readonly
                required=true
            />
            <Field
                id="ws-zone"
                name="time_zone"
                label="Time zone"
                state=zone
                readonly=readonly
                required=true
                list="tz-choices"
                hint="An IANA zone such as Europe/Berlin. Schedules and times use this zone."
            />
            <datalist id="tz-choices">{choices}</datalist>
            {footer}
        </form>
    }
    .into_any()
}

fn tokens_table(rows: Vec<ApiTokenRow>, can_edit: bool, csrf: &str) -> AnyView {
    if rows.is_empty() {
        return view! {
            <EmptyState
                title="No API tokens"
                body="Create a token to call the Hitch API from scripts, CI or another system."
            />
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|t| {
            let revoke = can_edit.then(|| {
                let csrf = csrf.to_owned();
                let confirm = format!("Revoke the token {}? Anything using it stops working.", t.name);
                view! {
                    <td class="actions">
                        <form
                            class="row-form"
                            method="post"
                            action=urls::token_revoke(&t.id)
                            data-confirm=confirm
                        >
                            <Csrf token=csrf />
                            <button type="submit" class="btn btn-small btn-danger">"Revoke"</button>
                        </form>
                    </td>
                }
            });
            let role = role_label(&t.role);
            let last_used = match t.last_used {
                Some(ts) => view! { <Time ts=ts /> }.into_any(),
                None => view! { <span class="muted">"never"</span> }.into_any(),
            };
            view! {
                <tr>
                    <td>{t.name}</td>
                    <td>{role}</td>
                    <td class="mono">{t.hint}</td>
                    <td><Time ts=t.created /></td>
                    <td>{last_used}</td>
                    {revoke}
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="API tokens">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    {actions_header(can_edit)}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}

fn token_form(csrf: &str, name: FieldState, roles: Vec<String>) -> AnyView {
    let csrf = csrf.to_owned();
    // Least privilege by default: roles come highest first.
    let selected = roles.last().cloned().unwrap_or_default();
    view! {
        <form class="inline-form" method="post" action=urls::SETTINGS_TOKENS>
            <Csrf token=csrf />
            <Field
                id="token-name"
                name="name"
                label="Token name"
                state=name
                required=true
                hint="What will use it, e.g. “Nightly export”."
            />
            <div class="field">
                <label for="token-role">"Role"</label>
                <RoleSelect id="token-role" roles=roles selected=selected />
            </div>
            <button type="submit" class="btn btn-primary">"Create token"</button>
        </form>
    }
    .into_any()
}
