//! Settings › Members: who is in the workspace, pending invitations, and inviting someone.

use leptos::prelude::*;

use super::shared::{actions_header, once_box, settings_tabs};
use crate::components::{Csrf, DataTable, Field, RoleSelect, Time, role_label};
use crate::models::{Chrome, InvitationRow, MemberRow, MembersView};
use crate::{shell, urls};

pub fn render(chrome: Chrome, view: MembersView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let MembersView {
            members,
            invitations,
            can_manage,
            grantable_roles,
            invite_email,
            invite_role,
            new_invite_link,
            new_invite_email,
        } = view;
        let link_box = new_invite_link.map(|link| {
            let who = new_invite_email.unwrap_or_else(|| "the person you invited".to_owned());
            let message = format!("Invitation created. Send this link to {who}; it works once and expires in 7 days.");
            once_box("invite-link", "Invitation link", message, link)
        });
        let invite_form = can_manage.then(|| {
            let csrf = csrf.clone();
            let roles = grantable_roles.clone();
            view! {
                <section class="panel" aria-labelledby="invite-h">
                    <h2 id="invite-h">"Invite someone"</h2>
                    <form class="inline-form" method="post" action=urls::MEMBERS_INVITE>
                        <Csrf token=csrf />
                        <Field
                            id="invite-email"
                            name="email"
                            label="Email"
                            kind="email"
                            state=invite_email
                            required=true
                        />
                        <div class="field">
                            <label for="invite-role">"Role"</label>
                            <RoleSelect id="invite-role" roles=roles selected=invite_role />
                        </div>
                        <button type="submit" class="btn btn-primary">"Create invitation"</button>
                    </form>
                </section>
            }
        });
        view! {
            <div class="page-head">
                <h1>"Settings"</h1>
            </div>
            {settings_tabs(true)}
            {link_box}
            <section aria-labelledby="members-h">
                <h2 id="members-h">"Members"</h2>
                {members_table(members, can_manage, &grantable_roles, &csrf)}
            </section>
            <section aria-labelledby="invitations-h">
                <h2 id="invitations-h">"Pending invitations"</h2>
                {invitations_table(invitations, can_manage, &csrf)}
            </section>
            {invite_form}
        }
    })
}

fn members_table(rows: Vec<MemberRow>, can_manage: bool, roles: &[String], csrf: &str) -> AnyView {
    let rows = rows
        .into_iter()
        .map(|m| {
            let forms = if m.can_manage { Some(member_actions(&m, roles, csrf)) } else { None };
            let actions = can_manage.then(|| view! { <td class="actions">{forms}</td> });
            let role = role_label(&m.role);
            view! {
                <tr>
                    <td>{m.email} {m.is_you.then_some(" (you)")}</td>
                    <td>{role}</td>
                    <td><Time ts=m.joined /></td>
                    {actions}
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
                    {actions_header(can_manage)}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}

fn member_actions(m: &MemberRow, roles: &[String], csrf: &str) -> AnyView {
    let select_id = format!("role-{}", m.user_id);
    let select_label = format!("Role for {}", m.email);
    let confirm = format!("Remove {} from this workspace?", m.email);
    let (csrf_a, csrf_b) = (csrf.to_owned(), csrf.to_owned());
    view! {
        <form class="row-form" method="post" action=urls::member_role(&m.user_id)>
            <Csrf token=csrf_a />
            <RoleSelect
                id=select_id
                roles=roles.to_vec()
                selected=m.role.clone()
                aria_label=select_label
            />
            <button type="submit" class="btn btn-small">"Change"</button>
        </form>
        <form
            class="row-form"
            method="post"
            action=urls::member_remove(&m.user_id)
            data-confirm=confirm
        >
            <Csrf token=csrf_b />
            <button type="submit" class="btn btn-small btn-danger">"Remove"</button>
        </form>
    }
    .into_any()
}

fn invitations_table(rows: Vec<InvitationRow>, can_manage: bool, csrf: &str) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">"No pending invitations."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|inv| {
            let revoke = can_manage.then(|| {
                let csrf = csrf.to_owned();
                view! {
                    <td class="actions">
                        <form
                            class="row-form"
                            method="post"
                            action=urls::invitation_revoke(&inv.id)
                        >
                            <Csrf token=csrf />
                            <button type="submit" class="btn btn-small btn-danger">"Revoke"</button>
                        </form>
                    </td>
                }
            });
            let role = role_label(&inv.role);
            view! {
                <tr>
                    <td>{inv.email}</td>
                    <td>{role}</td>
                    <td><Time ts=inv.invited /></td>
                    <td><Time ts=inv.expires /></td>
                    {revoke}
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Pending invitations">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Invited"</th>
                    <th scope="col">"Expires"</th>
                    {actions_header(can_manage)}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}
