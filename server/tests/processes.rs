//! Three `hitch serve` processes share one PostgreSQL and 1,000 schedules (cron in three time
//! zones and fixed intervals, over ten workspaces) for several minutes of simulated time:
//! their scheduler clocks run `SCALE` times faster than the wall clock from one shared
//! anchor. Every due time of every schedule must be taken up exactly once (its own job, or
//! joining the recipe's run already waiting), and every job must run exactly once: no
//! duplicates, no misses. Real processes throughout; needs `HITCH_TEST_DATABASE_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::DateTime;
use hitch::schedule::Trigger;
use serde_json::{Value, json};
use support::{PgDatabase, Proc, free_port, log_tail, output, ready, scratch_dir, spawn, until};

const WORKSPACES: usize = 10;
const SCHEDULES_EACH: usize = 100;
const PROCESSES: usize = 3;
/// Scheduled milliseconds per real millisecond.
const SCALE: i64 = 4;
/// How long (simulated) the schedules are watched after the last one was saved.
const SPAN_MS: i64 = 4 * 60_000;
const INTERVALS: [u64; 3] = [180, 240, 300];

/// A spread of schedules: every two minutes, every four minutes on odd minutes, every three
/// minutes in a half-hour zone, and intervals on the epoch grid. Each fires once or twice in
/// the span; more would only make the test slower, not stricter.
fn trigger(i: usize) -> Value {
    match i % 4 {
        0 => json!({"kind": "cron", "expression": "*/2 * * * *", "time_zone": "UTC"}),
        1 => json!({"kind": "cron", "expression": "1-59/4 * * * *", "time_zone": "America/New_York"}),
        2 => json!({"kind": "cron", "expression": "*/3 * * * *", "time_zone": "Asia/Kolkata"}),
        _ => json!({"kind": "interval", "every_secs": INTERVALS[i / 4 % INTERVALS.len()]}),
    }
}

/// A due time taken up: recipe, due, job, joined, the job's status, its runs, its succeeded
/// runs, and when (wall clock) its run started.
type FireRow = (String, i64, String, i64, String, i64, i64, Option<i64>);

/// One workspace's API, spread over the three processes.
struct Workspace {
    bases: Arc<Vec<String>>,
    token: String,
    client: reqwest::Client,
}

impl Workspace {
    async fn post(&self, i: usize, path: &str, body: &Value) -> Value {
        let base = &self.bases[i % self.bases.len()];
        let response = self.client.post(format!("{base}{path}")).bearer_auth(&self.token).json(body).send().await;
        let response = response.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Connections to the sandbox's Stripe (empty) and HubSpot, then the schedules: runs read
    /// nothing and write nothing, since this test is about when and how often they happen.
    async fn schedules(self: Arc<Self>, n: usize) {
        let connect = |provider: &str, credentials: Value| json!({"provider": provider, "label": provider, "credentials": credentials});
        let stripe = self
            .post(0, "/api/v1/connections", &connect("stripe", json!({"api_key": "sk_test_sandbox_4242QWERTY9876"})))
            .await;
        let hubspot = self
            .post(1, "/api/v1/connections", &connect("hubspot", json!({"access_token": "pat-sandbox-processes-01"})))
            .await;
        let mut saving = tokio::task::JoinSet::new();
        for i in 0..n {
            let recipe = json!({
                "name": format!("schedule {i}"),
                "source_connection_id": stripe["connection"]["id"], "source_object": "customers",
                "destination_connection_id": hubspot["connection"]["id"], "destination_object": "contacts",
                "mapping": {"rules": [{"target": "email", "source": {"field": "email"}}]},
                "mode": "incremental", "upsert_key": "email", "trigger": trigger(i)
            });
            let me = self.clone();
            saving.spawn(async move { me.post(i, "/api/v1/recipes", &recipe).await });
            if saving.len() >= 4 {
                saving.join_next().await.unwrap().unwrap();
            }
        }
        while let Some(saved) = saving.join_next().await {
            saved.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_run_every_scheduled_job_exactly_once() {
    let Some(db) = PgDatabase::create("processes").await else { return };
    let dir = scratch_dir("processes");
    let sandbox_port = free_port();
    let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
    let mut sandbox = spawn(&dir, "sandbox", &[], &["sandbox", "--bind", &format!("127.0.0.1:{sandbox_port}")]);
    ready(&format!("{sandbox_url}/_sandbox/health")).await;
    let reset = reqwest::Client::new()
        .post(format!("{sandbox_url}/_sandbox/stripe/reset"))
        .json(&json!({"seed": 1, "counts": {"customers": 0}}))
        .send()
        .await;
    assert!(reset.unwrap().status().is_success());

    let anchor = chrono::Utc::now().timestamp_millis();
    let scheduled = |real_ms: i64| anchor + (real_ms - anchor) * SCALE;
    let env = vec![
        ("HITCH_DATABASE_URL", db.url.clone()),
        ("HITCH_MASTER_KEY", support::MASTER_KEY.to_owned()),
        ("HITCH_PROVIDERS_SANDBOX", sandbox_url.clone()),
        ("HITCH_SCHEDULER_TIME_SCALE", SCALE.to_string()),
        ("HITCH_SCHEDULER_TIME_ANCHOR_MS", anchor.to_string()),
        ("HITCH_WORKERS", "3".to_owned()),
        // A hundred recipes on one account every two minutes would be over HubSpot's real
        // quota; request budgets have their own tests, this one is about when runs happen.
        ("HITCH_PROVIDER_HUBSPOT_RATE_LIMIT", "off".to_owned()),
        ("HITCH_PROVIDER_STRIPE_RATE_LIMIT", "off".to_owned()),
    ];
    output(&dir, &env, &["migrate"]);
    let mut processes: Vec<Proc> = Vec::new();
    let mut bases = Vec::new();
    for n in 0..PROCESSES {
        let port = free_port();
        let mut own = env.clone();
        own.push(("HITCH_BIND", format!("127.0.0.1:{port}")));
        processes.push(spawn(&dir, &format!("serve-{n}"), &own, &["serve"]));
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    for base in &bases {
        ready(&format!("{base}/readyz")).await;
    }
    // Ten workspaces save their schedules at once, through all three processes, while the
    // schedulers already run.
    let bases = Arc::new(bases);
    let mut saving = tokio::task::JoinSet::new();
    for w in 0..WORKSPACES {
        output(&dir, &env, &["admin", "create-tenant", "--name", &format!("Workspace {w}")]);
        let slug = format!("workspace-{w}");
        let token = output(&dir, &env, &["admin", "create-token", "--tenant", &slug, "--name", "t"]);
        let workspace = Arc::new(Workspace { bases: bases.clone(), token, client: reqwest::Client::new() });
        saving.spawn(workspace.schedules(SCHEDULES_EACH));
    }
    while let Some(saved) = saving.join_next().await {
        saved.unwrap();
    }
    let saved_by = db.scalar("SELECT max(updated_at) FROM recipes").await;
    let end = scheduled(saved_by) + SPAN_MS;

    // What should happen, from each schedule and the time it was saved.
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let recipes: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT id, trigger, updated_at FROM recipes").fetch_all(&mut conn).await.unwrap();
    assert_eq!(recipes.len(), WORKSPACES * SCHEDULES_EACH);
    let mut expected: BTreeSet<(String, i64)> = BTreeSet::new();
    for (id, trigger, updated_at) in &recipes {
        let trigger: Trigger = serde_json::from_str(trigger).unwrap();
        let from = DateTime::from_timestamp_millis(scheduled(*updated_at)).unwrap();
        let to = DateTime::from_timestamp_millis(end).unwrap();
        expected.extend(trigger.due_between(from, to).into_iter().map(|due| (id.clone(), due.timestamp_millis())));
    }
    let expected_count = i64::try_from(expected.len()).unwrap();

    // Wait out the span (real time: SPAN_MS / SCALE) until every due time in it has been
    // taken up and its job has finished. Polling, with deadlines.
    let span_secs = u64::try_from(SPAN_MS / SCALE / 1000).unwrap();
    let settled = format!(
        "SELECT (SELECT count(*) FROM schedule_fires WHERE due_at <= {end})
              - (SELECT count(*) FROM schedule_fires f JOIN jobs j ON j.id = f.job_id
                 WHERE f.due_at <= {end} AND j.status <> 'done')"
    );
    until("every due time in the span to be run", span_secs + 240, async || {
        let overdue = scheduled(chrono::Utc::now().timestamp_millis()) > end;
        (overdue && db.scalar(&settled).await >= expected_count).then_some(())
    })
    .await;
    for (n, process) in processes.iter_mut().enumerate() {
        assert!(process.is_running(), "serve-{n} died: {}", log_tail(&dir, &format!("serve-{n}")));
        process.signal("TERM");
    }
    sandbox.signal("TERM");

    // What did happen: each due time's fire and job, and the runs of each job.
    let fires: Vec<FireRow> = sqlx::query_as(&format!(
        "SELECT f.recipe_id, f.due_at, f.job_id, f.joined, j.status,
                (SELECT count(*) FROM runs r WHERE r.job_id = j.id),
                (SELECT count(*) FROM runs r WHERE r.job_id = j.id AND r.status = 'succeeded'),
                (SELECT min(r.started_at) FROM runs r WHERE r.job_id = j.id)
         FROM schedule_fires f JOIN jobs j ON j.id = f.job_id WHERE f.due_at <= {end}"
    ))
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut happened: HashMap<(String, i64), usize> = HashMap::new();
    let mut joined = 0;
    for (recipe, due, job, was_joined, status, runs, succeeded, started) in &fires {
        *happened.entry((recipe.clone(), *due)).or_default() += 1;
        assert_eq!((status.as_str(), *runs, *succeeded), ("done", 1, 1), "job {job} did not run exactly once");
        // A due time is covered only by a run that started once it was due (a joined one
        // joined a run still waiting, never one already under way).
        assert!(scheduled(started.unwrap()) >= *due, "{job} started before due time {due}");
        joined += was_joined;
    }
    let jobs_run_twice =
        db.scalar("SELECT count(*) FROM (SELECT job_id FROM runs GROUP BY job_id HAVING count(*) > 1) d").await;
    let missed: Vec<_> = expected.iter().filter(|k| !happened.contains_key(*k)).collect();
    let unexpected: Vec<_> = happened.keys().filter(|k| !expected.contains(*k)).collect();
    let manual = db.scalar("SELECT count(*) FROM jobs WHERE trigger <> 'schedule'").await;
    eprintln!(
        "{} schedules, {} due times in {} simulated minutes: {} taken up ({joined} joined a waiting run), {} missed, {} unexpected, {jobs_run_twice} jobs run twice",
        recipes.len(),
        expected.len(),
        SPAN_MS / 60_000,
        fires.len(),
        missed.len(),
        unexpected.len()
    );
    assert!(missed.is_empty(), "missed {} due times, e.g. {:?}", missed.len(), missed.first());
    assert!(unexpected.is_empty(), "{} fires at times not due, e.g. {:?}", unexpected.len(), unexpected.first());
    assert_eq!(jobs_run_twice, 0, "a job ran twice");
    assert_eq!(manual, 0, "only the schedules queued runs");
    assert!(expected.len() >= recipes.len(), "the span is too short to prove anything");
    drop(conn);
    db.drop_it().await;
    std::fs::remove_dir_all(dir).unwrap();
}
