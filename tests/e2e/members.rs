//! Invitations, roles and the last-owner rule, through the browser UI.

use anyhow::{Context, ensure};
use hitch::domain::{Email, Password, Role};
use hitch_tests::{PASSWORD, Page, TestApp, browser_encode as encode};

/// The invitation link shown once on the members page after inviting.
fn invitation_link(app: &TestApp, page: &Page) -> anyhow::Result<String> {
    let prefix = format!("{}/invitations/", app.base);
    let start = page.body.find(&prefix).context("no invitation link on the page")?;
    let token: String = page.body[start + prefix.len()..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    ensure!(token.len() == 64, "odd token {token:?}");
    Ok(format!("/invitations/{token}"))
}

/// Adds a member with a password straight through storage (as `hitch admin create-user`).
pub async fn add_member(app: &TestApp, slug: &str, email: &str, role: Role) -> anyhow::Result<String> {
    let tenant = app.store().tenant_by_slug(slug).await?;
    let hash = hitch::auth::password::hash(&Password::parse(PASSWORD.into()).map_err(anyhow::Error::msg)?).await?;
    let user = app
        .store()
        .create_member_user(&tenant.id, &Email::parse(email).map_err(anyhow::Error::msg)?, &hash, role)
        .await?;
    Ok(user.id)
}

async fn invite(app: &TestApp, owner: &hitch_tests::Browser, email: &str, role: &str) -> anyhow::Result<String> {
    let page =
        owner.submit("/settings/members", "/settings/members/invite", &[("email", email), ("role", role)]).await?;
    ensure!(page.status == 201, "invite: {} {}", page.status, page.text_excerpt());
    invitation_link(app, &page)
}

pub async fn invitation_link_creates_account_once(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let link = invite(&app, &owner, "New@Acme.test", "viewer").await?;
    // The link is shown once: the members page does not show it again.
    ensure!(!owner.get("/settings/members").await?.contains(&link), "invitation link shown again");

    let newcomer = app.browser();
    let page = newcomer.get(&link).await?;
    ensure!(
        page.status == 200 && page.contains("Acme") && page.contains("new@acme.test"),
        "invitation page: {}",
        page.status
    );
    let short = newcomer.submit(&link, &link, &[("password", "short")]).await?;
    ensure!(short.status == 422 && short.contains("at least 10 characters"), "short password: {}", short.status);
    let joined = newcomer.submit(&link, &link, &[("password", "another good password")]).await?;
    ensure!(joined.status == 303 && joined.location() == Some("/overview"), "accept: {}", joined.status);
    ensure!(newcomer.get("/overview").await?.contains("You joined as viewer"), "welcome flash missing");

    let tenant = app.store().tenant_by_slug("acme").await?;
    let scope = app.store().tenant(&tenant.id);
    let members = scope.members().await?;
    ensure!(members.iter().any(|m| m.email == "new@acme.test" && m.role == Role::Viewer), "{members:?}");
    let actions: Vec<String> = scope.audit_log(20).await?.into_iter().map(|e| e.action).collect();
    ensure!(actions.contains(&"member.invited".into()) && actions.contains(&"member.joined".into()), "{actions:?}");

    let reused = app.browser().get(&link).await?;
    ensure!(reused.status == 400 && reused.contains("not valid"), "reused link: {}", reused.status);
    let replay = newcomer.submit("/overview", &link, &[("password", "another good password")]).await?;
    ensure!(replay.status == 400, "replayed accept: {}", replay.status);
    ensure!(scope.members().await?.len() == 2, "replay added a member");
    Ok(())
}

pub async fn existing_account_accepts_with_its_password(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let other = app.signup("Beta", "bea@beta.test").await?;
    let link = invite(&app, &owner, "bea@beta.test", "editor").await?;

    let page = other.get(&link).await?;
    ensure!(page.status == 200 && page.contains("current password"), "existing-account invitation page");
    let wrong = other.submit(&link, &link, &[("password", "not her password")]).await?;
    ensure!(wrong.status == 401, "wrong password: {}", wrong.status);
    let ok = other.submit(&link, &link, &[("password", PASSWORD)]).await?;
    ensure!(ok.status == 303, "accept: {}", ok.status);

    let user = app.store().user_by_email(&Email::parse("bea@beta.test").map_err(anyhow::Error::msg)?).await?;
    let tenants: Vec<String> = app.store().memberships_of(&user.id).await?.into_iter().map(|m| m.tenant.slug).collect();
    ensure!(tenants == vec!["acme".to_owned(), "beta".to_owned()], "{tenants:?}");

    let switched = other.submit("/overview", "/switch-tenant", &[("slug", "beta")]).await?;
    ensure!(switched.status == 303, "switch: {}", switched.status);
    ensure!(other.get("/overview").await?.contains("Switched to Beta"), "switch flash");
    let not_mine = other.submit("/overview", "/switch-tenant", &[("slug", "gamma")]).await?;
    ensure!(not_mine.status == 404, "switch to a foreign tenant: {}", not_mine.status);
    Ok(())
}

pub async fn revoked_invitation_link_stops_working(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let link = invite(&app, &owner, "gone@acme.test", "viewer").await?;
    let tenant = app.store().tenant_by_slug("acme").await?;
    let invitation = app.store().tenant(&tenant.id).open_invitations().await?.pop().context("no invitation")?;
    let revoked =
        owner.submit("/settings/members", &format!("/settings/invitations/{}/revoke", invitation.id), &[]).await?;
    ensure!(revoked.status == 303, "revoke: {}", revoked.status);
    let page = app.browser().get(&link).await?;
    ensure!(page.status == 400, "revoked link: {}", page.status);
    // Revoking again: nothing to revoke.
    let again =
        owner.submit("/settings/members", &format!("/settings/invitations/{}/revoke", invitation.id), &[]).await?;
    ensure!(again.status == 404, "second revoke: {}", again.status);
    Ok(())
}

pub async fn roles_are_enforced_on_the_server(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let tenant = app.store().tenant_by_slug("acme").await?;
    let owner_id = app.store().tenant(&tenant.id).members().await?[0].user_id.clone();
    add_member(&app, "acme", "viewer@acme.test", Role::Viewer).await?;
    add_member(&app, "acme", "editor@acme.test", Role::Editor).await?;
    let admin_id = add_member(&app, "acme", "admin@acme.test", Role::Admin).await?;

    for (email, role) in [("viewer@acme.test", "viewer"), ("editor@acme.test", "editor")] {
        let b = app.browser();
        ensure!(b.login(email, PASSWORD).await?.status == 303, "{email} sign-in");
        let csrf = b.get("/settings").await?.csrf().context("csrf")?;
        let attempts = [
            ("/settings/members/invite", encode(&[("csrf", &csrf), ("email", "x@acme.test"), ("role", "viewer")])),
            (&*format!("/settings/members/{owner_id}/role"), encode(&[("csrf", &csrf), ("role", "viewer")])),
            (&*format!("/settings/members/{admin_id}/remove"), encode(&[("csrf", &csrf)])),
            ("/settings/tokens", encode(&[("csrf", &csrf), ("name", "mine"), ("role", "viewer")])),
            ("/settings", encode(&[("csrf", &csrf), ("name", "Hijacked"), ("time_zone", "UTC")])),
        ];
        for (path, body) in attempts {
            let page = b.post_raw(path, body).await?;
            ensure!(page.status == 403 && page.contains("Not allowed"), "{role} POST {path}: {}", page.status);
        }
        let settings = b.get("/settings").await?;
        ensure!(
            !settings.contains("action=\"/settings/tokens\"")
                && !settings.contains("auth.sign_in")
                && settings.contains("Only admins and owners"),
            "{role} sees admin parts of settings"
        );
    }

    let admin = app.browser();
    admin.login("admin@acme.test", PASSWORD).await?;
    let owner_invite = admin
        .submit("/settings/members", "/settings/members/invite", &[("email", "boss@acme.test"), ("role", "owner")])
        .await?;
    ensure!(owner_invite.status == 403, "admin invited an owner: {}", owner_invite.status);
    let demote_owner =
        admin.submit("/settings/members", &format!("/settings/members/{owner_id}/role"), &[("role", "viewer")]).await?;
    ensure!(demote_owner.status == 403, "admin demoted the owner: {}", demote_owner.status);
    let promote_self =
        admin.submit("/settings/members", &format!("/settings/members/{admin_id}/role"), &[("role", "owner")]).await?;
    ensure!(promote_self.status == 403, "admin made themselves owner: {}", promote_self.status);
    let viewer_invite = admin
        .submit("/settings/members", "/settings/members/invite", &[("email", "v2@acme.test"), ("role", "viewer")])
        .await?;
    ensure!(viewer_invite.status == 201, "admin could not invite a viewer: {}", viewer_invite.status);

    let scope = app.store().tenant(&tenant.id);
    let roles: Vec<(String, Role)> = scope.members().await?.into_iter().map(|m| (m.email, m.role)).collect();
    ensure!(
        roles.contains(&("owner@acme.test".into(), Role::Owner))
            && roles.contains(&("admin@acme.test".into(), Role::Admin)),
        "{roles:?}"
    );
    ensure!(app.store().tenant_by_slug("acme").await?.name == "Acme", "settings changed");
    ensure!(scope.api_tokens().await?.is_empty(), "a token was created");

    // The owner can change roles, and it is audited.
    let changed =
        owner.submit("/settings/members", &format!("/settings/members/{admin_id}/role"), &[("role", "editor")]).await?;
    ensure!(changed.status == 303, "owner role change: {}", changed.status);
    let entry =
        scope.audit_log(5).await?.into_iter().find(|e| e.action == "member.role_changed").context("not audited")?;
    ensure!(
        entry.detail == "admin -> editor" && entry.target == "admin@acme.test" && entry.actor == "owner@acme.test",
        "{entry:?}"
    );
    Ok(())
}

pub async fn last_owner_cannot_be_demoted_or_removed(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let tenant = app.store().tenant_by_slug("acme").await?;
    let scope = app.store().tenant(&tenant.id);
    let owner_id = scope.members().await?[0].user_id.clone();

    let demote =
        owner.submit("/settings/members", &format!("/settings/members/{owner_id}/role"), &[("role", "admin")]).await?;
    ensure!(demote.status == 303 && demote.location() == Some("/settings/members"), "demote: {}", demote.status);
    ensure!(owner.get("/settings/members").await?.contains("at least one owner"), "no explanation shown");
    let remove = owner.submit("/settings/members", &format!("/settings/members/{owner_id}/remove"), &[]).await?;
    ensure!(remove.status == 303, "remove: {}", remove.status);
    ensure!(scope.member(&owner_id).await?.role == Role::Owner, "the last owner lost ownership");

    // With a second owner, the first may step down.
    let second = add_member(&app, "acme", "second@acme.test", Role::Owner).await?;
    owner.submit("/settings/members", &format!("/settings/members/{owner_id}/role"), &[("role", "admin")]).await?;
    ensure!(scope.member(&owner_id).await?.role == Role::Admin, "step-down failed");
    ensure!(scope.member(&second).await?.role == Role::Owner, "second owner changed");
    Ok(())
}
