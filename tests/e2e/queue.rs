//! The job queue and the scheduler, on both backends: claims are exclusive under
//! concurrency, an expired lease is taken over, triggers coalesce, and three processes
//! ticking the same schedules enqueue every due time exactly once.

use std::collections::HashSet;

use anyhow::ensure;
use hitch::domain::{Email, TenantName};
use hitch::jobs::claimer::Claimer;
use hitch::storage::{Finish, RecipeInput, Store, TenantId, new_id};
use hitch_tests::TestApp;

pub async fn recipes(store: &Store, n: usize, trigger: &str) -> anyhow::Result<(TenantId, Vec<String>)> {
    let name = TenantName::parse("Queue").map_err(anyhow::Error::msg)?;
    let email = Email::parse(&format!("q{}@q.test", new_id())).map_err(anyhow::Error::msg)?;
    let (tenant, _) = store.create_tenant_with_owner(&name, &email, "h").await?;
    let ids = recipes_in(store, &tenant.id, n, trigger).await?;
    Ok((tenant.id, ids))
}

/// `n` recipes named r0, r1, … in a workspace, their ends left unconnected (the queue does
/// not look at them).
pub async fn recipes_in(store: &Store, tenant: &TenantId, n: usize, trigger: &str) -> anyhow::Result<Vec<String>> {
    recipes_between(store, tenant, n, trigger, ("none", "none")).await
}

/// `n` recipes from one connection to another.
async fn recipes_between(
    store: &Store,
    tenant: &TenantId,
    n: usize,
    trigger: &str,
    (source, destination): (&str, &str),
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for i in 0..n {
        let input = RecipeInput {
            name: format!("r{i}"),
            source_connection_id: source.into(),
            source_object: "x".into(),
            destination_connection_id: destination.into(),
            destination_object: "y".into(),
            mapping: "{\"rules\":[]}".into(),
            mode: "full".into(),
            delete_policy: "ignore".into(),
            upsert_key: String::new(),
            enabled: true,
            trigger: trigger.into(),
            scheduled: trigger.contains("interval") || trigger.contains("cron"),
        };
        let id = new_id();
        store.tenant(tenant).create_recipe(&id, &input, None).await?;
        ids.push(id);
    }
    Ok(ids)
}

pub async fn claims_are_exclusive_and_leases_expire(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 24, "{\"kind\":\"manual\"}").await?;
    for id in &ids {
        store.enqueue_recipe_run(&tenant, id, "manual", None, 5, None).await?;
    }
    // Six claimers at once, each until the queue is empty.
    let mut claimers = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        claimers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) = store.claim_job(&format!("w{w}"), 60_000).await? {
                got.push(job.id);
            }
            Ok::<_, anyhow::Error>(got)
        }));
    }
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await??);
    }
    // With SKIP LOCKED a claimer can find nothing while others hold rows; workers simply
    // look again. Take what is left, then check that no job was handed out twice.
    while let Some(job) = store.claim_job("late", 60_000).await? {
        all.push(job.id);
    }
    let unique: HashSet<&String> = all.iter().collect();
    ensure!(all.len() == 24 && unique.len() == 24, "{} claims, {} distinct", all.len(), unique.len());

    // A lease that runs out is taken over; the old owner can no longer renew it.
    let (tenant2, more) = recipes(&store, 1, "{\"kind\":\"manual\"}").await?;
    store.enqueue_recipe_run(&tenant2, &more[0], "manual", None, 5, None).await?;
    let first = store.claim_job("dying", 1).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = store.claim_job("heir", 60_000).await?.ok_or_else(|| anyhow::anyhow!("expired lease not reclaimed"))?;
    ensure!(again.id == first.id && again.attempts == 2, "{again:?}");
    ensure!(!store.renew_lease(&first.id, "dying", 60_000).await?, "the old owner renewed a lost lease");
    ensure!(store.renew_lease(&first.id, "heir", 60_000).await?, "the new owner cannot renew");
    Ok(())
}

/// A batch claim (the idle workers of a process together) deals jobs out across
/// workspaces, never hands a job out twice, and never takes a queued run of a recipe whose
/// earlier run is still running, even with an expired lease.
pub async fn batch_claims_share_out_workspaces_and_never_overlap(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let mut workspaces = Vec::new();
    for n in [10, 2, 2] {
        let (tenant, ids) = recipes(&store, n, "{\"kind\":\"manual\"}").await?;
        for id in &ids {
            store.enqueue_recipe_run(&tenant, id, "manual", None, 5, None).await?;
        }
        workspaces.push(tenant);
    }
    let first = store.claim_jobs("batch", 60_000, 4).await?;
    let tenants: HashSet<&TenantId> = first.iter().map(|j| &j.tenant_id).collect();
    ensure!(first.len() == 4 && tenants.len() == 3, "one workspace's backlog took the batch: {first:?}");
    ensure!(first.iter().all(|j| j.lease_owner.as_deref() == Some("batch") && j.status == "running"));

    // Three processes' claimers at once, until nothing is left: each job exactly once.
    let mut claimers = Vec::new();
    for c in 0..3 {
        let store = store.clone();
        claimers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let jobs = store.claim_jobs(&format!("c{c}"), 60_000, 3).await?;
                if jobs.is_empty() {
                    return Ok::<_, anyhow::Error>(got);
                }
                got.extend(jobs.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all: Vec<String> = first.iter().map(|j| j.id.clone()).collect();
    for c in claimers {
        all.extend(c.await??);
    }
    while let Some(job) = store.claim_job("late", 60_000).await? {
        all.push(job.id);
    }
    let unique: HashSet<&String> = all.iter().collect();
    ensure!(all.len() == 14 && unique.len() == 14, "{} claims, {} distinct", all.len(), unique.len());

    // A run whose worker died (lease ran out) and a new run of the same recipe: the old one
    // is taken again first, the new one waits for it.
    let (tenant, ids) = recipes(&store, 1, "{\"kind\":\"manual\"}").await?;
    let old = store.enqueue_recipe_run(&tenant, &ids[0], "manual", None, 5, None).await?;
    store.claim_job("dying", 1).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let new = store.enqueue_recipe_run(&tenant, &ids[0], "manual", None, 5, None).await?;
    ensure!(!new.coalesced, "the new trigger joined the running job");
    let again = store.claim_jobs("heir", 60_000, 10).await?;
    let ids: Vec<&str> = again.iter().map(|j| j.id.as_str()).collect();
    ensure!(ids == [old.job.id.as_str()], "expected only the expired run, got {ids:?}");
    Ok(())
}

/// A batch claim can hold more jobs for a connection than the connection has free slots (it
/// checks one snapshot); the check after the claim gives the extra ones back, the fairest
/// keeping their slots.
pub async fn a_batch_keeps_to_connection_limits(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, _) = recipes(&store, 0, "{\"kind\":\"manual\"}").await?;
    let scope = store.tenant(&tenant);
    let (source, destination) = (new_id(), new_id());
    scope.create_connection(&source, "stripe", "Stripe", "api_key", None, None).await?;
    scope.create_connection(&destination, "hubspot", "HubSpot", "api_key", None, None).await?;
    scope.set_max_concurrent_runs(&destination, 2).await?;
    let ids = recipes_between(&store, &tenant, 4, "{\"kind\":\"manual\"}", (&source, &destination)).await?;
    for id in &ids {
        store.enqueue_recipe_run(&tenant, id, "manual", None, 5, None).await?;
    }
    let batch = store.claim_jobs("batch", 60_000, 4).await?;
    ensure!(batch.len() == 4, "the claim itself sees free connections: {batch:?}");
    let over = store.over_limit(&batch).await?;
    let over_ids: Vec<&str> = over.iter().map(|(id, _)| id.as_str()).collect();
    let expected: Vec<&str> = batch[2..].iter().map(|j| j.id.as_str()).collect();
    ensure!(over_ids == expected, "over the limit: {over_ids:?}, expected the last two {expected:?}");
    ensure!(over.iter().all(|(_, label)| label == "HubSpot"), "{over:?}");
    // The extra ones go back to the queue uncounted; while two run, claims skip them.
    for (id, _) in &over {
        ensure!(store.unclaim_job(id, "batch", 0).await?, "not given back");
        let back = store.job(id).await?;
        ensure!(back.status == "queued" && back.attempts == 0 && back.lease_owner.is_none(), "{back:?}");
    }
    ensure!(store.over_limit(&batch[..2]).await?.is_empty(), "the first two have their slots");
    ensure!(store.claim_jobs("again", 60_000, 4).await?.is_empty(), "claimed a job on a full connection");
    // A slot frees up: the batch takes both waiting jobs (one snapshot), the check keeps one.
    store.finish_job(&batch[0].id, "batch", "done", "").await?;
    let next = store.claim_jobs("again", 60_000, 4).await?;
    let over = store.over_limit(&next).await?;
    ensure!(next.len() == 2 && over.len() == 1 && over[0].0 == next[1].id, "{next:?} {over:?}");
    Ok(())
}

/// A claimer round settles the jobs its workers ended and claims their next ones: a worker
/// that hands over its job gets the recipe's follow-up at once; only a job's lease holder
/// settles it; a job settled in a round is not claimed again in it, even with its lease run
/// out.
pub async fn a_round_settles_ended_jobs_then_claims(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 2, "{\"kind\":\"manual\"}").await?;
    let counters = std::sync::Arc::new(hitch::metrics::QueueCounters::default());
    let claimer = Claimer::start(store.clone(), 60_000, counters.clone());
    store.enqueue_recipe_run(&tenant, &ids[0], "manual", None, 5, None).await?;
    let job = claimer.claim().await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    let follow_up = store.enqueue_recipe_run(&tenant, &ids[0], "webhook", None, 5, None).await?;
    ensure!(!follow_up.coalesced, "the trigger joined the running job");
    let owner = job.lease_owner.clone().unwrap_or_default();
    let ended = Finish { job_id: job.id.clone(), owner, status: "done".into(), error: "ok".into() };
    let next = claimer.finish_and_claim(ended).await?;
    ensure!(next.as_ref().map(|j| &j.id) == Some(&follow_up.job.id), "no follow-up in the same round: {next:?}");
    let count = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
    let counted = (count(&counters.rounds), count(&counters.claimed), count(&counters.settled));
    ensure!(counted == (2, 2, 1), "rounds, claimed, settled: {counted:?}");
    let done = store.job(&job.id).await?;
    ensure!(done.status == "done" && done.last_error == "ok" && done.lease_owner.is_none(), "{done:?}");

    // Someone else's finish changes nothing.
    let next = next.unwrap_or(job);
    let intruder =
        Finish { job_id: next.id.clone(), owner: "intruder".into(), status: "dead".into(), error: "x".into() };
    store.finish_jobs(&[intruder]).await?;
    ensure!(store.job(&next.id).await?.status == "running", "settled by a worker that does not hold the lease");

    // A lease that ran out while its worker settled it: settled, not handed out again.
    store.enqueue_recipe_run(&tenant, &ids[1], "manual", None, 5, None).await?;
    let late = store.claim_job("late", 1).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let ended = Finish { job_id: late.id.clone(), owner: "late".into(), status: "done".into(), error: String::new() };
    let claimed = store.settle_and_claim(&[ended], "heir", 60_000, 5).await?;
    ensure!(claimed.iter().all(|j| j.id != late.id), "claimed the job being settled: {claimed:?}");
    ensure!(store.job(&late.id).await?.status == "done", "the late worker's job was not settled");
    Ok(())
}

pub async fn triggers_coalesce_and_dedupe(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 1, "{\"kind\":\"manual\"}").await?;
    let r = &ids[0];
    let a = store.enqueue_recipe_run(&tenant, r, "manual", None, 5, None).await?;
    let b = store.enqueue_recipe_run(&tenant, r, "webhook", None, 5, None).await?;
    ensure!(!a.coalesced && b.coalesced && a.run_id == b.run_id, "a second trigger did not join the waiting run");
    // While it runs, one follow-up may wait; more triggers join that one.
    store.claim_job("w", 60_000).await?;
    let c = store.enqueue_recipe_run(&tenant, r, "manual", None, 5, None).await?;
    let d = store.enqueue_recipe_run(&tenant, r, "manual", None, 5, None).await?;
    ensure!(!c.coalesced && d.coalesced && c.run_id == d.run_id && c.run_id != a.run_id, "follow-up: {c:?} {d:?}");
    // The running one cannot be claimed twice, and the follow-up waits for it.
    ensure!(store.claim_job("w2", 60_000).await?.is_none(), "a second run of the same recipe was started");
    let (tenant2, other) = recipes(&store, 1, "{\"kind\":\"manual\"}").await?;
    let e = store.enqueue_recipe_run(&tenant2, &other[0], "schedule", Some("k-1"), 5, None).await?;
    store.claim_job("w3", 60_000).await?;
    let f = store.enqueue_recipe_run(&tenant2, &other[0], "schedule", Some("k-1"), 5, None).await?;
    ensure!(!e.coalesced && f.coalesced && f.job.id == e.job.id, "the same due time was enqueued twice");
    Ok(())
}

pub async fn three_processes_enqueue_each_due_time_once(app: TestApp) -> anyhow::Result<()> {
    let (tenant, ids) = recipes(app.store(), 120, "{\"kind\":\"interval\",\"every_secs\":60}").await?;
    let mut processes = Vec::new();
    for _ in 0..3 {
        processes.push(hitch::startup::build_state(app.settings.clone()).await?);
    }
    let start = hitch::storage::now_ms();
    let created: std::collections::HashMap<String, i64> =
        app.store().tenant(&tenant).recipes().await?.into_iter().map(|r| (r.id, r.updated_at)).collect();
    let steps = 30;
    for step in 1..=steps {
        let now =
            chrono::DateTime::from_timestamp_millis(start + step * 20_000).ok_or_else(|| anyhow::anyhow!("time"))?;
        let (a, b, c) = tokio::join!(
            hitch::jobs::scheduler::tick(&processes[0], now),
            hitch::jobs::scheduler::tick(&processes[1], now),
            hitch::jobs::scheduler::tick(&processes[2], now)
        );
        a?;
        b?;
        c?;
        // Instant workers: every queued job is taken and done before the next tick.
        while let Some(job) = app.store().claim_job("drain", 60_000).await? {
            app.store().finish_job(&job.id, "drain", "done", "").await?;
        }
    }
    let end = start + steps * 20_000;
    let jobs = job_keys(&app).await?;
    let mut missing = 0;
    for id in &ids {
        let from = created[id];
        let expected: HashSet<String> =
            ((from / 60_000 + 1)..=(end / 60_000)).map(|k| format!("schedule:{id}:{}", k * 60_000)).collect();
        let got: HashSet<String> = jobs.iter().filter(|k| k.starts_with(&format!("schedule:{id}:"))).cloned().collect();
        missing += expected.difference(&got).count();
        ensure!(
            got.is_subset(&expected),
            "unexpected due times for {id}: {:?}",
            got.difference(&expected).collect::<Vec<_>>()
        );
    }
    ensure!(missing == 0, "{missing} due times were never enqueued");
    let total = jobs.len();
    ensure!(total == jobs.iter().collect::<HashSet<_>>().len(), "duplicate keys");
    Ok(())
}

/// Every job's dedupe key, read straight from the database.
async fn job_keys(app: &TestApp) -> anyhow::Result<Vec<String>> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(app.db_url()).await?;
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT dedupe_key FROM jobs WHERE dedupe_key IS NOT NULL").fetch_all(&pool).await?;
    pool.close().await;
    Ok(rows.into_iter().map(|(k,)| k).collect())
}

/// Housekeeping removes finished jobs and old webhook events, and nothing that is still
/// work (queued, running) or the record of a failure (dead).
pub async fn old_queue_rows_are_purged_and_live_ones_kept(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 3, "{\"kind\":\"manual\"}").await?;
    for id in &ids {
        store.enqueue_recipe_run(&tenant, id, "manual", None, 5, None).await?;
    }
    let done = store.claim_job("w", 60_000).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    store.finish_job(&done.id, "w", "done", "").await?;
    let dead = store.claim_job("w", 60_000).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    store.finish_job(&dead.id, "w", "dead", "HubSpot said no").await?;
    // The third stays queued.
    let scope = store.tenant(&tenant);
    dead_jobs_through_the_api(&app, &tenant, &dead.id).await?;
    scope.create_webhook_endpoint("wh_purge_test", &ids[0], "{\"scheme\":\"stripe\"}", "sealed").await?;
    let received = hitch::storage::now_ms();
    for event in ["evt_1", "evt_2"] {
        app.sql(&format!(
            "INSERT INTO webhook_events (tenant_id, endpoint_id, event_id, kind, payload, received_at)
             VALUES ('{}', 'wh_purge_test', '{event}', 'x', '{{}}', {received})",
            tenant.0
        ))
        .await?;
    }

    // Nothing is old enough yet.
    let now = chrono::Utc::now().timestamp_millis();
    let kept = store.purge_before(now - 60_000).await?;
    ensure!(kept == hitch::storage::Purged::default(), "purged fresh rows: {kept:?}");
    let purged = store.purge_before(now + 60_000).await?;
    ensure!(purged.jobs == 1 && purged.webhook_events == 2, "{purged:?}");
    ensure!(scope.webhook_event_count("wh_purge_test").await? == 0, "events left");
    let dead_left = scope.jobs(Some("dead"), 10).await?;
    ensure!(dead_left.len() == 1 && dead_left[0].id == dead.id, "the dead job was purged: {dead_left:?}");
    // The queued job is still there to be claimed.
    let queued = store.claim_job("w2", 60_000).await?.ok_or_else(|| anyhow::anyhow!("the queued job was purged"))?;
    ensure!(queued.id != done.id && queued.id != dead.id, "{queued:?}");
    Ok(())
}

/// `GET /api/v1/jobs?status=dead` shows the dead job with its last error, to its own workspace
/// only; an unknown status is a 400 with the accepted ones.
async fn dead_jobs_through_the_api(app: &TestApp, tenant: &TenantId, dead: &str) -> anyhow::Result<()> {
    let slug = app.store().tenant_by_id(tenant).await?.slug;
    let token = app.token(&slug, hitch::domain::Role::Viewer).await?;
    let get = |token: String, query: &'static str| {
        let req = app.api().get(app.url(&format!("/api/v1/jobs{query}"))).bearer_auth(token);
        async move {
            let resp = req.send().await?;
            Ok::<_, anyhow::Error>((resp.status().as_u16(), resp.json::<serde_json::Value>().await?))
        }
    };
    let (status, body) = get(token.clone(), "?status=dead").await?;
    let jobs = body["jobs"].as_array().cloned().unwrap_or_default();
    ensure!(status == 200 && jobs.len() == 1, "{status} {body}");
    ensure!(
        jobs[0]["id"] == dead && jobs[0]["last_error"] == "HubSpot said no" && jobs[0]["status"] == "dead",
        "{body}"
    );
    let (_, all) = get(token.clone(), "").await?;
    ensure!(all["jobs"].as_array().map(Vec::len) == Some(3), "every job of the workspace: {all}");
    let (status, body) = get(token, "?status=zombie").await?;
    ensure!(status == 400 && body["error"]["message"].as_str().is_some_and(|m| m.contains("dead")), "{status} {body}");

    let (other, _) = recipes(app.store(), 1, "{\"kind\":\"manual\"}").await?;
    let other_token = app.token(&app.store().tenant_by_id(&other).await?.slug, hitch::domain::Role::Owner).await?;
    let (status, body) = get(other_token, "").await?;
    ensure!(status == 200 && body["jobs"] == serde_json::json!([]), "another workspace sees these jobs: {body}");
    Ok(())
}

/// One workspace's backlog does not starve another: while the first has a job running, the
/// next free worker takes the other workspace's job, queued later, before the backlog.
pub async fn a_backlog_does_not_starve_other_workspaces(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (busy, backlog) = recipes(&store, 20, "{\"kind\":\"manual\"}").await?;
    for id in &backlog {
        store.enqueue_recipe_run(&busy, id, "manual", None, 5, None).await?;
    }
    let first = store.claim_job("w1", 60_000).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    ensure!(first.tenant_id == busy, "{first:?}");
    let (quiet, one) = recipes(&store, 1, "{\"kind\":\"manual\"}").await?;
    store.enqueue_recipe_run(&quiet, &one[0], "manual", None, 5, None).await?;
    let second = store.claim_job("w2", 60_000).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    ensure!(second.tenant_id == quiet, "the quiet workspace waited behind the backlog: {second:?}");
    // With one running each, the oldest due job goes next: the backlog resumes.
    let third = store.claim_job("w3", 60_000).await?.ok_or_else(|| anyhow::anyhow!("nothing to claim"))?;
    ensure!(third.tenant_id == busy, "{third:?}");
    Ok(())
}
