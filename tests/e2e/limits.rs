//! Limits that protect providers and tenants, on both backends: a provider that answers 429
//! for ever ends as a dead job with the reason (backing off between attempts, a bounded
//! number of calls each), a connection runs at most its limit of jobs at once (the claim and
//! the re-check after it), and request budgets are one bucket per connection for every
//! process. The queue is driven by hand: these servers run no workers.

use anyhow::{Context, ensure};
use hitch::jobs::{Outcome, Worker};
use hitch::storage::{Job, RequestRate, now_ms};
use hitch_tests::TestApp;
use serde_json::{Value, json};

use crate::connections::STRIPE_KEY;
use crate::sync::{HUBSPOT_TOKEN, Setup, setup_with};

/// The sandbox, a workspace with Stripe and HubSpot connections, and a server without
/// workers.
async fn setup(app: TestApp) -> anyhow::Result<(Setup, String, String)> {
    let s = setup_with(app, &[("HITCH_WORKERS", "0")]).await?;
    let stripe = s.connect("stripe", json!({"api_key": STRIPE_KEY})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    Ok((s, stripe, hubspot))
}

async fn recipe(s: &Setup, stripe: &str, hubspot: &str, name: &str) -> anyhow::Result<String> {
    let (status, created) = s
        .post(
            "/api/v1/recipes",
            json!({
                "name": name, "source_connection_id": stripe, "source_object": "customers",
                "destination_connection_id": hubspot, "destination_object": "contacts",
                "mapping": {"rules": [{"target": "email", "source": {"field": "email"}}]},
                "mode": "incremental", "upsert_key": "email"
            }),
        )
        .await?;
    ensure!(status == 201, "recipe: {status} {created}");
    Ok(created["id"].as_str().context("recipe id")?.to_owned())
}

/// Queues a run of `recipe` through the API; returns its job.
async fn queue_run(s: &Setup, recipe: &str) -> anyhow::Result<Job> {
    let (status, body) = s.post(&format!("/api/v1/recipes/{recipe}/run"), json!({})).await?;
    ensure!(status == 202, "run: {status} {body}");
    let tenant = s.app.store().tenant_by_slug("acme").await?.id;
    let jobs = s.app.store().tenant(&tenant).jobs(Some("queued"), 100).await?;
    jobs.into_iter().find(|j| j.recipe_id.as_deref() == Some(recipe)).context("no queued job")
}

pub async fn a_provider_that_answers_429_for_ever_ends_as_a_dead_job(app: TestApp) -> anyhow::Result<()> {
    let (s, stripe, hubspot) = setup(app).await?;
    let id = recipe(&s, &stripe, &hubspot, "Always limited").await?;
    // Every Stripe call from now on: 429, "Retry-After: 0" (so the test waits for nothing).
    s.control(
        "/_sandbox/faults",
        json!({"provider": "stripe", "endpoint": "api", "kind": "429", "count": 100_000, "retry_after_secs": 0}),
    )
    .await?;
    let job = queue_run(&s, &id).await?;
    let worker = Worker::new(s.app.state.clone());
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        let outcome = worker.try_execute_next().await?;
        let expected = if attempt < 5 { "queued" } else { "dead" };
        ensure!(
            outcome == Outcome::Ran { job_id: job.id.clone(), state: expected.into() },
            "attempt {attempt}: {outcome:?}"
        );
        let now = s.app.store().job(&job.id).await?;
        if attempt < 5 {
            // Backing off, not spinning: the next attempt waits, longer each time. The test
            // then moves the job's time forward instead of sleeping.
            waits.push(now.run_after - now_ms());
            s.app.sql(&format!("UPDATE jobs SET run_after = 0 WHERE id = '{}'", job.id)).await?;
        }
    }
    ensure!(waits[0] >= 3_000, "first backoff too short: {waits:?}");
    ensure!(waits.windows(2).all(|w| w[1] > w[0]), "backoff does not grow: {waits:?}");
    ensure!(worker.try_execute_next().await? == Outcome::Idle, "a dead job was claimed again");

    // Dead, with the reason in words, in the API a person reads.
    let dead = s.get("/api/v1/jobs?status=dead").await?;
    let listed = dead["jobs"].as_array().context("jobs")?.iter().find(|j| j["id"] == job.id.as_str()).cloned();
    let listed = listed.context("dead job not listed")?;
    let why = listed["last_error"].as_str().unwrap_or_default();
    ensure!(why.contains("gave up after 5 attempts") && why.contains("rate"), "{listed}");

    // Each attempt made a bounded number of calls, all refused, all through the budget.
    let budget = s.get(&format!("/api/v1/connections/{stripe}")).await?;
    let used = budget["request_budget"]["used"].as_i64().context("used")?;
    ensure!((5..=30).contains(&used), "{used} calls in 5 attempts: {budget}");
    ensure!(budget["request_budget"]["rate_limited"] == used, "{budget}");
    s.app.stop().await
}

/// A provider asking for a long pause (Retry-After: 2 minutes) is not waited out inside the
/// run, and the job's next attempt comes after the pause, not after the usual backoff.
pub async fn a_long_retry_after_moves_the_next_attempt(app: TestApp) -> anyhow::Result<()> {
    let (s, stripe, hubspot) = setup(app).await?;
    let id = recipe(&s, &stripe, &hubspot, "Quota spent").await?;
    s.control(
        "/_sandbox/faults",
        json!({"provider": "stripe", "endpoint": "api", "kind": "429", "count": 1, "retry_after_secs": 120}),
    )
    .await?;
    let job = queue_run(&s, &id).await?;
    let outcome = Worker::new(s.app.state.clone()).try_execute_next().await?;
    ensure!(outcome == Outcome::Ran { job_id: job.id.clone(), state: "queued".into() }, "{outcome:?}");
    let next = s.app.store().job(&job.id).await?;
    let wait = next.run_after - now_ms();
    ensure!((110_000..=121_000).contains(&wait), "next attempt in {wait} ms, not after the 2-minute pause");
    let budget = s.get(&format!("/api/v1/connections/{stripe}")).await?;
    ensure!(budget["request_budget"]["paused_until"].is_string(), "{budget}");
    s.app.stop().await
}

pub async fn a_connection_runs_at_most_its_limit_at_once(app: TestApp) -> anyhow::Result<()> {
    let (s, stripe, hubspot) = setup(app).await?;
    let patch = |body: Value| {
        let url = s.app.url(&format!("/api/v1/connections/{hubspot}"));
        let request = s.app.api().patch(url).bearer_auth(&s.token).json(&body);
        async move {
            let resp = request.send().await?;
            Ok::<_, anyhow::Error>((resp.status().as_u16(), resp.json::<Value>().await?))
        }
    };
    // Bad limits are refused, and a refused patch changes nothing, not even its valid part.
    for bad in [json!({"max_concurrent_runs": 0}), json!({"label": "renamed", "max_concurrent_runs": 65})] {
        let (status, body) = patch(bad).await?;
        ensure!(status == 422 && body.to_string().contains("1 to 64"), "{status} {body}");
    }
    let (status, body) = patch(json!({"max_concurrent_runs": 2})).await?;
    ensure!(status == 200 && body["max_concurrent_runs"] == 2 && body["label"] == "hubspot", "{status} {body}");

    let mut jobs = Vec::new();
    for n in 0..4 {
        let id = recipe(&s, &stripe, &hubspot, &format!("Recipe {n}")).await?;
        jobs.push(queue_run(&s, &id).await?);
    }
    let store = s.app.store();
    let first = store.claim_job("w1", 60_000).await?.context("first claim")?;
    let second = store.claim_job("w2", 60_000).await?.context("second claim")?;
    ensure!(store.claim_job("w3", 60_000).await?.is_none(), "a third run on a connection limited to two");
    ensure!(
        store.over_limit(std::slice::from_ref(&first)).await?.is_empty()
            && store.over_limit(std::slice::from_ref(&second)).await?.is_empty()
    );

    // Two claims at the same instant can both pass the claim's check; the re-check after
    // the claim catches the one over the limit. Simulated here by lowering the limit
    // between a claim and its re-check.
    patch(json!({"max_concurrent_runs": 3})).await?;
    let third = store.claim_job("w3", 60_000).await?.context("third claim under a limit of three")?;
    patch(json!({"max_concurrent_runs": 2})).await?;
    let busy = store.over_limit(std::slice::from_ref(&third)).await?;
    ensure!(busy == [(third.id.clone(), "hubspot".to_owned())], "over the limit but not caught: {busy:?}");
    store.park_job(&third.id, "w3", now_ms() + 60_000).await?;
    let parked = store.job(&third.id).await?;
    ensure!(parked.lease_owner.is_none() && parked.attempts == 0, "{parked:?}");
    ensure!(store.claim_job("w4", 60_000).await?.is_none(), "still full");

    // A job queued after the one waiting for the full connection, on connections with free
    // slots, starts now: the claim looks past jobs that cannot start.
    let elsewhere = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    let later = queue_run(&s, &recipe(&s, &stripe, &elsewhere, "Elsewhere").await?).await?;
    let claimed = store.claim_job("w5", 60_000).await?.context("the job on free connections")?;
    ensure!(claimed.id == later.id, "claimed {claimed:?}, not the job on free connections");
    store.finish_job(&claimed.id, "w5", "done", "").await?;

    // A slot frees up: the next job waiting on the connection goes.
    store.finish_job(&first.id, "w1", "done", "").await?;
    let next = store.claim_job("w4", 60_000).await?.context("claim after a slot freed")?;
    ensure!(next.id != third.id && jobs.iter().any(|j| j.id == next.id), "{next:?}");
    s.app.stop().await
}

pub async fn request_budgets_are_shared_by_processes(app: TestApp) -> anyhow::Result<()> {
    let (s, stripe, _) = setup(app).await?;
    let other = s.app.sibling(&[("HITCH_WORKERS", "0")]).await?;
    let tenant = s.app.store().tenant_by_slug("acme").await?.id;
    // Five requests a minute: one more every twelve seconds, so none refills during the test.
    let rate = RequestRate { requests: 5, per_seconds: 60 };
    let (here, there) = (s.app.store().tenant(&tenant), other.store().tenant(&tenant));
    let mut taken = 0;
    let mut waits = Vec::new();
    for _ in 0..4 {
        let (a, b) = tokio::join!(here.take_request(&stripe, rate), there.take_request(&stripe, rate));
        for got in [a?, b?] {
            match got {
                None => taken += 1,
                Some(wait) => waits.push(wait),
            }
        }
    }
    ensure!(taken == 5, "two processes took {taken} of a budget of five");
    // At most twelve seconds until the next one (less as the bucket refills meanwhile; the
    // rate is kept in whole millionths per ms, hence the margin).
    ensure!(waits.len() == 3 && waits.iter().all(|w| (1..=12_100).contains(w)), "{waits:?}");

    // A 429 seen by one process pauses the connection for the other too.
    here.pause_requests(&stripe, now_ms() + 60_000).await?;
    let wait = there.take_request(&stripe, rate).await?.context("taken during a pause")?;
    ensure!(wait > 55_000, "paused for {wait} ms");
    let used = there.budget_use(&stripe, rate).await?.context("budget")?;
    ensure!(used.used == 5 && used.limited == 1 && used.available == 0 && used.blocked_until.is_some(), "{used:?}");
    other.stop().await?;
    s.app.stop().await
}
