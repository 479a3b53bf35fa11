//! Killing a process in the middle of a run loses nothing and duplicates nothing: the dead
//! worker's job is taken up again (by a restarted `hitch serve`, or by another `hitch worker`
//! on the same PostgreSQL), the interrupted run says so, the next attempt completes, and the
//! destination holds every record exactly once. Stopping one gracefully (SIGTERM) lets its
//! run finish and settles the job before the exit. Real processes (the binary, `hitch sandbox`)
//! and a real PostgreSQL destination; needs `HITCH_TEST_DATABASE_URL`.

// A test binary: failing loudly on the spot is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::{PgDatabase, Proc, free_port, output, ready, scratch_dir, spawn, until};

const CONTACTS: i64 = 3000;

/// A sandbox with slow HubSpot pages, a destination table, and what Hitch needs to know.
struct Fixture {
    dir: PathBuf,
    dest: PgDatabase,
    sandbox: Proc,
    sandbox_url: String,
    /// Environment for every `hitch` process of the test (without the bind address).
    env: Vec<(&'static str, String)>,
}

impl Fixture {
    async fn new(test: &str, hitch_database: Option<&str>) -> Option<Fixture> {
        let dest = PgDatabase::create(test).await?;
        let pool = sqlx::PgPool::connect(&dest.url).await.unwrap();
        sqlx::raw_sql("CREATE TABLE contacts_copy (hubspot_id text PRIMARY KEY, email text, full_name text NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let dir = scratch_dir(test);
        let sandbox_port = free_port();
        let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
        let sandbox = spawn(&dir, "sandbox", &[], &["sandbox", "--bind", &format!("127.0.0.1:{sandbox_port}")]);
        ready(&format!("{sandbox_url}/_sandbox/health")).await;
        let mut fixture = Fixture {
            dir,
            dest,
            sandbox,
            sandbox_url: sandbox_url.clone(),
            env: vec![
                ("HITCH_MASTER_KEY", support::MASTER_KEY.to_owned()),
                ("HITCH_PROVIDERS_SANDBOX", sandbox_url),
                ("HITCH_RUN_HEARTBEAT_TIMEOUT_SECS", "2".to_owned()),
            ],
        };
        if let Some(url) = hitch_database {
            fixture.env.push(("HITCH_DATABASE_URL", url.to_owned()));
        }
        fixture.control("/_sandbox/hubspot/reset", json!({"seed": 5, "counts": {"contacts": CONTACTS}})).await;
        // Slow pages, so the run is surely in the middle when it is killed.
        fixture.control("/_sandbox/hubspot/settings", json!({"latency_ms": 40})).await;
        Some(fixture)
    }

    async fn control(&self, path: &str, body: Value) {
        let response = reqwest::Client::new().post(format!("{}{path}", self.sandbox_url)).json(&body).send().await;
        assert!(response.unwrap().status().is_success(), "sandbox {path}");
    }

    fn env_with(&self, extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        self.env.iter().chain(extra).cloned().collect()
    }

    async fn rows(&self) -> i64 {
        self.dest.scalar("SELECT count(*) FROM contacts_copy").await
    }

    /// Stops `processes` and the sandbox, and removes what the test made.
    async fn finish(self, mut processes: Vec<Proc>) {
        let Fixture { dir, dest, sandbox, .. } = self;
        processes.push(sandbox);
        for process in &mut processes {
            process.signal("TERM");
        }
        dest.drop_it().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// The Hitch side: an API client for one workspace, with a HubSpot-to-PostgreSQL recipe.
struct Api {
    base: String,
    token: String,
    recipe: String,
    client: reqwest::Client,
}

impl Api {
    async fn new(dir: &Path, env: &[(&str, String)], base: String, dest_url: &str) -> Api {
        output(dir, env, &["admin", "create-tenant", "--name", "Acme"]);
        let token = output(dir, env, &["admin", "create-token", "--tenant", "acme", "--name", "t"]);
        let mut api = Api { base, token, recipe: String::new(), client: reqwest::Client::new() };
        let hubspot = api
            .post(
                "/api/v1/connections",
                json!({"provider":"hubspot","label":"hs","credentials":{"access_token":"pat-sandbox-crash"}}),
            )
            .await;
        let postgres = api
            .post("/api/v1/connections", json!({"provider":"postgres","label":"pg","credentials":{"url": dest_url}}))
            .await;
        let recipe = api
            .post(
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
            .await;
        api.recipe = recipe["id"].as_str().unwrap_or_else(|| panic!("recipe: {recipe}")).to_owned();
        api
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response =
            self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(&body).send().await;
        response.unwrap().json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Option<Value> {
        let response = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await;
        response.ok()?.json().await.ok()
    }

    /// Starts a run; returns its id.
    async fn run_now(&self) -> String {
        let started = self.post(&format!("/api/v1/recipes/{}/run", self.recipe), json!({})).await;
        started["run_id"].as_str().unwrap().to_owned()
    }

    /// Waits for a run other than `first` to succeed, then checks the whole story: the first
    /// run interrupted, every record in the destination exactly once, and what was written
    /// before the kill not written again.
    async fn prove_recovery(&self, fixture: &Fixture, first: &str, at_kill: i64) {
        let path = format!("/api/v1/runs?recipe_id={}", self.recipe);
        let done = until("the job's next attempt to finish", 60, async || {
            let runs = self.get(&path).await?;
            runs["runs"].as_array()?.iter().find(|r| r["id"] != first && r["status"] == "succeeded").cloned()
        })
        .await;
        let interrupted = self.get(&format!("/api/v1/runs/{first}")).await.unwrap();
        assert_eq!(interrupted["status"], "interrupted", "{interrupted}");

        assert_eq!(fixture.rows().await, CONTACTS, "records lost");
        assert_eq!(fixture.dest.scalar("SELECT count(DISTINCT hubspot_id) FROM contacts_copy").await, CONTACTS);
        let c = &done["counts"];
        assert_eq!(c["read"], CONTACTS, "{done}");
        // Records written before the kill are unchanged now (or updated if their link was lost).
        let settled =
            c["created"].as_i64().unwrap() + c["updated"].as_i64().unwrap() + c["unchanged"].as_i64().unwrap();
        assert_eq!(settled, CONTACTS, "{done}");
        assert!(c["unchanged"].as_i64().unwrap() >= at_kill - 100, "the retry rewrote what was already there: {done}");
    }
}

/// Waits until some but not all records are written: the run is surely in the middle.
async fn mid_run(fixture: &Fixture) {
    until("the first writes", 30, async || (fixture.rows().await >= 300).then_some(())).await;
}

/// One `hitch serve` on SQLite with the fixture's recipe, whose first run is halfway.
struct Serving {
    server: Proc,
    api: Api,
    /// The first run's id.
    first: String,
    env: Vec<(&'static str, String)>,
    base: String,
}

impl Serving {
    async fn mid_run(fixture: &Fixture) -> Serving {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let env = fixture.env_with(&[("HITCH_BIND", format!("127.0.0.1:{port}"))]);
        let server = spawn(&fixture.dir, "serve", &env, &["serve"]);
        ready(&format!("{base}/readyz")).await;
        let api = Api::new(&fixture.dir, &env, base.clone(), &fixture.dest.url).await;
        let first = api.run_now().await;
        mid_run(fixture).await;
        Serving { server, api, first, env, base }
    }

    /// A second `hitch serve` on the same database and port, once it is ready.
    async fn restart(&self, fixture: &Fixture) -> Proc {
        let server = spawn(&fixture.dir, "serve-again", &self.env, &["serve"]);
        ready(&format!("{}/readyz", self.base)).await;
        server
    }
}

#[tokio::test]
async fn a_killed_server_loses_nothing_and_duplicates_nothing() {
    let Some(fixture) = Fixture::new("crash_serve", None).await else { return };
    let mut serving = Serving::mid_run(&fixture).await;
    serving.server.signal("KILL");
    let at_kill = fixture.rows().await;
    assert!(at_kill < CONTACTS, "the run finished before it could be killed");

    // Restart: once the dead worker's lease runs out, its job is taken up again by itself (a
    // new attempt with a new run record) and completes; nobody has to press anything.
    fixture.control("/_sandbox/hubspot/settings", json!({"latency_ms": 0})).await;
    let server = serving.restart(&fixture).await;
    serving.api.prove_recovery(&fixture, &serving.first, at_kill).await;
    fixture.finish(vec![server]).await;
}

#[tokio::test]
async fn a_killed_worker_process_is_replaced_by_another() {
    let Some(hitch_db) = PgDatabase::create("crash_worker_hitch").await else { return };
    let Some(fixture) = Fixture::new("crash_worker", Some(&hitch_db.url)).await else { return };
    output(&fixture.dir, &fixture.env, &["migrate"]);
    // HTTP only (no workers) and two worker processes: the run can only happen in a worker.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = fixture.env_with(&[("HITCH_BIND", format!("127.0.0.1:{port}")), ("HITCH_WORKERS", "0".to_owned())]);
    let server = spawn(&fixture.dir, "serve", &env, &["serve"]);
    ready(&format!("{base}/readyz")).await;
    let mut workers: Vec<Proc> = ["worker-a", "worker-b"]
        .iter()
        .map(|n| spawn(&fixture.dir, n, &fixture.env, &["worker", "--workers", "1"]))
        .collect();
    let api = Api::new(&fixture.dir, &env, base, &fixture.dest.url).await;
    let first = api.run_now().await;

    mid_run(&fixture).await;
    // The lease names its process: `{pid}:{worker}`.
    let owner = until("the running job's lease", 10, async || {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&hitch_db.url).await.ok()?;
        let row: Option<(String,)> = sqlx::query_as("SELECT lease_owner FROM jobs WHERE status = 'running'")
            .fetch_optional(&mut conn)
            .await
            .ok()?;
        row.map(|(owner,)| owner)
    })
    .await;
    let pid: u32 = owner.split(':').next().unwrap().parse().unwrap();
    let victim = workers.iter().position(|w| w.id() == pid).unwrap_or_else(|| panic!("{owner} is not a worker"));
    workers.remove(victim).signal("KILL");
    let at_kill = fixture.rows().await;
    assert!(at_kill < CONTACTS, "the run finished before it could be killed");

    // The other worker takes the job once the lease runs out; no restart, nobody presses
    // anything.
    fixture.control("/_sandbox/hubspot/settings", json!({"latency_ms": 0})).await;
    api.prove_recovery(&fixture, &first, at_kill).await;
    let attempts = hitch_db.scalar("SELECT attempts FROM jobs").await;
    assert_eq!(attempts, 2, "one attempt killed, one completed");
    workers.push(server);
    fixture.finish(workers).await;
    hitch_db.drop_it().await;
}

/// SIGTERM in the middle of a run (graceful shutdown): the process stops claiming, lets the
/// run finish, settles its job before it exits, and nothing runs again after a restart.
#[tokio::test]
async fn a_stopped_server_finishes_its_run_and_settles_its_job() {
    let Some(fixture) = Fixture::new("graceful_serve", None).await else { return };
    let mut serving = Serving::mid_run(&fixture).await;
    serving.server.signal("TERM"); // returns once the process has exited
    assert_eq!(fixture.rows().await, CONTACTS, "the run did not finish before the process exited");
    let log = std::fs::read_to_string(fixture.dir.join("serve.log")).unwrap();
    assert!(log.contains("shutdown signal received"), "{}", support::log_tail(&fixture.dir, "serve"));

    // Settled before the exit: the job is done with no lease, so no worker takes it again.
    let server = serving.restart(&fixture).await;
    let Serving { api, first, .. } = &serving;
    let jobs = api.get("/api/v1/jobs").await.unwrap();
    let jobs = jobs["jobs"].as_array().unwrap();
    assert!(jobs.len() == 1 && jobs[0]["status"] == "done" && jobs[0]["attempts"] == 1, "{jobs:?}");
    let runs = api.get(&format!("/api/v1/runs?recipe_id={}", api.recipe)).await.unwrap();
    let runs = runs["runs"].as_array().unwrap();
    assert!(runs.len() == 1 && runs[0]["id"] == first.as_str() && runs[0]["status"] == "succeeded", "{runs:?}");
    fixture.finish(vec![server]).await;
}
