//! The REST API: authentication, the documented error shape, and the OpenAPI document.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch_tests::TestApp;
use serde_json::{Value, json};

use crate::members::add_member;

async fn error_code(resp: reqwest::Response) -> anyhow::Result<(u16, String)> {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.context("error body is not JSON")?;
    let code = body["error"]["code"].as_str().context("no error.code")?.to_owned();
    ensure!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "no error.message: {body}");
    Ok((status, code))
}

pub async fn me_and_members(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "owner@acme.test").await?;
    let viewer_id = add_member(&app, "acme", "viewer@acme.test", Role::Viewer).await?;
    let token = app.token("acme", Role::Admin).await?;
    let api = app.api();

    let me: Value = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await?.json().await?;
    ensure!(me["tenant"]["slug"] == "acme" && me["token"]["role"] == "admin", "{me}");
    ensure!(!me.to_string().contains(&token), "the token came back in a response");

    let list: Value = api.get(app.url("/api/v1/members")).bearer_auth(&token).send().await?.json().await?;
    ensure!(list["members"].as_array().map(Vec::len) == Some(2), "{list}");
    ensure!(list["members"][0]["role"] == "owner", "owners first: {list}");

    let patched = api
        .patch(app.url(&format!("/api/v1/members/{viewer_id}")))
        .bearer_auth(&token)
        .json(&json!({"role": "editor"}))
        .send()
        .await?;
    ensure!(patched.status() == 200, "patch: {}", patched.status());
    let member: Value = patched.json().await?;
    ensure!(member["role"] == "editor", "{member}");
    let tenant = app.store().tenant_by_slug("acme").await?;
    let entry = app.store().tenant(&tenant.id).audit_log(1).await?.pop().context("no audit")?;
    ensure!(entry.action == "member.role_changed" && entry.actor == "token:test", "{entry:?}");
    Ok(())
}

pub async fn api_errors_are_json_and_change_nothing(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "owner@acme.test").await?;
    let viewer_id = add_member(&app, "acme", "viewer@acme.test", Role::Viewer).await?;
    let tenant = app.store().tenant_by_slug("acme").await?;
    let owner_id = app
        .store()
        .tenant(&tenant.id)
        .members()
        .await?
        .into_iter()
        .find(|m| m.role == Role::Owner)
        .context("owner")?
        .user_id;
    let admin = app.token("acme", Role::Admin).await?;
    let owner = app.token("acme", Role::Owner).await?;
    let viewer = app.token("acme", Role::Viewer).await?;
    let api = app.api();
    let member_url = app.url(&format!("/api/v1/members/{viewer_id}"));

    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        ("no token", api.get(app.url("/api/v1/me")), 401, "unauthorized"),
        ("wrong token", api.get(app.url("/api/v1/me")).bearer_auth("hitch_nope"), 401, "unauthorized"),
        ("basic auth", api.get(app.url("/api/v1/me")).basic_auth("a", Some("b")), 401, "unauthorized"),
        ("unknown route", api.get(app.url("/api/v1/nothing")).bearer_auth(&admin), 404, "not_found"),
        ("wrong method", api.delete(app.url("/api/v1/me")).bearer_auth(&admin), 405, "method_not_allowed"),
        ("unknown member", api.get(app.url("/api/v1/members/nobody")).bearer_auth(&admin), 404, "not_found"),
        (
            "malformed JSON",
            api.patch(&member_url).bearer_auth(&admin).header("content-type", "application/json").body("{\"role\":"),
            400,
            "bad_request",
        ),
        (
            "not JSON",
            api.patch(&member_url).bearer_auth(&admin).header("content-type", "text/plain").body("role=admin"),
            415,
            "unsupported_media_type",
        ),
        ("wrong shape", api.patch(&member_url).bearer_auth(&admin).json(&json!({"role": 5})), 422, "validation_failed"),
        (
            "unknown field",
            api.patch(&member_url).bearer_auth(&admin).json(&json!({"role": "admin", "is_owner": true})),
            422,
            "validation_failed",
        ),
        (
            "unknown role",
            api.patch(&member_url).bearer_auth(&admin).json(&json!({"role": "superuser"})),
            422,
            "validation_failed",
        ),
        (
            "oversized",
            api.patch(&member_url).bearer_auth(&admin).json(&json!({"role": "a".repeat(70_000)})),
            413,
            "payload_too_large",
        ),
        ("viewer token", api.patch(&member_url).bearer_auth(&viewer).json(&json!({"role": "admin"})), 403, "forbidden"),
        (
            "admin makes owner",
            api.patch(&member_url).bearer_auth(&admin).json(&json!({"role": "owner"})),
            403,
            "forbidden",
        ),
        (
            "last owner",
            api.patch(app.url(&format!("/api/v1/members/{owner_id}")))
                .bearer_auth(&owner)
                .json(&json!({"role": "admin"})),
            409,
            "conflict",
        ),
    ];
    for (name, request, status, code) in cases {
        let got = error_code(request.send().await?).await.with_context(|| name.to_owned())?;
        ensure!(got == (status, code.to_owned()), "{name}: got {got:?}, want ({status}, {code})");
    }
    let scope = app.store().tenant(&tenant.id);
    ensure!(scope.member(&viewer_id).await?.role == Role::Viewer, "a refused request changed the viewer");
    ensure!(scope.member(&owner_id).await?.role == Role::Owner, "a refused request changed the owner");

    // A revoked token stops working at once.
    let token_id = scope.api_tokens().await?.into_iter().find(|t| t.role == Role::Viewer).context("viewer token")?.id;
    scope.revoke_api_token(&token_id).await?;
    let (status, _) = error_code(api.get(app.url("/api/v1/me")).bearer_auth(&viewer).send().await?).await?;
    ensure!(status == 401, "revoked token: {status}");
    Ok(())
}

pub async fn openapi_document_describes_the_api(app: TestApp) -> anyhow::Result<()> {
    let doc: Value = app.api().get(app.url("/api/v1/openapi.json")).send().await?.json().await?;
    ensure!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "not OpenAPI 3: {}", doc["openapi"]);
    for path in ["/api/v1/me", "/api/v1/members", "/api/v1/members/{user_id}"] {
        ensure!(doc["paths"][path].is_object(), "{path} missing from the document");
    }
    ensure!(doc["paths"]["/api/v1/members/{user_id}"]["patch"].is_object(), "PATCH members missing");
    ensure!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer", "no bearer scheme");
    ensure!(doc["components"]["schemas"]["ErrorBody"].is_object(), "error shape undocumented");
    Ok(())
}
