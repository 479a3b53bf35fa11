//! Health, readiness, metrics, several processes on one database, every page rendering.

use anyhow::ensure;
use hitch_tests::TestApp;
use serde_json::Value;

pub async fn health_readiness_and_metrics(app: TestApp) -> anyhow::Result<()> {
    let api = app.api();
    let health: Value = api.get(app.url("/healthz")).send().await?.json().await?;
    ensure!(health["status"] == "ok", "{health}");
    let ready = api.get(app.url("/readyz")).send().await?;
    ensure!(ready.status() == 200, "readyz: {}", ready.status());
    let ready: Value = ready.json().await?;
    let backend = format!("{:?}", app.store().backend()).to_lowercase();
    ensure!(ready["status"] == "ready" && ready["database"] == backend.as_str(), "{ready}");

    api.get(app.url("/login")).send().await?;
    let metrics = api.get(app.url("/metrics")).send().await?;
    ensure!(metrics.headers()["content-type"].to_str()?.starts_with("text/plain"), "metrics content type");
    let text = metrics.text().await?;
    ensure!(text.contains("hitch_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"), "{text}");
    ensure!(text.contains("hitch_http_request_duration_seconds_count"), "no latency histogram");
    for counter in ["hitch_queue_rounds_total", "hitch_jobs_claimed_total", "hitch_jobs_given_back_total"] {
        ensure!(text.contains(&format!("# TYPE {counter} counter\n{counter} ")), "no {counter}: {text}");
    }

    // Once the database is gone, readiness says so (and liveness does not care).
    app.store().close().await;
    let down = api.get(app.url("/readyz")).send().await?;
    ensure!(down.status() == 503, "readyz with the pool closed: {}", down.status());
    ensure!(api.get(app.url("/healthz")).send().await?.status() == 200, "healthz");
    Ok(())
}

pub async fn two_processes_share_one_database(app: TestApp) -> anyhow::Result<()> {
    let second = app.sibling(&[]).await?;
    let browser = app.signup("Acme", "owner@acme.test").await?;
    // The session made by the first process is honoured by the second (sessions live in the
    // database), and what one process writes the other reads.
    let page = hitch_tests::Browser::new(&second.base);
    ensure!(page.login("owner@acme.test", hitch_tests::PASSWORD).await?.status == 303, "sign-in on the second process");
    let invited = browser
        .submit("/settings/members", "/settings/members/invite", &[("email", "new@acme.test"), ("role", "viewer")])
        .await?;
    ensure!(invited.status == 201, "invite: {}", invited.status);
    let members_on_second = page.get("/settings/members").await?;
    ensure!(members_on_second.contains("new@acme.test"), "second process does not see the invitation");
    second.stop().await
}

pub async fn pages_render_for_every_section(app: TestApp) -> anyhow::Result<()> {
    let browser = app.signup("Acme", "owner@acme.test").await?;
    for (path, heading) in [
        ("/overview", "Overview"),
        ("/connections", "Connections"),
        ("/recipes", "Recipes"),
        ("/runs", "Runs"),
        ("/errors", "Errors"),
        ("/alerts", "Alerts"),
        ("/settings", "Settings"),
        ("/settings/members", "Members"),
    ] {
        let page = browser.get(path).await?;
        ensure!(page.status == 200, "{path}: {}", page.status);
        ensure!(page.contains(&format!("<title>{heading} · Hitch</title>")), "{path}: title");
        ensure!(page.contains("aria-current=\"page\""), "{path}: no current nav item");
        ensure!(page.contains("name=\"csrf\""), "{path}: no form token");
    }
    let css = app.api().get(app.url("/assets/hitch.css")).send().await?;
    ensure!(css.status() == 200 && css.headers()["content-type"].to_str()?.starts_with("text/css"), "stylesheet");
    let etag = css.headers()["etag"].to_str()?.to_owned();
    let cached = app.api().get(app.url("/assets/hitch.css")).header("if-none-match", etag).send().await?;
    ensure!(cached.status() == 304, "conditional GET: {}", cached.status());
    Ok(())
}
