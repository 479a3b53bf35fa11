//! Secrets at rest and in logs, and master-key rotation while servers run.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch::secrets::{Keyring, MasterKey};
use hitch_tests::{TEST_MASTER_KEY, TestApp};
use serde_json::{Value, json};

use crate::connections::{STRIPE_KEY, sandbox};
use crate::log_capture;

/// Every byte of the database, as text: the SQLite files, or every PostgreSQL table row.
async fn database_dump(app: &TestApp) -> anyhow::Result<String> {
    if app.db_url().starts_with("sqlite:") {
        let path = app.db_url().trim_start_matches("sqlite://").split('?').next().unwrap_or_default().to_owned();
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                all.extend(bytes);
            }
        }
        ensure!(!all.is_empty(), "no database file at {path}");
        return Ok(String::from_utf8_lossy(&all).into_owned());
    }
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(app.db_url()).await?;
    let tables: Vec<(String,)> = sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
        .fetch_all(&mut conn)
        .await?;
    let mut dump = String::new();
    for (table,) in tables {
        let rows: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT row_to_json(t)::text FROM {table} t")).fetch_all(&mut conn).await?;
        dump.extend(rows.into_iter().map(|(r,)| r));
    }
    Ok(dump)
}

pub async fn no_secret_in_the_database_or_the_logs(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let app = app.with_sandbox(&sandbox).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    let body = json!({"provider":"stripe","label":"Stripe","credentials":{"api_key": STRIPE_KEY}});
    let created: Value =
        app.api().post(app.url("/api/v1/connections")).bearer_auth(&token).json(&body).send().await?.json().await?;
    ensure!(created["connection"]["status"] == "active", "{created}");
    let id = crate::oauth::connect_via_api(&app, &token, "xero").await?;
    // The sandbox's tokens for this grant, to look for them too.
    let tenant = app.store().tenant_by_slug("acme").await?;
    let connection = app.store().tenant(&tenant.id).connection(&id).await?;
    let creds = hitch::connections::credentials::Credentials::open(&app.state.secrets, &connection)?;
    let oauth = creds.token().context("no token")?;
    let secrets = [
        STRIPE_KEY,
        "QWERTY9876",
        oauth.access_token.as_str(),
        oauth.refresh_token.as_deref().unwrap_or("-"),
        token.as_str(),
    ];

    let dump = database_dump(&app).await?;
    ensure!(dump.contains("acct_1HitchSandbox000"), "the dump does not look like the database");
    for secret in secrets {
        ensure!(!dump.contains(secret), "a secret is stored in plaintext ({} chars)", secret.len());
    }
    let logs = log_capture::text();
    ensure!(logs.contains("connection"), "no logs were captured, so nothing was checked");
    for secret in secrets {
        ensure!(!logs.contains(secret), "a secret appears in the logs ({} chars)", secret.len());
    }
    app.stop().await
}

pub async fn credentials_survive_key_rotation(app: TestApp) -> anyhow::Result<()> {
    let (sandbox, _guard) = sandbox().await?;
    let old_server = app.with_sandbox(&sandbox).await?;
    old_server.signup("Acme", "owner@acme.test").await?;
    let token = old_server.token("acme", Role::Admin).await?;
    let body = json!({"provider":"stripe","label":"Stripe","credentials":{"api_key": STRIPE_KEY}});
    let created: Value = old_server
        .api()
        .post(old_server.url("/api/v1/connections"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let id = created["connection"]["id"].as_str().context("id")?.to_owned();

    // Step 1 of a rotation: servers restart knowing the new key and, as previous, the old one.
    let new_key = "aGl0Y2gtdGVzdC1yb3RhdGVkLWtleS0wMTIzNDU2Nzg=";
    let new_server = old_server
        .sibling(&[
            ("HITCH_PROVIDERS_SANDBOX", sandbox.as_str()),
            ("HITCH_MASTER_KEY", new_key),
            ("HITCH_PREVIOUS_MASTER_KEYS", TEST_MASTER_KEY),
        ])
        .await?;
    let test =
        |app: &TestApp| app.api().post(app.url(&format!("/api/v1/connections/{id}/test"))).bearer_auth(&token).send();
    let before: Value = test(&new_server).await?.json().await?;
    ensure!(before["ok"] == true, "the new server cannot read old ciphertexts: {before}");

    // Step 2: re-encrypt everything under the new key, online.
    let ring = Keyring::new(MasterKey::from_base64(new_key)?, vec![MasterKey::from_base64(TEST_MASTER_KEY)?]);
    let report = hitch::connections::rotation::reencrypt_all(new_server.store(), &ring).await?;
    ensure!(report.reencrypted == 1 && report.remaining == 0 && report.unreadable.is_empty(), "{report:?}");
    let rows = new_server.store().sealed_credentials().await?;
    ensure!(
        rows.iter()
            .all(|r| r.key_id == ring.current_key_id()
                && r.sealed.starts_with(&format!("v1:{}:", ring.current_key_id()))),
        "rows not under the new key"
    );
    let after: Value = test(&new_server).await?.json().await?;
    ensure!(after["ok"] == true, "after rotation: {after}");
    // A server that was never given the new key can no longer open them, and says so.
    let stale: Value = test(&old_server).await?.json().await?;
    ensure!(
        stale["ok"] == false && stale["message"].as_str().is_some_and(|m| m.contains("stored credentials")),
        "{stale}"
    );
    new_server.stop().await?;
    old_server.stop().await
}
