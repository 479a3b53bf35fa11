//! Connections: every connected account of the workspace with its health.

use leptos::prelude::*;

use super::time_or;
use crate::components::{DataTable, EmptyState, StatusBadge};
use crate::models::{Chrome, ConnectionRow, ConnectionsView, Status};
use crate::{shell, urls};

const EXPLAIN: &str = "A connection is a signed-in account in a system your business uses, such \
as your CRM, payment provider or accounting tool. Recipes read and write records through it.";

pub fn render(chrome: Chrome, view: ConnectionsView) -> String {
    shell::document(chrome, move || {
        let ConnectionsView { rows, can_manage } = view;
        // The empty state carries its own "Add connection" button; one is enough.
        let add = (can_manage && !rows.is_empty()).then(|| {
            view! {
                <div class="page-actions">
                    <a class="btn btn-primary" href=urls::CONNECTIONS_NEW>"Add connection"</a>
                </div>
            }
        });
        let body = if rows.is_empty() { empty(can_manage) } else { table(rows) };
        view! {
            <div class="page-head page-head--split">
                <div>
                    <h1>"Connections"</h1>
                    <p class="lead">
                        "Accounts in the systems your business uses. Hitch keeps their credentials encrypted and checks that they still work."
                    </p>
                </div>
                {add}
            </div>
            {body}
        }
    })
}

fn empty(can_manage: bool) -> AnyView {
    if can_manage {
        let action = Some(("Add connection".to_owned(), urls::CONNECTIONS_NEW.to_owned()));
        view! { <EmptyState title="No connections yet" body=EXPLAIN action=action /> }.into_any()
    } else {
        let body = format!("{EXPLAIN} An admin of this workspace adds connections.");
        view! { <EmptyState title="No connections yet" body=body /> }.into_any()
    }
}

fn table(rows: Vec<ConnectionRow>) -> AnyView {
    let rows = rows
        .into_iter()
        .map(|c| {
            let href = urls::connection(&c.id);
            let reason = (c.status != Status::Healthy && !c.status_reason.is_empty())
                .then(|| view! { <span class="cell-sub">{c.status_reason}</span> });
            let account = if c.account.is_empty() {
                view! { <span class="muted">"—"</span> }.into_any()
            } else {
                view! { <span>{c.account}</span> }.into_any()
            };
            view! {
                <tr>
                    <td>
                        <a class="cell-main" href=href>{c.label}</a>
                        <span class="cell-sub">{c.provider_name}</span>
                    </td>
                    <td class="cell-status">
                        <StatusBadge status=c.status />
                        {reason}
                    </td>
                    <td>{account}</td>
                    <td class="nowrap">{time_or(c.last_checked, "never")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Connections">
            <thead>
                <tr>
                    <th scope="col">"Connection"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Account"</th>
                    <th scope="col">"Last checked"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}
