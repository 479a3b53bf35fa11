//! Sample view models for the page tests.

use crate::models::*;

pub(super) fn ts(rel: &str) -> Timestamp {
    Timestamp {
        relative: rel.to_owned(),
        absolute: "2026-11-27 20:14:05 CET".to_owned(),
        iso: "2026-11-27T19:14:05Z".to_owned(),
    }
}

pub(super) fn tenant(slug: &str, name: &str, current: bool) -> TenantChoice {
    TenantChoice { slug: slug.to_owned(), name: name.to_owned(), current }
}

pub(super) fn user(tenants: Vec<TenantChoice>) -> ChromeUser {
    ChromeUser {
        email: "ada@example.com".to_owned(),
        role: "owner".to_owned(),
        tenant_name: "Acme".to_owned(),
        tenant_slug: "acme".to_owned(),
        tenants,
        is_support_staff: false,
        time_zone: "Europe/Berlin".to_owned(),
    }
}

pub(super) fn chrome(active: Nav, user: Option<ChromeUser>) -> Chrome {
    Chrome { title: "Page".to_owned(), active, user, csrf: "tok123".to_owned(), flash: None }
}

pub(super) fn signed_in(active: Nav) -> Chrome {
    chrome(active, Some(user(vec![tenant("acme", "Acme", true)])))
}

pub(super) fn member(id: &str, email: &str, is_you: bool, can_manage: bool) -> MemberRow {
    MemberRow {
        user_id: id.to_owned(),
        email: email.to_owned(),
        role: "admin".to_owned(),
        joined: ts("2 days ago"),
        is_you,
        can_manage,
    }
}

pub(super) fn roles() -> Vec<String> {
    ["owner", "admin", "member", "viewer"].map(str::to_owned).to_vec()
}

pub(super) fn members_view() -> MembersView {
    MembersView {
        members: vec![member("u1", "ada@example.com", true, false), member("u2", "bob@example.com", false, true)],
        invitations: vec![InvitationRow {
            id: "inv1".to_owned(),
            email: "cy@example.com".to_owned(),
            role: "viewer".to_owned(),
            invited: ts("1 hour ago"),
            expires: ts("in 7 days"),
        }],
        can_manage: true,
        grantable_roles: roles(),
        invite_email: FieldState::default(),
        invite_role: "member".to_owned(),
        new_invite_link: None,
        new_invite_email: None,
    }
}

pub(super) fn settings_view() -> SettingsView {
    SettingsView {
        tenant_name: FieldState { value: "Acme".to_owned(), error: None },
        time_zone: FieldState { value: "Europe/Berlin".to_owned(), error: None },
        time_zone_choices: vec!["Europe/Berlin".to_owned(), "UTC".to_owned()],
        can_edit: true,
        tokens: vec![ApiTokenRow {
            id: "t1".to_owned(),
            name: "CI".to_owned(),
            role: "member".to_owned(),
            hint: "…a1b2".to_owned(),
            created: ts("3 days ago"),
            last_used: None,
        }],
        token_name: FieldState::default(),
        grantable_roles: roles(),
        new_token: None,
        audit: vec![AuditRow {
            at: ts("5 minutes ago"),
            actor: "ada@example.com".to_owned(),
            action: "member.invite".to_owned(),
            target: "cy@example.com".to_owned(),
            detail: "role viewer".to_owned(),
            ip: "127.0.0.1".to_owned(),
        }],
    }
}

pub(super) fn overview_view() -> OverviewView {
    OverviewView {
        connections: 3,
        recipes: 0,
        runs_last_24h: 12345,
        open_errors: 7,
        members: 2,
        checklist: vec![
            ChecklistItem {
                title: "Invite your team".to_owned(),
                detail: "Add people.".to_owned(),
                done: true,
                href: Some("/settings/members".to_owned()),
            },
            ChecklistItem {
                title: "Connect an account".to_owned(),
                detail: "Coming soon.".to_owned(),
                done: false,
                href: None,
            },
        ],
    }
}

pub(super) fn section_view() -> EmptySectionView {
    EmptySectionView {
        heading: "Runs".to_owned(),
        lead: "Every run of every recipe.".to_owned(),
        empty_title: "No runs yet".to_owned(),
        empty_body: "Runs appear once a recipe is on.".to_owned(),
        next_step: Some(("Create a recipe".to_owned(), "/recipes".to_owned())),
    }
}
