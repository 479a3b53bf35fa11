//! Connecting accounts with API keys, in the UI and the API, against `hitch sandbox`; who may
//! do it; and that nothing of another tenant's is reachable.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch_tests::TestApp;
use serde_json::{Value, json};

use crate::members::add_member;

pub const STRIPE_KEY: &str = "sk_test_sandbox_4242QWERTY9876";

/// A sandbox on a random port; the guard stops it when dropped.
pub async fn sandbox() -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let (addr, handle) = hitch::sandbox::spawn_on_random_port().await?;
    Ok((format!("http://{addr}"), handle))
}

async fn create(app: &TestApp, token: &str, body: Value) -> anyhow::Result<(u16, Value)> {
    let resp = app.api().post(app.url("/api/v1/connections")).bearer_auth(token).json(&body).send().await?;
    Ok((resp.status().as_u16(), resp.json().await?))
}

pub async fn api_key_connections_through_the_api(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;

    let (status, body) = create(
        &app,
        &token,
        json!({"provider":"stripe","label":"Stripe live","credentials":{"api_key":"sk_test_wrong_key_0000"}}),
    )
    .await?;
    ensure!(status == 422 && body["error"]["code"] == "credentials_rejected", "{status} {body}");
    ensure!(
        body["error"]["message"].as_str().is_some_and(|m| m.contains("Stripe") && m.contains("Invalid API Key")),
        "{body}"
    );
    ensure!(!body.to_string().contains("sk_test_wrong_key_0000"), "the key came back in the error");
    let list: Value = app.api().get(app.url("/api/v1/connections")).bearer_auth(&token).send().await?.json().await?;
    ensure!(list["connections"].as_array().is_some_and(Vec::is_empty), "a rejected key left a connection: {list}");

    let (status, body) =
        create(&app, &token, json!({"provider":"stripe","label":"Stripe live","credentials":{"api_key": STRIPE_KEY}}))
            .await?;
    ensure!(status == 201, "{status} {body}");
    let c = &body["connection"];
    ensure!(
        c["status"] == "active"
            && c["secret_hint"] == "…9876"
            && c["account_id"].as_str().is_some_and(|a| a.starts_with("acct_")),
        "{c}"
    );
    ensure!(body["authorize_url"].is_null(), "{body}");
    let id = c["id"].as_str().context("id")?.to_owned();

    let one =
        app.api().get(app.url(&format!("/api/v1/connections/{id}"))).bearer_auth(&token).send().await?.text().await?;
    ensure!(!one.contains(STRIPE_KEY) && !one.contains("QWERTY"), "GET leaks the key: {one}");
    let tested: Value = app
        .api()
        .post(app.url(&format!("/api/v1/connections/{id}/test")))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    ensure!(tested["ok"] == true && tested["latency_ms"].is_number() && tested["status"] == "active", "{tested}");

    let renamed: Value = app
        .api()
        .patch(app.url(&format!("/api/v1/connections/{id}")))
        .bearer_auth(&token)
        .json(&json!({"label":"Stripe (EU)","enabled":false}))
        .send()
        .await?
        .json()
        .await?;
    ensure!(renamed["label"] == "Stripe (EU)" && renamed["status"] == "disabled", "{renamed}");

    // Bad input: unknown provider, OAuth-less provider without credentials, missing field.
    for (body, code) in [
        (json!({"provider":"nope","label":"x"}), "validation_failed"),
        (json!({"provider":"stripe","label":"x"}), "validation_failed"),
        (json!({"provider":"stripe","label":"x","credentials":{}}), "validation_failed"),
        (json!({"provider":"stripe","label":"","credentials":{"api_key": STRIPE_KEY}}), "validation_failed"),
        (json!({"provider":"postgres","label":"db","credentials":{"url":"mysql://nope"}}), "validation_failed"),
    ] {
        let (status, got) = create(&app, &token, body.clone()).await?;
        ensure!(status == 422 && got["error"]["code"] == code, "{body} -> {status} {got}");
    }
    let deleted = app.api().delete(app.url(&format!("/api/v1/connections/{id}"))).bearer_auth(&token).send().await?;
    ensure!(deleted.status() == 204, "delete: {}", deleted.status());
    let gone = app.api().get(app.url(&format!("/api/v1/connections/{id}"))).bearer_auth(&token).send().await?;
    ensure!(gone.status() == 404, "after delete: {}", gone.status());
    app.stop().await
}

pub async fn api_key_connection_in_the_browser(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let catalog = owner.get("/connections/new?q=grid").await?;
    ensure!(catalog.status == 200 && catalog.contains("SendGrid") && !catalog.contains(">Stripe<"), "catalog search");
    let page = owner.get("/connections/new/sendgrid").await?;
    ensure!(page.status == 200 && page.contains("name=\"api_key\""), "connect page");

    let wrong = owner
        .submit(
            "/connections/new/sendgrid",
            "/connections/new/sendgrid",
            &[("label", "Mail"), ("api_key", "SG.not-a-real-key")],
        )
        .await?;
    ensure!(
        wrong.status == 422 && wrong.contains("authorization required"),
        "wrong key: {} {}",
        wrong.status,
        wrong.text_excerpt()
    );
    ensure!(!wrong.contains("SG.not-a-real-key"), "the typed key was sent back into the page");

    let ok = owner
        .submit(
            "/connections/new/sendgrid",
            "/connections/new/sendgrid",
            &[("label", "Mail"), ("api_key", "SG.sandbox-key-for-tests-123")],
        )
        .await?;
    ensure!(ok.status == 303, "connect: {} {}", ok.status, ok.text_excerpt());
    let detail_path = ok.location().context("location")?.to_owned();
    let detail = owner.get(&detail_path).await?;
    ensure!(detail.status == 200 && detail.contains("Mail") && detail.contains("…-123"), "detail page");
    ensure!(!detail.contains("SG.sandbox-key-for-tests-123"), "the key is shown after saving");
    ensure!(detail.contains("4 (the default)") && detail.contains("name=\"max_concurrent_runs\""), "no limit form");

    // Runs at once, from the Manage panel: bad values are refused and change nothing.
    let limit_action = format!("{detail_path}/limit");
    for bad in ["0", "65", "two", ""] {
        let refused = owner.submit(&detail_path, &limit_action, &[("max_concurrent_runs", bad)]).await?;
        ensure!(
            refused.status == 400 && refused.contains("whole number from 1 to 64"),
            "limit {bad:?}: {} {}",
            refused.status,
            refused.text_excerpt()
        );
    }
    let saved = owner.submit(&detail_path, &limit_action, &[("max_concurrent_runs", " 2 ")]).await?;
    ensure!(saved.status == 303, "limit: {} {}", saved.status, saved.text_excerpt());
    let detail = owner.get(&detail_path).await?;
    ensure!(detail.contains("Up to 2 runs use Mail at once") && !detail.contains("(the default)"), "limit not shown");
    let tenant = app.store().tenant_by_slug("acme").await?;
    let mail = app.store().tenant(&tenant.id).connections().await?;
    ensure!(mail.len() == 1 && mail[0].max_concurrent_runs == Some(2), "{mail:?}");
    let list = owner.get("/connections").await?;
    ensure!(list.contains("Mail") && list.contains("SendGrid"), "list");
    let overview = owner.get("/overview").await?;
    ensure!(overview.contains("Done"), "checklist not updated");
    app.stop().await
}

pub async fn viewers_and_editors_cannot_touch_credentials(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let admin = app.token("acme", Role::Admin).await?;
    let (_, body) =
        create(&app, &admin, json!({"provider":"stripe","label":"Stripe","credentials":{"api_key": STRIPE_KEY}}))
            .await?;
    let id = body["connection"]["id"].as_str().context("id")?.to_owned();
    add_member(&app, "acme", "editor@acme.test", Role::Editor).await?;
    add_member(&app, "acme", "viewer@acme.test", Role::Viewer).await?;

    for (email, role) in [("editor@acme.test", Role::Editor), ("viewer@acme.test", Role::Viewer)] {
        let token = app.token("acme", role).await?;
        let (status, got) =
            create(&app, &token, json!({"provider":"stripe","label":"Mine","credentials":{"api_key": STRIPE_KEY}}))
                .await?;
        ensure!(status == 403 && got["error"]["code"] == "forbidden", "{role} created a connection: {status}");
        for (method, path) in [
            ("POST", format!("/api/v1/connections/{id}/test")),
            ("DELETE", format!("/api/v1/connections/{id}")),
            ("POST", format!("/api/v1/connections/{id}/reconnect")),
        ] {
            let req = if method == "POST" { app.api().post(app.url(&path)) } else { app.api().delete(app.url(&path)) };
            let status = req.bearer_auth(&token).send().await?.status();
            ensure!(status == 403, "{role} {method} {path}: {status}");
        }
        let seen = app.api().get(app.url(&format!("/api/v1/connections/{id}"))).bearer_auth(&token).send().await?;
        ensure!(seen.status() == 200 && !seen.text().await?.contains(STRIPE_KEY), "{role} read");

        let b = app.browser();
        b.login(email, hitch_tests::PASSWORD).await?;
        ensure!(b.get("/connections/new").await?.status == 403, "{role} opened the catalog");
        let csrf = b.get("/connections").await?.csrf().context("csrf")?;
        let posted = b
            .post_raw(
                "/connections/new/stripe",
                hitch_tests::browser_encode(&[("csrf", &csrf), ("label", "x"), ("api_key", STRIPE_KEY)]),
            )
            .await?;
        ensure!(posted.status == 403, "{role} connected in the UI: {}", posted.status);
        ensure!(
            b.post_raw(&format!("/connections/{id}/delete"), hitch_tests::browser_encode(&[("csrf", &csrf)]))
                .await?
                .status
                == 403,
            "{role} deleted"
        );
        let limit = hitch_tests::browser_encode(&[("csrf", &csrf), ("max_concurrent_runs", "1")]);
        let limited = b.post_raw(&format!("/connections/{id}/limit"), limit).await?;
        ensure!(limited.status == 403, "{role} changed the limit: {}", limited.status);
        let page = b.get(&format!("/connections/{id}")).await?;
        ensure!(
            page.status == 200 && !page.contains(&format!("/connections/{id}/delete\"")),
            "{role} is offered delete"
        );
    }
    let tenant = app.store().tenant_by_slug("acme").await?;
    ensure!(app.store().tenant(&tenant.id).connections().await?.len() == 1, "connections changed");
    app.stop().await
}

pub async fn other_tenants_connections_are_not_found(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Beta", "owner@beta.test").await?;
    let beta = app.token("beta", Role::Owner).await?;
    let (_, body) =
        create(&app, &beta, json!({"provider":"stripe","label":"Beta Stripe","credentials":{"api_key": STRIPE_KEY}}))
            .await?;
    let id = body["connection"]["id"].as_str().context("id")?.to_owned();

    let alpha_browser = app.signup("Alpha", "owner@alpha.test").await?;
    let alpha = app.token("alpha", Role::Owner).await?;
    let api = app.api();
    let attempts = [
        api.get(app.url(&format!("/api/v1/connections/{id}"))),
        api.post(app.url(&format!("/api/v1/connections/{id}/test"))),
        api.patch(app.url(&format!("/api/v1/connections/{id}"))).json(&json!({"label":"mine"})),
        api.delete(app.url(&format!("/api/v1/connections/{id}"))),
        api.post(app.url(&format!("/api/v1/connections/{id}/reconnect"))),
    ];
    for req in attempts {
        let resp = req.bearer_auth(&alpha).send().await?;
        ensure!(resp.status() == 404, "cross-tenant API call: {}", resp.status());
    }
    for path in
        [format!("/connections/{id}"), format!("/connections/{id}/delete"), format!("/connections/{id}/reconnect")]
    {
        ensure!(alpha_browser.get(&path).await?.status == 404, "GET {path}");
    }
    for action in ["test", "rename", "limit", "toggle", "delete"] {
        let fields = [("label", "mine"), ("max_concurrent_runs", "1")];
        let page = alpha_browser.submit("/connections", &format!("/connections/{id}/{action}"), &fields).await?;
        ensure!(page.status == 404, "POST {action}: {}", page.status);
    }
    let tenant = app.store().tenant_by_slug("beta").await?;
    let c = app.store().tenant(&tenant.id).connection(&id).await?;
    ensure!(c.label == "Beta Stripe" && c.status.as_str() == "active" && c.max_concurrent_runs.is_none(), "{c:?}");
    app.stop().await
}
