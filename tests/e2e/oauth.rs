//! OAuth sign-in against `hitch sandbox`: in the browser and through the API, declined and
//! broken sign-ins, refreshing once across processes, a revoked grant.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch_tests::oauth::{consent, path_and_query};
use hitch_tests::{Browser, TestApp};
use serde_json::{Value, json};

use crate::connections::sandbox;

/// Starts a sign-in through the API; returns (connection id, authorize URL).
async fn start_api_flow(app: &TestApp, token: &str, provider: &str) -> anyhow::Result<(String, String)> {
    let resp = app
        .api()
        .post(app.url("/api/v1/connections"))
        .bearer_auth(token)
        .json(&json!({"provider": provider, "label": provider}))
        .send()
        .await?;
    ensure!(resp.status() == 201, "start {provider}: {}", resp.status());
    let body: Value = resp.json().await?;
    ensure!(body["connection"]["status"] == "pending", "{body}");
    Ok((
        body["connection"]["id"].as_str().context("id")?.into(),
        body["authorize_url"].as_str().context("authorize_url")?.into(),
    ))
}

async fn connection(app: &TestApp, token: &str, id: &str) -> anyhow::Result<Value> {
    Ok(app.api().get(app.url(&format!("/api/v1/connections/{id}"))).bearer_auth(token).send().await?.json().await?)
}

/// A complete API-started sign-in; returns the connection id.
pub async fn connect_via_api(app: &TestApp, token: &str, provider: &str) -> anyhow::Result<String> {
    let (id, authorize) = start_api_flow(app, token, provider).await?;
    let callback = consent(&authorize, "approve").await?;
    let done = Browser::new(&app.base).get(&path_and_query(&callback)?).await?;
    ensure!(
        done.status == 200 && done.contains("You can close this window"),
        "callback: {} {}",
        done.status,
        done.text_excerpt()
    );
    Ok(id)
}

pub async fn oauth_in_the_browser(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let page = owner.get("/connections/new/hubspot").await?;
    ensure!(page.contains("crm.objects.contacts.read"), "scopes not shown");
    let started = owner
        .submit("/connections/new/hubspot", "/connections/new/hubspot/oauth", &[("label", "HubSpot (sales)")])
        .await?;
    ensure!(started.status == 303, "start: {}", started.status);
    let authorize = started.location().context("no redirect to HubSpot")?.to_owned();
    ensure!(
        authorize.starts_with(&format!("{sandbox}/hubspot/oauth/authorize?")) && authorize.contains("state="),
        "{authorize}"
    );
    ensure!(authorize.contains("redirect_uri=") && authorize.contains("client_id=hitch-sandbox-client"), "{authorize}");

    let callback = consent(&authorize, "approve").await?;
    ensure!(callback.starts_with(&format!("{}/oauth/callback?", app.base)), "{callback}");
    let back = owner.get(&path_and_query(&callback)?).await?;
    ensure!(back.status == 303, "callback: {} {}", back.status, back.text_excerpt());
    let detail = owner.get(back.location().context("location")?).await?;
    ensure!(detail.contains("HubSpot (sales)") && detail.contains("HubSpot portal ID"), "{}", detail.text_excerpt());

    let tenant = app.store().tenant_by_slug("acme").await?;
    let list = app.store().tenant(&tenant.id).connections().await?;
    ensure!(list.len() == 1 && list[0].status.as_str() == "active" && !list[0].account_id.is_empty(), "{list:?}");
    ensure!(list[0].access_expires_at.is_some(), "expiry not recorded");

    // The same callback again is refused and changes nothing.
    let replay = owner.get(&path_and_query(&callback)?).await?;
    ensure!(
        replay.status == 400 && replay.contains("already completed"),
        "replay: {} {}",
        replay.status,
        replay.text_excerpt()
    );
    ensure!(app.store().tenant(&tenant.id).connections().await?.len() == 1, "replay changed connections");
    app.stop().await
}

pub async fn oauth_started_through_the_api_needs_no_session(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    for provider in ["xero", "quickbooks", "salesforce", "square", "mailchimp", "outlook", "google_calendar"] {
        let id = connect_via_api(&app, &token, provider).await.with_context(|| provider.to_owned())?;
        let c = connection(&app, &token, &id).await?;
        ensure!(c["status"] == "active" && !c["account_id"].as_str().unwrap_or_default().is_empty(), "{provider}: {c}");
    }
    app.stop().await
}

pub async fn broken_sign_ins_leave_nothing_behind(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let anon = Browser::new(&app.base);

    // Declined at the provider.
    let (_, authorize) = start_api_flow(&app, &token, "xero").await?;
    let denied = anon.get(&path_and_query(&consent(&authorize, "deny").await?)?).await?;
    ensure!(
        denied.status == 400 && denied.contains("Access was not granted"),
        "deny: {} {}",
        denied.status,
        denied.text_excerpt()
    );

    // Unknown and missing state.
    let forged = anon.get("/oauth/callback?code=abc&state=forged").await?;
    ensure!(forged.status == 400 && forged.contains("Start again"), "forged state: {}", forged.status);
    ensure!(anon.get("/oauth/callback?code=abc").await?.status == 400, "missing state");

    // The token endpoint fails in three ways.
    let control = reqwest::Client::new();
    for kind in ["500", "garbage", "timeout"] {
        let fault = json!({"provider":"xero","endpoint":"token","kind":kind,"count":1});
        control.post(format!("{sandbox}/_sandbox/faults")).json(&fault).send().await?.error_for_status()?;
        let (_, authorize) = start_api_flow(&app, &token, "xero").await?;
        let page = anon.get(&path_and_query(&consent(&authorize, "approve").await?)?).await?;
        ensure!(page.status == 400 && page.contains("Xero"), "{kind}: {} {}", page.status, page.text_excerpt());
        let expected = match kind {
            "500" => "HTTP 500",
            "garbage" => "could not use",
            _ => "did not answer in time",
        };
        ensure!(page.contains(expected), "{kind}: {}", page.text_excerpt());
    }
    let list: Value = app.api().get(app.url("/api/v1/connections")).bearer_auth(&token).send().await?.json().await?;
    ensure!(list["connections"].as_array().is_some_and(Vec::is_empty), "half-made connections left: {list}");
    let tenant = app.store().tenant_by_slug("acme").await?;
    let all = app.store().tenant(&tenant.id).connections().await?;
    ensure!(all.is_empty(), "{all:?}");
    app.stop().await
}

pub async fn tokens_refresh_once_across_processes(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let first = app.with_sandbox(&sandbox).await?;
    let second = first.with_sandbox(&sandbox).await?;
    first.signup("Acme", "owner@acme.test").await?;
    let token = first.token("acme", Role::Admin).await?;
    let control = reqwest::Client::new();
    // Tokens that expire inside the refresh-early window, then long-lived ones.
    control
        .post(format!("{sandbox}/_sandbox/oauth/xero/settings"))
        .json(&json!({"access_token_ttl_secs": 60}))
        .send()
        .await?
        .error_for_status()?;
    let id = connect_via_api(&first, &token, "xero").await?;
    control
        .post(format!("{sandbox}/_sandbox/oauth/xero/settings"))
        .json(&json!({"access_token_ttl_secs": 3600}))
        .send()
        .await?
        .error_for_status()?;

    // Eight checks at once, split over both processes: each wants a fresh token first.
    let mut running = Vec::new();
    for i in 0..8 {
        let app = if i % 2 == 0 { &first } else { &second };
        let request = app.api().post(app.url(&format!("/api/v1/connections/{id}/test"))).bearer_auth(&token);
        running.push(tokio::spawn(async move { request.send().await }));
    }
    for handle in running {
        let body: Value = handle.await??.json().await?;
        ensure!(body["ok"] == true, "{body}");
    }
    let stats: Value = control.get(format!("{sandbox}/_sandbox/oauth/xero/stats")).send().await?.json().await?;
    ensure!(stats["token_requests"]["refresh_token"] == 1, "refreshed more than once: {stats}");
    ensure!(stats["refresh_reuse_rejected"] == 0, "{stats}");
    let c = connection(&first, &token, &id).await?;
    ensure!(c["status"] == "active", "{c}");
    second.stop().await?;
    first.stop().await
}

pub async fn revoked_grant_needs_reconnect(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let id = connect_via_api(&app, &token, "hubspot").await?;
    reqwest::Client::new().post(format!("{sandbox}/_sandbox/oauth/hubspot/revoke")).send().await?.error_for_status()?;

    let tested: Value = app
        .api()
        .post(app.url(&format!("/api/v1/connections/{id}/test")))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    ensure!(tested["ok"] == false && tested["status"] == "needs_reauth", "{tested}");
    let c = connection(&app, &token, &id).await?;
    ensure!(c["status_reason"].as_str().is_some_and(|r| r.contains("HubSpot") && r.contains("Reconnect")), "{c}");
    let tenant = app.store().tenant_by_slug("acme").await?;
    let events = app.store().tenant(&tenant.id).connection_events(&id, 10).await?;
    ensure!(events.iter().any(|e| e.kind == "needs_reauth"), "{events:?}");
    let page = owner.get(&format!("/connections/{id}")).await?;
    ensure!(
        page.contains("Reconnect") && page.contains(&format!("/connections/{id}/reconnect")),
        "no reconnect button"
    );
    let list = owner.get("/connections").await?;
    ensure!(list.contains("Needs reconnect") || list.contains("needs reconnect"), "list does not say needs reconnect");

    // Reconnecting through the API brings it back.
    let resp: Value = app
        .api()
        .post(app.url(&format!("/api/v1/connections/{id}/reconnect")))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let authorize = resp["authorize_url"].as_str().context("authorize_url")?;
    let done = Browser::new(&app.base).get(&path_and_query(&consent(authorize, "approve").await?)?).await?;
    ensure!(done.status == 200, "reconnect callback: {} {}", done.status, done.text_excerpt());
    let c = connection(&app, &token, &id).await?;
    ensure!(c["status"] == "active" && c["status_reason"] == "", "{c}");
    app.stop().await
}

pub async fn static_tokens_are_taken_like_api_keys(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let body = json!({"provider":"hubspot","label":"HubSpot private app","credentials":{"access_token":"pat-sandbox-na1-0000-1111"}});
    let resp = app.api().post(app.url("/api/v1/connections")).bearer_auth(&token).json(&body).send().await?;
    ensure!(resp.status() == 201, "{}", resp.status());
    let created: Value = resp.json().await?;
    ensure!(created["connection"]["status"] == "active" && created["authorize_url"].is_null(), "{created}");
    ensure!(created["connection"]["access_token_expires_at"].is_null(), "a static token got an expiry");
    app.stop().await
}

pub async fn a_token_ended_early_is_refreshed_once_after_401(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let id = connect_via_api(&app, &token, "hubspot").await?;
    // The provider's clock jumps two hours: it ends the access token that Hitch still
    // believes valid for an hour, so the check gets a 401.
    let control = reqwest::Client::new();
    control
        .post(format!("{sandbox}/_sandbox/clock/advance"))
        .json(&json!({"secs": 7200}))
        .send()
        .await?
        .error_for_status()?;
    let tested: Value = app
        .api()
        .post(app.url(&format!("/api/v1/connections/{id}/test")))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    ensure!(tested["ok"] == true && tested["status"] == "active", "{tested}");
    let stats: Value = control.get(format!("{sandbox}/_sandbox/oauth/hubspot/stats")).send().await?.json().await?;
    ensure!(stats["token_requests"]["refresh_token"] == 1, "{stats}");
    let tenant = app.store().tenant_by_slug("acme").await?;
    let events = app.store().tenant(&tenant.id).connection_events(&id, 10).await?;
    ensure!(events.iter().any(|e| e.kind == "refreshed"), "{events:?}");
    app.stop().await
}

pub async fn health_checks_find_revoked_grants(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let id = connect_via_api(&app, &token, "xero").await?;
    reqwest::Client::new().post(format!("{sandbox}/_sandbox/oauth/xero/revoke")).send().await?.error_for_status()?;
    // Checked at sign-in, so not due yet; a check round that counts anything older than now
    // stands in for fifteen minutes passing.
    ensure!(hitch::connections::health::check_due(&app.state).await == 0, "due right after sign-in");
    let later = hitch::storage::now_ms() + 1;
    let checked = hitch::connections::health::check_last_checked_before(&app.state, later).await;
    ensure!(checked == 1, "{checked} connections checked");
    let c = connection(&app, &token, &id).await?;
    ensure!(c["status"] == "needs_reauth" && c["last_check_ok"] == false, "{c}");
    ensure!(hitch::connections::health::check_due(&app.state).await == 0, "checked again at once");
    let tenant = app.store().tenant_by_slug("acme").await?;
    let events = app.store().tenant(&tenant.id).connection_events(&id, 5).await?;
    ensure!(events.iter().any(|e| e.kind == "needs_reauth"), "{events:?}");
    app.stop().await
}
