//! Sign-up, sign-in, sign-out, throttling, CSRF and malformed input.

use anyhow::{Context, ensure};
use hitch_tests::{PASSWORD, TestApp, browser_encode as encode};

pub async fn signup_creates_workspace_and_owner(app: TestApp) -> anyhow::Result<()> {
    let browser = app.signup("Acme Corp", "Ada@Acme.test").await?;
    let overview = browser.get("/overview").await?;
    ensure!(overview.status == 200, "overview: {}", overview.status);
    ensure!(overview.contains("Acme Corp") && overview.contains("Welcome to Hitch"), "{}", overview.text_excerpt());

    let tenant = app.store().tenant_by_slug("acme-corp").await?;
    let scope = app.store().tenant(&tenant.id);
    let members = scope.members().await?;
    ensure!(
        members.len() == 1 && members[0].email == "ada@acme.test" && members[0].role.as_str() == "owner",
        "{members:?}"
    );
    let actions: Vec<String> = scope.audit_log(10).await?.into_iter().map(|e| e.action).collect();
    ensure!(actions.contains(&"tenant.created".into()) && actions.contains(&"auth.sign_in".into()), "{actions:?}");

    // The flash shows once.
    ensure!(!browser.get("/overview").await?.contains("Welcome to Hitch"), "flash shown twice");
    Ok(())
}

pub async fn signup_rejects_bad_input_and_writes_nothing(app: TestApp) -> anyhow::Result<()> {
    let browser = app.browser();
    let page = browser
        .submit("/signup", "/signup", &[("company", " "), ("email", "not-an-email"), ("password", "short")])
        .await?;
    ensure!(page.status == 422, "status {}", page.status);
    ensure!(page.contains("aria-invalid=\"true\""), "no field marked invalid");
    ensure!(page.contains("Enter an email address like name@example.com."), "{}", page.text_excerpt());
    ensure!(page.contains("at least 10 characters"), "password rule not shown");
    ensure!(!page.contains("short\""), "the password was echoed back");
    ensure!(app.store().list_tenants(10).await?.is_empty(), "a tenant was written");

    app.signup("Acme", "ada@acme.test").await?;
    let again = app
        .browser()
        .submit("/signup", "/signup", &[("company", "Other"), ("email", "ADA@acme.test"), ("password", PASSWORD)])
        .await?;
    ensure!(again.status == 409 && again.contains("already exists"), "duplicate email: {}", again.status);
    ensure!(app.store().list_tenants(10).await?.len() == 1, "the duplicate sign-up wrote a tenant");
    Ok(())
}

pub async fn sign_in_and_sign_out(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "ada@acme.test").await?;
    let browser = app.browser();
    let wrong = browser.login("ada@acme.test", "not the password").await?;
    ensure!(
        wrong.status == 401 && (wrong.contains("don&#x27;t match") || wrong.contains("don't match")),
        "wrong password: {}",
        wrong.status
    );

    let ok = browser.login("ada@acme.test", PASSWORD).await?;
    ensure!(ok.status == 303 && ok.location() == Some("/overview"), "sign-in: {} {:?}", ok.status, ok.location());
    let cookie =
        ok.headers.get("set-cookie").and_then(|v| v.to_str().ok()).context("no session cookie set")?.to_owned();
    ensure!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"),
        "cookie flags: {cookie}"
    );
    ensure!(browser.get("/overview").await?.status == 200, "signed-in overview");

    // Reading pages does not rewrite the session row each time (it did once: every page
    // view cost a database write).
    let session_id: tower_sessions::session::Id =
        cookie.split(';').next().and_then(|c| c.strip_prefix("hitch_session=")).context("cookie value")?.parse()?;
    let sessions = hitch::storage::SessionBackend::new(app.store().clone());
    use tower_sessions::SessionStore;
    let before = sessions.load(&session_id).await?.context("session not stored")?;
    for _ in 0..3 {
        browser.get("/overview").await?;
    }
    let after = sessions.load(&session_id).await?.context("session gone")?;
    ensure!(before.expiry_date == after.expiry_date && before.data == after.data, "page views rewrote the session");

    // Sign-in lands where the user was going, but only on a local path.
    let next_browser = app.browser();
    let page = next_browser.get("/login?next=/settings/members").await?;
    let csrf = page.csrf().context("csrf")?;
    let body =
        encode(&[("csrf", &csrf), ("email", "ada@acme.test"), ("password", PASSWORD), ("next", "//evil.example")]);
    let resp = next_browser.post_raw("/login", body).await?;
    ensure!(resp.location() == Some("/overview"), "open redirect: {:?}", resp.location());

    let out = browser.submit("/overview", "/logout", &[]).await?;
    ensure!(out.status == 303 && out.location() == Some("/login"), "sign-out: {}", out.status);
    let after = browser.get("/overview").await?;
    ensure!(
        after.status == 303 && after.location() == Some("/login?next=%2Foverview"),
        "after sign-out: {:?}",
        after.location()
    );

    // The old cookie is dead: its session row is gone.
    let session_value = cookie.split(';').next().unwrap_or_default().to_owned();
    let replay = app.api().get(app.url("/overview")).header("cookie", session_value).send().await?;
    ensure!(replay.status() == 303, "replayed session cookie still works: {}", replay.status());
    Ok(())
}

pub async fn failed_sign_ins_are_throttled_and_audited(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "ada@acme.test").await?;
    let browser = app.browser();
    for i in 0..5 {
        let page = browser.login("ada@acme.test", "wrong password!").await?;
        ensure!(page.status == 401, "attempt {i}: {}", page.status);
    }
    let locked = browser.login("ada@acme.test", PASSWORD).await?;
    ensure!(
        locked.status == 429 && locked.contains("Too many failed sign-in attempts"),
        "not throttled: {}",
        locked.status
    );
    // Another email from the same address still works: the per-email limit is what tripped.
    app.signup("Beta", "bob@beta.test").await?;

    let tenant = app.store().tenant_by_slug("acme").await?;
    let failures = app
        .store()
        .tenant(&tenant.id)
        .audit_log(50)
        .await?
        .into_iter()
        .filter(|e| e.action == "auth.sign_in_failed")
        .count();
    ensure!(failures == 5, "{failures} failed sign-ins in the audit log");

    let unknown = app.browser().login("nobody@nowhere.test", PASSWORD).await?;
    ensure!(unknown.status == 401, "unknown email: {}", unknown.status);
    let platform = app.store().platform_audit_log(10).await?;
    ensure!(
        platform.iter().any(|e| e.action == "auth.sign_in_failed" && e.actor == "nobody@nowhere.test"),
        "{platform:?}"
    );
    let metrics = app.api().get(app.url("/metrics")).send().await?.text().await?;
    ensure!(metrics.contains("hitch_sign_in_failures_total 7"), "metrics: {metrics}");
    Ok(())
}

pub async fn forms_without_a_valid_csrf_token_change_nothing(app: TestApp) -> anyhow::Result<()> {
    let browser = app.browser();
    browser.get("/signup").await?;
    let fields = [("company", "Acme"), ("email", "ada@acme.test"), ("password", PASSWORD)];
    let missing = browser.post_raw("/signup", encode(&fields)).await?;
    ensure!(missing.status == 403 && missing.contains("This form has expired"), "missing token: {}", missing.status);
    let mut forged = vec![("csrf", "forged-token")];
    forged.extend_from_slice(&fields);
    ensure!(browser.post_raw("/signup", encode(&forged)).await?.status == 403, "forged token accepted");
    ensure!(app.store().list_tenants(10).await?.is_empty(), "a tenant was written");

    // A token from another session is no good either.
    let owner = app.signup("Acme", "ada@acme.test").await?;
    let other = app.browser();
    let foreign = other.get("/login").await?.csrf().context("csrf")?;
    let body = encode(&[("csrf", &foreign), ("email", "eve@evil.test"), ("role", "owner")]);
    ensure!(owner.post_raw("/settings/members/invite", body).await?.status == 403, "foreign token accepted");
    let tenant = app.store().tenant_by_slug("acme").await?;
    ensure!(app.store().tenant(&tenant.id).open_invitations().await?.is_empty(), "an invitation was written");
    Ok(())
}

pub async fn malformed_and_oversized_forms_get_clear_4xx(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "ada@acme.test").await?;
    let csrf = owner.get("/settings").await?.csrf().context("csrf")?;
    let huge = format!("csrf={csrf}&name={}&time_zone=UTC", "a".repeat(70 * 1024));
    let page = owner.post_raw("/settings", huge).await?;
    ensure!(page.status == 413 && page.contains("Too much data"), "oversized: {}", page.status);

    let garbage = owner.post_raw("/settings", "%zz=%%%&&=".into()).await?;
    ensure!(garbage.status == 400 || garbage.status == 403, "garbage: {}", garbage.status);

    let bad_role = owner
        .post_raw(
            "/settings/members/invite",
            encode(&[("csrf", &csrf), ("email", "x@acme.test"), ("role", "superuser")]),
        )
        .await?;
    ensure!(bad_role.status == 400 && bad_role.contains("Choose a role"), "bad role: {}", bad_role.status);

    let bad_zone = owner
        .post_raw("/settings", encode(&[("csrf", &csrf), ("name", "Acme"), ("time_zone", "Mars/Olympus")]))
        .await?;
    ensure!(bad_zone.status == 422 && bad_zone.contains("Unknown time zone"), "bad zone: {}", bad_zone.status);

    let tenant = app.store().tenant_by_slug("acme").await?;
    ensure!(tenant.name == "Acme" && tenant.time_zone == "UTC", "settings changed: {tenant:?}");
    ensure!(app.store().tenant(&tenant.id).open_invitations().await?.is_empty(), "an invitation was written");

    let missing = owner.get("/no/such/page").await?;
    ensure!(missing.status == 404 && missing.contains("Not found"), "unknown path: {}", missing.status);
    Ok(())
}

pub async fn https_public_url_makes_cookies_secure(app: TestApp) -> anyhow::Result<()> {
    let https = app.sibling(&[("HITCH_PUBLIC_URL", "https://hitch.example")]).await?;
    let resp = https.api().get(https.url("/login")).send().await?;
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).context("no cookie")?;
    ensure!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "cookie flags: {cookie}");
    https.stop().await
}
