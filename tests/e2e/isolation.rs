//! Tenant A cannot read or change anything of tenant B's by guessing ids, in the UI or the API.

use anyhow::ensure;
use hitch::domain::{Email, Role};
use hitch_tests::TestApp;
use serde_json::json;

use crate::members::add_member;

struct Beta {
    owner_id: String,
    viewer_id: String,
    invitation_id: String,
    token_id: String,
}

/// Tenant "beta" with an owner, a viewer, an open invitation and a token.
async fn seed_beta(app: &TestApp) -> anyhow::Result<Beta> {
    app.signup("Beta", "owner@beta.test").await?;
    let viewer_id = add_member(app, "beta", "viewer@beta.test", Role::Viewer).await?;
    let tenant = app.store().tenant_by_slug("beta").await?;
    let scope = app.store().tenant(&tenant.id);
    let owner_id =
        scope.members().await?.into_iter().find(|m| m.role == Role::Owner).map(|m| m.user_id).unwrap_or_default();
    let invite_email = Email::parse("soon@beta.test").map_err(anyhow::Error::msg)?;
    let invitation =
        scope.create_invitation(&invite_email, Role::Editor, "beta-invite-hash", &owner_id, 3_600_000).await?;
    let token = scope.create_api_token("beta-ci", Role::Admin, "beta-token-hash", "abcd", None).await?;
    Ok(Beta { owner_id, viewer_id, invitation_id: invitation.id, token_id: token.id })
}

async fn assert_beta_untouched(app: &TestApp, beta: &Beta) -> anyhow::Result<()> {
    let tenant = app.store().tenant_by_slug("beta").await?;
    let scope = app.store().tenant(&tenant.id);
    ensure!(scope.member(&beta.owner_id).await?.role == Role::Owner, "beta's owner changed");
    ensure!(scope.member(&beta.viewer_id).await?.role == Role::Viewer, "beta's viewer changed");
    ensure!(
        scope.open_invitations().await?.iter().any(|i| i.id == beta.invitation_id),
        "beta's invitation was revoked"
    );
    ensure!(scope.api_tokens().await?.iter().any(|t| t.id == beta.token_id), "beta's token was revoked");
    ensure!(tenant.name == "Beta", "beta's settings changed");
    Ok(())
}

pub async fn tenants_cannot_reach_each_other_through_the_ui(app: TestApp) -> anyhow::Result<()> {
    let beta = seed_beta(&app).await?;
    let alpha = app.signup("Alpha", "owner@alpha.test").await?;
    let attempts = [
        (format!("/settings/members/{}/role", beta.viewer_id), vec![("role", "admin")]),
        (format!("/settings/members/{}/role", beta.owner_id), vec![("role", "viewer")]),
        (format!("/settings/members/{}/remove", beta.viewer_id), vec![]),
        (format!("/settings/invitations/{}/revoke", beta.invitation_id), vec![]),
        (format!("/settings/tokens/{}/revoke", beta.token_id), vec![]),
    ];
    for (path, fields) in attempts {
        let page = alpha.submit("/settings/members", &path, &fields).await?;
        ensure!(page.status == 404, "POST {path} from another tenant: {}", page.status);
    }
    // Switching into a tenant one doesn't belong to is refused; reading its pages needs support staff.
    ensure!(
        alpha.submit("/overview", "/switch-tenant", &[("slug", "beta")]).await?.status == 404,
        "switched into beta"
    );
    ensure!(alpha.get("/support/tenants/beta").await?.status == 403, "support page open to a tenant owner");
    let members = alpha.get("/settings/members").await?;
    ensure!(!members.contains("beta.test"), "alpha's member page shows beta's people");
    assert_beta_untouched(&app, &beta).await
}

pub async fn tenants_cannot_reach_each_other_through_the_api(app: TestApp) -> anyhow::Result<()> {
    let beta = seed_beta(&app).await?;
    app.signup("Alpha", "owner@alpha.test").await?;
    let token = app.token("alpha", Role::Owner).await?;
    let api = app.api();
    let get = api.get(app.url(&format!("/api/v1/members/{}", beta.viewer_id))).bearer_auth(&token).send().await?;
    ensure!(get.status() == 404, "GET beta's member: {}", get.status());
    let body: serde_json::Value = get.json().await?;
    ensure!(body["error"]["code"] == "not_found", "{body}");
    let patch = api
        .patch(app.url(&format!("/api/v1/members/{}", beta.owner_id)))
        .bearer_auth(&token)
        .json(&json!({"role": "viewer"}))
        .send()
        .await?;
    ensure!(patch.status() == 404, "PATCH beta's owner: {}", patch.status());
    let list: serde_json::Value = api.get(app.url("/api/v1/members")).bearer_auth(&token).send().await?.json().await?;
    let emails: Vec<&str> =
        list["members"].as_array().map(|a| a.iter().filter_map(|m| m["email"].as_str()).collect()).unwrap_or_default();
    ensure!(emails == vec!["owner@alpha.test"], "{emails:?}");
    assert_beta_untouched(&app, &beta).await
}
