//! Pieces more than one page uses: the settings tabs, the one-time secret box, audit and
//! member tables.

use leptos::prelude::*;

use crate::components::{DataTable, EmptyState, Time, role_label};
use crate::models::{AuditRow, MemberRow};
use crate::urls;

/// "General | Members" under the settings heading.
pub(crate) fn settings_tabs(members_active: bool) -> impl IntoView {
    let general = (!members_active).then_some("page");
    let members = members_active.then_some("page");
    view! {
        <nav class="tabs" aria-label="Settings">
            <a href=urls::SETTINGS aria-current=general>"General"</a>
            <a href=urls::MEMBERS aria-current=members>"Members"</a>
        </nav>
    }
}

/// A value shown once (a token, an invitation link) in a read-only input the user can select.
/// The copy button stays hidden until the script enables it, so nothing is dead without JS.
pub(crate) fn once_box(id: &'static str, label: &'static str, message: String, value: String) -> impl IntoView {
    let target = format!("#{id}");
    view! {
        <div class="callout callout--success" role="status">
            <p>{message}</p>
            <div class="copy-row">
                <label class="visually-hidden" for=id>{label}</label>
                <input id=id class="mono" type="text" readonly value=value />
                <button type="button" class="btn btn-small" data-copy=target hidden>"Copy"</button>
            </div>
        </div>
    }
}

/// The header cell over a column of row actions, when there is one.
pub(crate) fn actions_header(show: bool) -> Option<impl IntoView> {
    show.then(|| {
        view! {
            <th scope="col">
                <span class="visually-hidden">"Actions"</span>
            </th>
        }
    })
}

/// Members as a read-only table: email, role, joined.
pub(crate) fn members_table(rows: Vec<MemberRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|m| {
            let role = role_label(&m.role);
            view! {
                <tr>
                    <td>{m.email} {m.is_you.then_some(" (you)")}</td>
                    <td>{role}</td>
                    <td><Time ts=m.joined /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Members">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Joined"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
}

/// The audit log, newest first as given, or an empty state.
pub(crate) fn audit_table(rows: Vec<AuditRow>) -> AnyView {
    if rows.is_empty() {
        return view! {
            <EmptyState
                title="No activity yet"
                body="Sign-ins and changes to members, tokens and settings will be listed here."
            />
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td class="nowrap"><Time ts=r.at /></td>
                    <td>{r.actor}</td>
                    <td><code>{r.action}</code></td>
                    <td class="nowrap">{r.target}</td>
                    <td>{r.detail}</td>
                    <td class="mono">{r.ip}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Audit log">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Target"</th>
                    <th scope="col">"Detail"</th>
                    <th scope="col">"IP address"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}
