//! The connect flow against a second, independent OAuth server: `oauth2-mock-server` (npm)
//! stands in for Google, through the URL overrides; the account comes from its OpenID
//! Connect id_token.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch_tests::oauth::path_and_query;
use hitch_tests::{Browser, TestApp};
use serde_json::{Value, json};

use crate::node_peers::node_modules;

/// oauth2-mock-server on a free port, killed when dropped.
struct MockServer {
    child: tokio::process::Child,
    url: String,
}

impl MockServer {
    async fn start() -> anyhow::Result<MockServer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = tokio::process::Command::new("node")
            .arg(node_modules().join("oauth2-mock-server/dist/oauth2-mock-server.mjs"))
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start oauth2-mock-server")?;
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(resp) = client.get(format!("{url}/.well-known/openid-configuration")).send().await
                && resp.status().is_success()
            {
                return Ok(MockServer { child, url });
            }
            ensure!(tokio::time::Instant::now() < deadline, "oauth2-mock-server did not start within 15 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

pub async fn google_sign_in_against_oauth2_mock_server(app: TestApp) -> anyhow::Result<()> {
    let mock = MockServer::start().await?;
    let auth = format!("{}/authorize", mock.url);
    let token_url = format!("{}/token", mock.url);
    let app = app
        .sibling(&[
            ("HITCH_PROVIDER_GOOGLE_CALENDAR_AUTH_URL", auth.as_str()),
            ("HITCH_PROVIDER_GOOGLE_CALENDAR_TOKEN_URL", token_url.as_str()),
            ("HITCH_PROVIDER_GOOGLE_CALENDAR_CLIENT_ID", "hitch-google-client"),
            ("HITCH_PROVIDER_GOOGLE_CALENDAR_CLIENT_SECRET", "mock-secret"),
        ])
        .await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let resp = app
        .api()
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&token)
        .json(&json!({"provider":"google_calendar","label":"Team calendar"}))
        .send()
        .await?;
    ensure!(resp.status() == 201, "start: {}", resp.status());
    let body: Value = resp.json().await?;
    let authorize = body["authorize_url"].as_str().context("authorize_url")?;
    ensure!(
        authorize.starts_with(&auth)
            && authorize.contains("code_challenge_method=S256")
            && authorize.contains("access_type=offline"),
        "{authorize}"
    );

    // The mock server approves at once and redirects back to Hitch.
    let redirect =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?.get(authorize).send().await?;
    let callback = redirect.headers().get("location").and_then(|v| v.to_str().ok()).context("no redirect")?.to_owned();
    let done = Browser::new(&app.base).get(&path_and_query(&callback)?).await?;
    ensure!(done.status == 200 && done.contains("is connected"), "callback: {} {}", done.status, done.text_excerpt());

    let id = body["connection"]["id"].as_str().context("id")?;
    let c: Value =
        app.api().get(app.url(&format!("/api/v1/connections/{id}"))).bearer_auth(&token).send().await?.json().await?;
    ensure!(c["status"] == "active" && c["account_id"] == "johndoe", "{c}");
    ensure!(c["access_token_expires_at"].is_string(), "{c}");

    // The same through the UI: the admin's browser goes to the mock server and comes back
    // to the new connection's page.
    let owner = Browser::new(&app.base);
    owner.login("owner@acme.test", hitch_tests::PASSWORD).await?;
    let started = owner
        .submit(
            "/connections/new/google_calendar",
            "/connections/new/google_calendar/oauth",
            &[("label", "Calendar (UI)")],
        )
        .await?;
    let to_mock = started.location().context("no redirect to the OAuth server")?;
    ensure!(to_mock.starts_with(&auth), "{to_mock}");
    let back =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?.get(to_mock).send().await?;
    let callback = back.headers().get("location").and_then(|v| v.to_str().ok()).context("no redirect back")?.to_owned();
    let landed = owner.get(&path_and_query(&callback)?).await?;
    ensure!(
        landed.status == 303 && landed.location().is_some_and(|l| l.starts_with("/connections/")),
        "UI callback: {}",
        landed.status
    );
    let page = owner.get(landed.location().context("location")?).await?;
    ensure!(page.contains("Calendar (UI)") && page.contains("johndoe"), "{}", page.text_excerpt());
    app.stop().await
}
