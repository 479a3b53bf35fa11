//! Killing `hitch serve` in the middle of a run loses nothing and duplicates nothing: after a
//! restart the run shows as interrupted, the next run completes, and the destination holds
//! every record exactly once. Real processes (the binary, `hitch sandbox`) and a real
//! PostgreSQL destination; needs `HITCH_TEST_DATABASE_URL`.

// A test binary: failing loudly on the spot is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_hitch");
const KEY: &str = "aGl0Y2gtdGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODk=";
const CONTACTS: i64 = 3000;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn(dir: &Path, env: &[(&str, String)], args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("HITCH_DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn output(dir: &Path, env: &[(&str, String)], args: &[&str]) -> String {
    let out =
        Command::new(BIN).args(args).current_dir(dir).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn until<T>(what: &str, secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn ready(url: &str) {
    until(url, 20, async || reqwest::get(url).await.ok().filter(|r| r.status() == 200).map(|_| ())).await;
}

async fn rows(dest: &str, sql: &str) -> i64 {
    let pool = sqlx::PgPool::connect(dest).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn a_killed_run_loses_nothing_and_duplicates_nothing() {
    let Ok(admin) = std::env::var("HITCH_TEST_DATABASE_URL") else {
        eprintln!("note: crash test SKIPPED: set HITCH_TEST_DATABASE_URL to run it");
        return;
    };
    let dir = std::env::temp_dir().join(format!("hitch-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("hitch_crash_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut conn).await.unwrap();
    let dest = format!("{}/{db}", &admin[..admin.rfind('/').unwrap()]);
    let pool = sqlx::PgPool::connect(&dest).await.unwrap();
    sqlx::raw_sql("CREATE TABLE contacts_copy (hubspot_id text PRIMARY KEY, email text, full_name text NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let (sandbox_port, port) = (free_port(), free_port());
    let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
    let mut sandbox = spawn(&dir, &[], &["sandbox", "--bind", &format!("127.0.0.1:{sandbox_port}")]);
    ready(&format!("{sandbox_url}/_sandbox/health")).await;
    let control = reqwest::Client::new();
    control
        .post(format!("{sandbox_url}/_sandbox/hubspot/reset"))
        .json(&json!({"seed": 5, "counts": {"contacts": CONTACTS}}))
        .send()
        .await
        .unwrap();
    // Slow pages, so the run is surely in the middle when it is killed.
    control
        .post(format!("{sandbox_url}/_sandbox/hubspot/settings"))
        .json(&json!({"latency_ms": 40}))
        .send()
        .await
        .unwrap();

    let env = vec![
        ("HITCH_BIND", format!("127.0.0.1:{port}")),
        ("HITCH_MASTER_KEY", KEY.to_owned()),
        ("HITCH_PROVIDERS_SANDBOX", sandbox_url.clone()),
        ("HITCH_RUN_HEARTBEAT_TIMEOUT_SECS", "2".to_owned()),
    ];
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn(&dir, &env, &["serve"]);
    ready(&format!("{base}/readyz")).await;
    output(&dir, &env, &["admin", "create-tenant", "--name", "Acme"]);
    let token = output(&dir, &env, &["admin", "create-token", "--tenant", "acme", "--name", "t"]);
    let api = reqwest::Client::new();
    let post = |path: &str, body: Value| api.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send();
    let hubspot: Value = post(
        "/api/v1/connections",
        json!({"provider":"hubspot","label":"hs","credentials":{"access_token":"pat-sandbox-crash"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let postgres: Value =
        post("/api/v1/connections", json!({"provider":"postgres","label":"pg","credentials":{"url": dest}}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let recipe: Value = post(
        "/api/v1/recipes",
        json!({
            "name": "crash", "source_connection_id": hubspot["connection"]["id"], "source_object": "contacts",
            "destination_connection_id": postgres["connection"]["id"], "destination_object": "contacts_copy",
            "mapping": {"rules": [
                {"target": "hubspot_id", "source": {"field": "_id"}},
                {"target": "email", "source": {"field": "email"}},
                {"target": "full_name", "source": {"template": "{{firstname}} {{lastname}}"}, "default": "-"}
            ]},
            "mode": "incremental", "upsert_key": "hubspot_id"
        }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let recipe_id = recipe["id"].as_str().unwrap_or_else(|| panic!("recipe: {recipe}")).to_owned();
    let started: Value =
        post(&format!("/api/v1/recipes/{recipe_id}/run"), json!({})).await.unwrap().json().await.unwrap();
    let first_run = started["run_id"].as_str().unwrap().to_owned();

    // Kill it (SIGKILL: no goodbye) once some but not all records are in the destination.
    let written = until("the first writes", 30, async || {
        let n = rows(&dest, "SELECT count(*) FROM contacts_copy").await;
        (n >= 300).then_some(n)
    })
    .await;
    Command::new("kill").args(["-KILL", &server.id().to_string()]).status().unwrap();
    server.wait().unwrap();
    let at_kill = rows(&dest, "SELECT count(*) FROM contacts_copy").await;
    assert!(at_kill < CONTACTS, "the run finished before it could be killed ({written} rows)");

    // Restart: once the dead worker's lease runs out, its job is taken up again by itself (a
    // new attempt with a new run record) and completes; nobody has to press anything.
    control
        .post(format!("{sandbox_url}/_sandbox/hubspot/settings"))
        .json(&json!({"latency_ms": 0}))
        .send()
        .await
        .unwrap();
    let mut server = spawn(&dir, &env, &["serve"]);
    ready(&format!("{base}/readyz")).await;
    let done = until("the job's next attempt to finish", 60, async || {
        let runs: Value = api
            .get(format!("{base}/api/v1/runs?recipe_id={recipe_id}"))
            .bearer_auth(&token)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        runs["runs"].as_array()?.iter().find(|r| r["id"] != first_run.as_str() && r["status"] == "succeeded").cloned()
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let first: Value = api
        .get(format!("{base}/api/v1/runs/{first_run}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "interrupted", "{first}");

    assert_eq!(rows(&dest, "SELECT count(*) FROM contacts_copy").await, CONTACTS, "records lost");
    assert_eq!(rows(&dest, "SELECT count(DISTINCT hubspot_id) FROM contacts_copy").await, CONTACTS);
    let c = &done["counts"];
    assert_eq!(c["read"], CONTACTS, "{done}");
    // Records written before the kill are unchanged now (or updated if their link was lost).
    assert_eq!(
        c["created"].as_i64().unwrap() + c["updated"].as_i64().unwrap() + c["unchanged"].as_i64().unwrap(),
        CONTACTS,
        "{done}"
    );
    assert!(c["unchanged"].as_i64().unwrap() >= at_kill - 100, "the restart rewrote what was already there: {done}");

    for child in [&mut server, &mut sandbox] {
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        child.wait().unwrap();
    }
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut conn).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
