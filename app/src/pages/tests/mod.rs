#![allow(clippy::unwrap_used)]

use leptos::prelude::*;

use super::{error, invitation, login, members, overview, section, settings, signup, support};
use crate::components::StatusBadge;
use crate::models::*;

mod connections;
mod fixtures;
mod queue;
mod recipes;
mod webhooks;
use fixtures::*;

const CSRF_INPUT: &str = r#"<input type="hidden" name="csrf" value="tok123">"#;

/// Every form carries the CSRF token.
fn assert_forms_have_csrf(html: &str) {
    let forms: Vec<&str> = html.split("<form").skip(1).collect();
    assert!(!forms.is_empty(), "no forms in page");
    for form in forms {
        let body = &form[..form.find("</form>").unwrap()];
        assert!(body.contains(CSRF_INPUT), "form without csrf: {body}");
    }
}

fn main_of(html: &str) -> &str {
    &html[html.find("<main").unwrap()..]
}

#[test]
fn document_has_head_assets_and_plain_title() {
    let html = overview::render(signed_in(Nav::Overview), overview_view());
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(html.contains("<title>Page · Hitch</title>"));
    assert!(html.contains(r#"<link rel="stylesheet" href="/assets/hitch.css">"#));
    assert!(html.contains(r#"<script src="/assets/hitch.js" defer></script>"#));
    assert!(html.contains(r##"href="#main""##) && html.contains(r#"id="main""#));
}

#[test]
fn active_nav_item_is_marked_current() {
    let html = overview::render(signed_in(Nav::Overview), overview_view());
    assert_eq!(html.matches(r#"aria-current="page""#).count(), 1);
    assert!(html.contains(r#"<a href="/overview" aria-current="page">Overview</a>"#));

    let html = section::render(signed_in(Nav::Runs), section_view());
    assert!(html.contains(r#"<a href="/runs" aria-current="page">Runs</a>"#));
    assert!(html.contains(r#"<a href="/overview">Overview</a>"#));
}

#[test]
fn tenant_switcher_only_with_two_or_more_tenants() {
    let html = overview::render(signed_in(Nav::Overview), overview_view());
    assert!(!html.contains("/switch-tenant"));

    let two = user(vec![tenant("acme", "Acme", true), tenant("globex", "Globex", false)]);
    let html = overview::render(chrome(Nav::Overview, Some(two)), overview_view());
    assert!(html.contains(r#"action="/switch-tenant""#));
    assert!(html.contains(r#"<option value="acme" selected>Acme</option>"#));
    assert!(html.contains(r#"<option value="globex">Globex</option>"#));
    assert_forms_have_csrf(&html);
}

#[test]
fn sign_out_and_support_link() {
    let html = overview::render(signed_in(Nav::Overview), overview_view());
    assert!(html.contains(r#"action="/logout""#));
    assert!(!html.contains(r#"href="/support""#));

    let mut staff = user(vec![]);
    staff.is_support_staff = true;
    let html = overview::render(chrome(Nav::Overview, Some(staff)), overview_view());
    assert!(html.contains(r#"href="/support""#));
}

#[test]
fn flash_roles() {
    let mut c = signed_in(Nav::Overview);
    c.flash = Some(Flash { kind: FlashKind::Success, message: "Saved.".to_owned() });
    let html = overview::render(c.clone(), overview_view());
    assert!(html.contains(r#"<div role="status" class="flash flash--success">Saved.</div>"#));
    c.flash = Some(Flash { kind: FlashKind::Error, message: "Nope.".to_owned() });
    let html = overview::render(c, overview_view());
    assert!(html.contains(r#"<div role="alert" class="flash flash--error">Nope.</div>"#));
}

#[test]
fn login_form() {
    let form = LoginForm {
        email: FieldState { value: "ada@example.com".to_owned(), error: Some("Enter an email.".to_owned()) },
        error: Some("Wrong email or password.".to_owned()),
        next: "/runs".to_owned(),
    };
    let html = login::render(chrome(Nav::None, None), form);
    assert_forms_have_csrf(&html);
    assert!(html.contains(r#"action="/login""#));
    assert!(html.contains(r#"<input type="hidden" name="next" value="/runs">"#));
    assert!(html.contains(r#"<div role="alert" class="form-error">Wrong email or password.</div>"#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="login-email-error""#));
    assert!(html.contains(r#"<p id="login-email-error" class="field-error">Enter an email.</p>"#));
    assert!(html.contains(r#"name="password" type="password""#));
    assert!(html.contains(r#"href="/signup""#));
    assert!(!html.contains("class=\"sidebar\""), "signed-out pages have no sidebar");
}

#[test]
fn signup_form_never_echoes_password() {
    let form = SignupForm {
        company: FieldState { value: "Acme".to_owned(), error: None },
        email: FieldState::default(),
        password: FieldState { value: "hunter2secret".to_owned(), error: Some("Too short.".to_owned()) },
        error: None,
    };
    let html = signup::render(chrome(Nav::None, None), form);
    assert_forms_have_csrf(&html);
    assert!(html.contains("Company or team name"));
    assert!(html.contains(r#"name="company" type="text" value="Acme""#));
    assert!(!html.contains("hunter2secret"));
    assert!(html.contains(r#"aria-describedby="signup-password-hint signup-password-error""#));
    assert!(html.contains("At least 10 characters."));
    assert!(!html.contains("role=\"alert\""));
    assert!(html.contains(r#"href="/login""#));
}

#[test]
fn text_and_attributes_are_escaped() {
    let mut c = signed_in(Nav::Settings);
    c.title = "</title><script>".to_owned();
    if let Some(u) = c.user.as_mut() {
        u.email = "<script>alert(1)</script>@x".to_owned();
    }
    let mut view = members_view();
    view.members[1].email = "<script>alert(1)</script>".to_owned();
    view.invite_email.value = "\"><script>".to_owned();
    let html = members::render(c, view);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("</title><script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("value=\"\"><script>"));
}

#[test]
fn overview_tiles_and_checklist() {
    let html = overview::render(signed_in(Nav::Overview), overview_view());
    assert!(html.contains(r#"<dd class="num">12,345</dd>"#));
    assert!(html.contains("Open record errors"));
    assert_eq!(html.matches(">Done</span>").count(), 1);
    assert!(html.contains(r#"<a href="/settings/members">Invite your team</a>"#));
    assert!(html.contains("<span>Connect an account</span>"));
    assert_eq!(overview::group_digits(-1234567), "-1,234,567");
    assert_eq!(overview::group_digits(999), "999");
}

#[test]
fn empty_section() {
    let html = section::render(signed_in(Nav::Runs), section_view());
    assert!(html.contains("<h1>Runs</h1>"));
    assert!(html.contains("No runs yet"));
    assert!(html.contains(r#"<a href="/recipes" class="btn btn-primary">Create a recipe</a>"#));
    let mut v = section_view();
    v.next_step = None;
    let html = section::render(signed_in(Nav::Runs), v);
    assert!(!html.contains("btn-primary"));
}

#[test]
fn members_page_for_admins() {
    let mut view = members_view();
    view.new_invite_link = Some("https://hitch.example/invitations/abc".to_owned());
    view.new_invite_email = Some("cy@example.com".to_owned());
    let html = members::render(signed_in(Nav::Settings), view);
    assert_forms_have_csrf(&html);
    assert!(html.contains(r#"<a href="/settings/members" aria-current="page">Members</a>"#));
    assert!(html.contains("ada@example.com<!> (you)"));
    // Only bob (can_manage) gets the role and remove forms.
    assert!(!html.contains("/settings/members/u1/role"));
    assert!(html.contains(r#"action="/settings/members/u2/role""#));
    assert!(html.contains(r#"data-confirm="Remove bob@example.com from this workspace?""#));
    assert!(html.contains(r#"<option value="admin" selected>Admin</option>"#));
    assert!(html.contains(r#"action="/settings/invitations/inv1/revoke""#));
    assert!(html.contains(r#"action="/settings/members/invite""#));
    assert!(html.contains(r#"<option value="member" selected>Member</option>"#));
    assert!(html.contains("Send this link to cy@example.com; it works once and expires in 7 days"));
    assert!(html.contains(r#"value="https://hitch.example/invitations/abc""#));
    assert!(html.contains(r##"data-copy="#invite-link""##));
}

#[test]
fn members_page_for_viewers_has_no_forms() {
    let mut view = members_view();
    view.can_manage = false;
    view.members[1].can_manage = false;
    let html = members::render(signed_in(Nav::Settings), view);
    let main = main_of(&html);
    assert!(!main.contains("<form"));
    assert!(main.contains("bob@example.com"));
    assert!(main.contains("cy@example.com"));
}

#[test]
fn settings_page_shows_new_token_only_when_some() {
    let html = settings::render(signed_in(Nav::Settings), settings_view());
    assert_forms_have_csrf(&html);
    assert!(html.contains(r#"<a href="/settings" aria-current="page">General</a>"#));
    assert!(!html.contains("Copy this token now"));
    assert!(html.contains(r#"list="tz-choices""#));
    assert!(html.contains(r#"<option value="UTC"></option>"#));
    assert!(html.contains(r#"action="/settings/tokens/t1/revoke""#));
    assert!(html.contains(r#"action="/settings/tokens""#));
    assert!(html.contains(">never</span>"));
    assert!(html.contains("member.invite"));

    let mut view = settings_view();
    view.new_token = Some("hitch_secret_token".to_owned());
    let html = settings::render(signed_in(Nav::Settings), view);
    assert!(html.contains("Copy this token now. It is shown once and cannot be shown again."));
    assert!(html.contains(r#"value="hitch_secret_token""#));
}

#[test]
fn settings_read_only_for_viewers() {
    let mut view = settings_view();
    view.can_edit = false;
    view.audit.clear();
    let html = settings::render(signed_in(Nav::Settings), view);
    assert!(html.contains(r#"name="name" type="text" value="Acme" required readonly"#));
    assert!(!html.contains("/revoke"));
    assert!(!html.contains(r#"action="/settings/tokens""#));
    assert!(!html.contains("Save changes"));
    // No empty tables that would suggest there are no tokens or no activity.
    assert!(!html.contains("No activity yet") && !html.contains("No API tokens"));
    assert!(html.contains("Only admins and owners of this workspace can see"));
}

#[test]
fn invitation_labels_depend_on_account() {
    let view = InvitationView {
        tenant_name: "Acme".to_owned(),
        email: "cy@example.com".to_owned(),
        role: "viewer".to_owned(),
        existing_account: false,
        password: FieldState::default(),
        error: None,
    };
    let html = invitation::render(chrome(Nav::None, None), view.clone());
    assert_forms_have_csrf(&html);
    assert!(html.contains("Join Acme on Hitch as viewer"));
    assert!(html.contains("Choose a password (at least 10 characters)"));
    assert!(html.contains(r#"value="cy@example.com" readonly"#));
    assert!(html.contains("Accept invitation"));

    let existing = InvitationView { existing_account: true, ..view };
    let html = invitation::render(chrome(Nav::None, None), existing);
    assert!(html.contains("Your current password"));
}

#[test]
fn support_pages_are_read_only() {
    let mut staff = user(vec![]);
    staff.is_support_staff = true;
    let c = chrome(Nav::None, Some(staff));
    let rows = vec![SupportTenantRow {
        slug: "acme".to_owned(),
        name: "Acme".to_owned(),
        members: 4,
        created: ts("1 week ago"),
    }];
    let html = support::render_tenants(c.clone(), rows);
    assert!(html.contains(r#"<a href="/support/tenants/acme">Acme</a>"#));
    assert!(html.contains("Every tenant you open is recorded in that tenant's audit log."));

    let view = SupportTenantView {
        name: "Acme".to_owned(),
        slug: "acme".to_owned(),
        time_zone: "Europe/Berlin".to_owned(),
        members: vec![member("u1", "ada@example.com", false, true)],
        audit: settings_view().audit,
    };
    let html = support::render_tenant(c, view);
    let main = main_of(&html);
    assert!(!main.contains("<form"), "support views are read-only");
    assert!(main.contains("ada@example.com"));
    assert!(main.contains("member.invite"));
}

#[test]
fn error_page() {
    let view = ErrorView {
        status: 404,
        title: "Page not found".to_owned(),
        message: "There is nothing at this address.".to_owned(),
        action: Some(("Go to the overview".to_owned(), "/overview".to_owned())),
    };
    let html = error::render(signed_in(Nav::None), view);
    assert!(html.contains(r#"<p class="error-code">404</p>"#));
    assert!(html.contains(r#"<a href="/overview" class="btn btn-primary">Go to the overview</a>"#));
}

#[test]
fn time_and_status_components() {
    let html = crate::render(|| view! { <StatusBadge status=Status::SucceededWithErrors /> });
    assert!(html.contains("status--partial"));
    assert!(html.contains("Succeeded with errors"));

    let html = crate::render(|| view! { <crate::components::Time ts=ts("3 minutes ago") /> });
    assert!(html.contains(r#"datetime="2026-11-27T19:14:05Z""#));
    assert!(html.contains(r#"title="2026-11-27 20:14:05 CET""#));
    assert!(html.contains(">3 minutes ago</time>"));
}
