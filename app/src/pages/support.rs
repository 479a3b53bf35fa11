//! Support staff's read-only view across tenants. Every tenant opened is audited by the server.

use leptos::prelude::*;

use super::shared::{audit_table, members_table};
use crate::components::{DataTable, EmptyState, Time};
use crate::models::{Chrome, SupportTenantRow, SupportTenantView};
use crate::{shell, urls};

pub fn render_tenants(chrome: Chrome, rows: Vec<SupportTenantRow>) -> String {
    shell::document(chrome, move || {
        let table = if rows.is_empty() {
            view! {
                <EmptyState
                    title="No tenants yet"
                    body="Workspaces appear here as soon as someone signs up."
                />
            }
            .into_any()
        } else {
            let rows = rows
                .into_iter()
                .map(|t| {
                    let href = urls::support_tenant(&t.slug);
                    let members = super::overview::group_digits(t.members);
                    view! {
                        <tr>
                            <td><a href=href>{t.name}</a></td>
                            <td class="mono">{t.slug}</td>
                            <td class="num">{members}</td>
                            <td><Time ts=t.created /></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <DataTable label="Tenants">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Slug"</th>
                            <th scope="col" class="num">"Members"</th>
                            <th scope="col">"Created"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </DataTable>
            }
            .into_any()
        };
        view! {
            <div class="page-head">
                <h1>"Support"</h1>
                <p class="notice">
                    "Read-only. Every tenant you open is recorded in that tenant's audit log."
                </p>
            </div>
            {table}
        }
    })
}

pub fn render_tenant(chrome: Chrome, view: SupportTenantView) -> String {
    shell::document(chrome, move || {
        let SupportTenantView { name, slug, time_zone, members, audit } = view;
        view! {
            <div class="page-head">
                <a class="back-link" href=urls::SUPPORT>"← All tenants"</a>
                <h1>{name}</h1>
                <p class="meta">
                    <span class="mono">{slug}</span>
                    " · Times in "
                    {time_zone}
                </p>
                <p class="notice">
                    "Read-only. This visit is recorded in this tenant's audit log."
                </p>
            </div>
            <section aria-labelledby="support-members-h">
                <h2 id="support-members-h">"Members"</h2>
                {members_table(members)}
            </section>
            <section aria-labelledby="support-audit-h">
                <h2 id="support-audit-h">"Audit log"</h2>
                {audit_table(audit)}
            </section>
        }
    })
}
