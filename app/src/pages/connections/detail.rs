//! One connection: its health and why, what account it is, its recent events, and (for admins)
//! test, rename, limit runs at once, disable, reconnect and delete.

use leptos::prelude::*;

use super::{back_link, reason_class, time_or};
use crate::components::{Csrf, DataTable, EmptyState, Field, StatusBadge, Time};
use crate::models::{Chrome, ConnectionEventRow, ConnectionView, FieldState, Status};
use crate::{shell, urls};

pub fn render_connection(chrome: Chrome, view: ConnectionView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let ConnectionView {
            id: _,
            label,
            provider_id: _,
            provider_name,
            status,
            status_reason,
            auth_label,
            identity,
            account_name,
            secret_hint,
            access_expires,
            last_checked,
            last_check,
            last_check_ok,
            created,
            runs_at_once,
            runs_limit,
            request_budget,
            events,
            can_manage,
            disabled,
            test_action,
            rename_action,
            limit_action,
            toggle_action,
            reconnect_href,
            delete_href,
        } = view;
        let name = label.value.clone();
        let callout = status_callout(status, status_reason, can_manage, &reconnect_href);
        let disabled_note = disabled.then(|| {
            view! {
                <p class="notice">
                    "This connection is disabled: Hitch doesn't use it until it is enabled again."
                </p>
            }
        });
        let test = can_manage.then(|| {
            let csrf = csrf.clone();
            view! {
                <div class="page-actions">
                    <form class="row-form" method="post" action=test_action>
                        <Csrf token=csrf />
                        <button type="submit" class="btn">"Test connection"</button>
                    </form>
                </div>
            }
        });
        let details = details(DetailRows {
            provider_name: provider_name.clone(),
            auth_label,
            identity,
            account_name,
            secret_hint,
            access_expires,
            last_checked,
            last_check,
            last_check_ok,
            created,
            runs_at_once,
            request_budget,
        });
        let manage = can_manage.then(|| {
            manage_panel(Manage {
                csrf: csrf.clone(),
                name: name.clone(),
                label,
                runs_limit,
                disabled,
                rename_action,
                limit_action,
                toggle_action,
                reconnect_href,
                delete_href,
            })
        });
        view! {
            <div class="page-head page-head--split">
                <div>
                    {back_link("Connections", urls::CONNECTIONS.to_owned())}
                    <h1>{name}</h1>
                    <p class="meta connection-meta">
                        <span>{provider_name}</span>
                        <StatusBadge status=status />
                    </p>
                </div>
                {test}
            </div>
            {callout}
            {disabled_note}
            <section aria-labelledby="details-h">
                <h2 id="details-h">"Details"</h2>
                {details}
            </section>
            {manage}
            <section aria-labelledby="events-h">
                <h2 id="events-h">"Events"</h2>
                {events_table(events)}
            </section>
        }
    })
}

/// Why the connection is in its state, in the provider's words, and the way out.
fn status_callout(status: Status, reason: String, can_manage: bool, reconnect_href: &str) -> Option<AnyView> {
    let needs_reconnect = status == Status::NeedsReconnect;
    if reason.is_empty() && !needs_reconnect {
        return None;
    }
    let role = matches!(status, Status::NeedsReconnect | Status::Failing).then_some("alert");
    let next = if !needs_reconnect {
        None
    } else if can_manage {
        let href = reconnect_href.to_owned();
        Some(
            view! {
                <p class="callout-action">
                    <a class="btn btn-primary" href=href>"Reconnect"</a>
                    <span class="muted">
                        "Sign in again or enter new credentials. Recipes resume once it works."
                    </span>
                </p>
            }
            .into_any(),
        )
    } else {
        Some(
            view! {
                <p class="callout-action muted">
                    "Ask an admin of this workspace to reconnect it."
                </p>
            }
            .into_any(),
        )
    };
    let reason = (!reason.is_empty()).then(|| view! { <p class="callout-reason">{reason}</p> });
    Some(
        view! {
            <div class=reason_class(status) role=role>
                <p class="callout-title"><StatusBadge status=status /></p>
                {reason}
                {next}
            </div>
        }
        .into_any(),
    )
}

struct DetailRows {
    provider_name: String,
    auth_label: String,
    identity: Option<(String, String)>,
    account_name: String,
    secret_hint: String,
    access_expires: Option<crate::models::Timestamp>,
    last_checked: Option<crate::models::Timestamp>,
    last_check: Option<String>,
    last_check_ok: bool,
    created: crate::models::Timestamp,
    runs_at_once: String,
    request_budget: Option<String>,
}

fn dash() -> AnyView {
    view! { <span class="muted">"—"</span> }.into_any()
}

fn details(d: DetailRows) -> impl IntoView {
    // The name adds nothing when it is the id again (HubSpot has no account name to show).
    let same_as_id = d.identity.as_ref().is_some_and(|(_, id)| *id == d.account_name);
    let account = match d.identity {
        Some((what, value)) => view! {
            <span class="muted">{what} ": "</span>
            <span class="mono">{value}</span>
        }
        .into_any(),
        None => dash(),
    };
    let account_name = (!d.account_name.is_empty() && !same_as_id).then(|| {
        view! {
            <div>
                <dt>"Account name"</dt>
                <dd>{d.account_name}</dd>
            </div>
        }
    });
    let secret =
        if d.secret_hint.is_empty() { dash() } else { view! { <span class="mono">{d.secret_hint}</span> }.into_any() };
    // Only OAuth grants expire; API keys and connection URLs have nothing to show here.
    let expires = d.access_expires.map(|ts| {
        view! {
            <div>
                <dt>"Access token expires"</dt>
                <dd>{time_or(Some(ts), "—")}</dd>
            </div>
        }
    });
    let check = match (d.last_checked, d.last_check) {
        (None, None) => view! { <span class="muted">"Never checked"</span> }.into_any(),
        (when, text) => {
            let (class, word) = if d.last_check_ok {
                ("check-result check-result--ok", "OK")
            } else {
                ("check-result check-result--err", "Failed")
            };
            let text = text.unwrap_or_else(|| word.to_owned());
            view! {
                {when.map(|ts| view! { <Time ts=ts /> " · " })}
                <span class=class>{text}</span>
            }
            .into_any()
        }
    };
    let budget = d.request_budget.map(|text| {
        view! {
            <div>
                <dt>"Request budget"</dt>
                <dd>{text}</dd>
            </div>
        }
    });
    view! {
        <dl class="details">
            <div>
                <dt>"Provider"</dt>
                <dd>{d.provider_name}</dd>
            </div>
            <div>
                <dt>"Sign-in method"</dt>
                <dd>{d.auth_label}</dd>
            </div>
            <div>
                <dt>"Account"</dt>
                <dd>{account}</dd>
            </div>
            {account_name}
            <div>
                <dt>"Secret"</dt>
                <dd>{secret}</dd>
            </div>
            {expires}
            <div>
                <dt>"Last check"</dt>
                <dd>{check}</dd>
            </div>
            <div>
                <dt>"Connected"</dt>
                <dd><Time ts=d.created /></dd>
            </div>
            <div>
                <dt>"Runs at once"</dt>
                <dd>{d.runs_at_once}</dd>
            </div>
            {budget}
        </dl>
    }
}

struct Manage {
    csrf: String,
    name: String,
    label: FieldState,
    runs_limit: String,
    disabled: bool,
    rename_action: String,
    limit_action: String,
    toggle_action: String,
    reconnect_href: String,
    delete_href: String,
}

fn manage_panel(m: Manage) -> impl IntoView {
    let (csrf_limit, csrf_toggle) = (m.csrf.clone(), m.csrf.clone());
    let (toggle_text, toggle_confirm) = if m.disabled {
        ("Enable", None)
    } else {
        ("Disable", Some(format!("Disable {}? Recipes that use it stop until you enable it again.", m.name)))
    };
    view! {
        <section class="panel" aria-labelledby="manage-h">
            <h2 id="manage-h">"Manage"</h2>
            <form class="inline-form rename-form" method="post" action=m.rename_action>
                <Csrf token=m.csrf />
                <Field
                    id="rename-label"
                    name="label"
                    label="Connection name"
                    state=m.label
                    required=true
                    autocomplete="off"
                />
                <button type="submit" class="btn">"Rename"</button>
            </form>
            <form class="inline-form limit-form" method="post" action=m.limit_action>
                <Csrf token=csrf_limit />
                <Field
                    id="runs-limit"
                    name="max_concurrent_runs"
                    label="Runs at once"
                    kind="number"
                    state=FieldState { value: m.runs_limit, error: None }
                    hint="How many runs may use this connection at the same time, 1 to 64. Others wait their turn."
                    required=true
                />
                <button type="submit" class="btn">"Save limit"</button>
            </form>
            <div class="button-row">
                <a class="btn" href=m.reconnect_href>"Reconnect"</a>
                <form
                    class="row-form"
                    method="post"
                    action=m.toggle_action
                    data-confirm=toggle_confirm
                >
                    <Csrf token=csrf_toggle />
                    <button type="submit" class="btn">{toggle_text}</button>
                </form>
                <a class="btn btn-danger" href=m.delete_href>"Delete…"</a>
            </div>
        </section>
    }
}

fn events_table(rows: Vec<ConnectionEventRow>) -> AnyView {
    if rows.is_empty() {
        return view! {
            <EmptyState
                title="No events yet"
                body="Connecting, token refreshes, checks and failures of this connection are listed here."
            />
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td class="nowrap"><Time ts=e.at /></td>
                    <td><code>{e.kind}</code></td>
                    <td>{e.detail}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Events">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Detail"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}
