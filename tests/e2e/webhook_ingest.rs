//! Group-committed webhook ingest: a group of deliveries is stored in one transaction that
//! dedupes events, refuses revoked endpoints and disabled recipes, and queues one run per
//! recipe; the endpoint cache never lets a revoked endpoint store anything; a group the
//! database refuses stores nothing; stopping stores every delivery taken. These run with no
//! workers, so queued runs stay queued.

use anyhow::{Context, ensure};
use hitch::storage::{Backend, HookDelivery, HookOutcome, NewWebhookEvent, Store, TenantId, WebhookEndpoint};
use hitch::webhooks::{GENERIC_SIGNATURE_HEADER, Ingest, IngestError, sign_generic};
use hitch_tests::TestApp;
use serde_json::{Value, json};

use crate::queue::recipes;

const SCHEME: &str = r#"{"scheme":"generic","event_id_pointer":"/id"}"#;
const SECRET: &[u8] = b"an endpoint secret for the ingest tests";

fn delivery(tenant: &TenantId, endpoint: &str, recipe: &str, events: &[&str]) -> HookDelivery {
    HookDelivery {
        tenant_id: tenant.clone(),
        endpoint_id: endpoint.into(),
        recipe_id: recipe.into(),
        events: events
            .iter()
            .map(|id| NewWebhookEvent { event_id: (*id).into(), kind: "test".into(), payload: "{}".into() })
            .collect(),
    }
}

fn run_of(outcome: &HookOutcome) -> anyhow::Result<&str> {
    match outcome {
        HookOutcome::Accepted { run_id, .. } => Ok(run_id),
        other => anyhow::bail!("not accepted: {other:?}"),
    }
}

/// An endpoint whose secret is [`SECRET`], as the API makes them.
async fn endpoint(app: &TestApp, tenant: &TenantId, id: &str, recipe: &str) -> anyhow::Result<()> {
    let sealed = app.state.secrets.seal(SECRET, &WebhookEndpoint::secret_context(tenant, id))?;
    app.store().tenant(tenant).create_webhook_endpoint(id, recipe, SCHEME, &sealed).await?;
    Ok(())
}

/// A signed generic delivery of one event to /hooks/{id}.
async fn deliver(app: &TestApp, id: &str, event: &str) -> anyhow::Result<(u16, Value)> {
    let body = serde_json::to_vec(&json!({"id": event, "type": "test.event"}))?;
    let resp = app
        .api()
        .post(app.url(&format!("/hooks/{id}")))
        .header("content-type", "application/json")
        .header(GENERIC_SIGNATURE_HEADER, sign_generic(SECRET, &body, None))
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

async fn queued_jobs(store: &Store, tenant: &TenantId) -> anyhow::Result<usize> {
    Ok(store.tenant(tenant).jobs(Some("queued"), 100).await?.len())
}

pub async fn a_group_stores_each_event_once_and_queues_one_run_per_recipe(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 3, "{\"kind\":\"webhook\"}").await?;
    let scope = store.tenant(&tenant);
    for (id, recipe) in [("wh_a", 0), ("wh_b", 1), ("wh_revoked", 0), ("wh_off", 2)] {
        scope.create_webhook_endpoint(id, &ids[recipe], SCHEME, "sealed").await?;
    }
    scope.revoke_webhook_endpoint("wh_revoked").await?;
    app.sql(&format!("UPDATE recipes SET enabled = 0 WHERE id = '{}'", ids[2])).await?;
    let d = |endpoint: &str, recipe: usize, events: &[&str]| delivery(&tenant, endpoint, &ids[recipe], events);

    let first = store.ingest_webhook_deliveries(&[d("wh_a", 0, &["evt_0"])], 5).await?;
    let waiting = run_of(&first[0])?.to_owned();
    let group = [
        d("wh_a", 0, &["evt_0"]),
        d("wh_a", 0, &["evt_1", "evt_2"]),
        d("wh_a", 0, &["evt_2"]),
        d("wh_b", 1, &["evt_1"]),
        d("wh_revoked", 0, &["evt_9"]),
        d("wh_off", 2, &["evt_9"]),
        d("wh_a", 0, &["evt_3", "evt_0"]),
        d("wh_nosuch", 0, &["evt_9"]),
    ];
    let out = store.ingest_webhook_deliveries(&group, 5).await?;
    let fresh: Vec<Option<usize>> =
        out.iter().map(|o| if let HookOutcome::Accepted { fresh, .. } = o { Some(*fresh) } else { None }).collect();
    ensure!(fresh == [None, Some(2), None, Some(1), None, None, Some(1), None], "{out:?}");
    ensure!(out[0] == HookOutcome::Duplicate && out[2] == HookOutcome::Duplicate, "{out:?}");
    ensure!(out[4] == HookOutcome::Gone && out[7] == HookOutcome::Gone && out[5] == HookOutcome::Disabled, "{out:?}");
    // The run waiting for the recipe absorbs the new events; the other recipe gets its own.
    ensure!(run_of(&out[1])? == waiting && run_of(&out[6])? == waiting, "{out:?}");
    let other = run_of(&out[3])?.to_owned();
    ensure!(other != waiting, "{out:?}");
    ensure!(queued_jobs(&store, &tenant).await? == 2, "one queued job per recipe expected");

    let counts = (
        scope.webhook_event_count("wh_a").await?,
        scope.webhook_event_count("wh_b").await?,
        scope.webhook_event_count("wh_revoked").await?,
        scope.webhook_event_count("wh_off").await?,
    );
    ensure!(counts == (4, 1, 0, 0), "stored events per endpoint: {counts:?}");
    for (recipe, run) in [(&ids[0], &waiting), (&ids[1], &other)] {
        let events = scope.recent_webhook_events(recipe, 50).await?;
        ensure!(events.iter().all(|e| e.run_id.as_ref() == Some(run)), "events without their run: {events:?}");
    }

    // Redeliveries while no run waits: the run queued for them is taken back.
    while store.claim_job("w", 60_000).await?.is_some() {}
    let again = store.ingest_webhook_deliveries(&[d("wh_a", 0, &["evt_1"]), d("wh_b", 1, &["evt_1"])], 5).await?;
    ensure!(again.iter().all(|o| *o == HookOutcome::Duplicate), "{again:?}");
    ensure!(queued_jobs(&store, &tenant).await? == 0, "redeliveries left a queued run");
    let runs = scope.runs(None, 50).await?;
    ensure!(runs.len() == 2, "redeliveries left runs behind: {}", runs.len());
    Ok(())
}

pub async fn concurrent_deliveries_share_one_queued_run(app: TestApp) -> anyhow::Result<()> {
    let (tenant, ids) = recipes(app.store(), 1, "{\"kind\":\"webhook\"}").await?;
    let id = "wh_concurrent_0123456789";
    endpoint(&app, &tenant, id, &ids[0]).await?;
    // 40 new events and 10 copies of one more, all at once.
    let events: Vec<String> = (0..40).map(|i| format!("evt_{i}")).chain((0..10).map(|_| "evt_same".into())).collect();
    let answers = futures_join(events.iter().map(|e| deliver(&app, id, e))).await;
    let mut runs = std::collections::HashSet::new();
    let (mut accepted, mut duplicates) = (0, 0);
    for answer in answers {
        let (status, body) = answer?;
        ensure!(status == 200, "{status} {body}");
        match body["status"].as_str() {
            Some("accepted") => {
                accepted += 1;
                runs.insert(body["run_id"].as_str().context("run_id")?.to_owned());
            }
            Some("duplicate") => duplicates += 1,
            _ => anyhow::bail!("{body}"),
        }
    }
    ensure!(accepted == 41 && duplicates == 9, "{accepted} accepted, {duplicates} duplicates");
    ensure!(runs.len() == 1, "deliveries to one recipe queued {} runs", runs.len());
    ensure!(queued_jobs(app.store(), &tenant).await? == 1, "more than one queued job");
    let scope = app.store().tenant(&tenant);
    ensure!(scope.webhook_event_count(id).await? == 41, "events stored: {}", scope.webhook_event_count(id).await?);
    let stored = scope.recent_webhook_events(&ids[0], 100).await?;
    ensure!(stored.iter().all(|e| e.run_id.as_ref() == runs.iter().next()), "an event lacks its run: {stored:?}");
    Ok(())
}

pub async fn cached_endpoints_still_obey_revocation_and_disabling(app: TestApp) -> anyhow::Result<()> {
    let (tenant, ids) = recipes(app.store(), 2, "{\"kind\":\"webhook\"}").await?;
    let scope = app.store().tenant(&tenant);
    let (revoked, disabled) = ("wh_cached_revoked_0123456789", "wh_cached_disabled_0123456789");
    endpoint(&app, &tenant, revoked, &ids[0]).await?;
    endpoint(&app, &tenant, disabled, &ids[1]).await?;
    for id in [revoked, disabled] {
        let (status, body) = deliver(&app, id, "evt_1").await?;
        ensure!(status == 200 && body["status"] == "accepted", "{status} {body}");
    }
    ensure!(app.state.hook_endpoints.len() == 2, "the endpoints were not kept in memory");

    // Changed behind the cache's back, as another process would.
    scope.revoke_webhook_endpoint(revoked).await?;
    let (status, body) = deliver(&app, revoked, "evt_2").await?;
    ensure!(status == 404 && body["error"]["code"] == "not_found", "revoked: {status} {body}");
    ensure!(scope.webhook_event_count(revoked).await? == 1, "a revoked endpoint stored an event");
    let (status, _) = deliver(&app, revoked, "evt_3").await?;
    ensure!(status == 404, "revoked, read again: {status}");

    app.sql(&format!("UPDATE recipes SET enabled = 0 WHERE id = '{}'", ids[1])).await?;
    let (status, body) = deliver(&app, disabled, "evt_2").await?;
    ensure!(status == 409 && body["error"]["code"] == "recipe_disabled", "disabled: {status} {body}");
    app.sql(&format!("UPDATE recipes SET enabled = 1 WHERE id = '{}'", ids[1])).await?;
    let (status, body) = deliver(&app, disabled, "evt_2").await?;
    ensure!(status == 200 && body["status"] == "accepted", "enabled again: {status} {body}");
    ensure!(scope.webhook_event_count(disabled).await? == 2, "the refused event was stored");

    // An id not found is not remembered: an endpoint made elsewhere works at once.
    let later = "wh_made_later_0123456789";
    let (status, _) = deliver(&app, later, "evt_1").await?;
    ensure!(status == 404, "unknown endpoint: {status}");
    endpoint(&app, &tenant, later, &ids[0]).await?;
    let (status, body) = deliver(&app, later, "evt_1").await?;
    ensure!(status == 200 && body["status"] == "accepted", "new endpoint: {status} {body}");
    Ok(())
}

/// Makes the database refuse any event with the id `poison`.
async fn poison_events(app: &TestApp) -> anyhow::Result<()> {
    match app.store().backend() {
        Backend::Sqlite => {
            app.sql(
                "CREATE TRIGGER poison BEFORE INSERT ON webhook_events WHEN NEW.event_id = 'poison'
                 BEGIN SELECT RAISE(ABORT, 'poisoned event'); END",
            )
            .await
        }
        Backend::Postgres => {
            app.sql(
                "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF NEW.event_id = 'poison' THEN RAISE EXCEPTION 'poisoned event'; END IF; RETURN NEW; END $$",
            )
            .await?;
            app.sql("CREATE TRIGGER poison BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION poison()")
                .await
        }
    }
}

pub async fn a_refused_group_stores_nothing_and_spares_its_neighbours(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 1, "{\"kind\":\"webhook\"}").await?;
    let id = "wh_poisoned_0123456789";
    endpoint(&app, &tenant, id, &ids[0]).await?;
    poison_events(&app).await?;
    let scope = store.tenant(&tenant);

    // One transaction: the good delivery is not stored either, and no run is queued.
    let group = [delivery(&tenant, id, &ids[0], &["evt_good"]), delivery(&tenant, id, &ids[0], &["poison"])];
    ensure!(store.ingest_webhook_deliveries(&group, 5).await.is_err(), "the poisoned group was stored");
    ensure!(scope.webhook_event_count(id).await? == 0, "a refused group left events");
    ensure!(queued_jobs(&store, &tenant).await? == 0, "a refused group queued a run");

    // The writer stores the others one by one; only the poisoned delivery fails.
    let ingest = Ingest::start(store.clone(), 1, 5);
    let submits = (0..8).map(|i| {
        let event = if i == 3 { "poison".to_owned() } else { format!("evt_{i}") };
        ingest.submit(delivery(&tenant, id, &ids[0], &[&event]))
    });
    let outcomes = futures_join(submits).await;
    ingest.stop().await;
    for (i, outcome) in outcomes.iter().enumerate() {
        let expected = if i == 3 {
            matches!(outcome, Err(IngestError::Failed))
        } else {
            matches!(outcome, Ok(HookOutcome::Accepted { .. }))
        };
        ensure!(expected, "delivery {i}: {outcome:?}");
    }
    ensure!(scope.webhook_event_count(id).await? == 7, "stored: {}", scope.webhook_event_count(id).await?);

    // Over HTTP: the provider is told to send it again later.
    let (status, body) = deliver(&app, id, "poison").await?;
    ensure!(status == 500 && body["error"]["code"] == "internal", "{status} {body}");
    Ok(())
}

pub async fn stopping_stores_every_delivery_taken(app: TestApp) -> anyhow::Result<()> {
    let store = app.store().clone();
    let (tenant, ids) = recipes(&store, 1, "{\"kind\":\"webhook\"}").await?;
    let id = "wh_stopping_0123456789";
    endpoint(&app, &tenant, id, &ids[0]).await?;
    let ingest = Ingest::start(store.clone(), 2, 5);
    let mut submits = tokio::task::JoinSet::new();
    for i in 0..300 {
        let (ingest, d) = (ingest.clone(), delivery(&tenant, id, &ids[0], &[&format!("evt_{i}")]));
        submits.spawn(async move { ingest.submit(d).await });
    }
    tokio::task::yield_now().await;
    ingest.stop().await;
    let (mut accepted, mut refused) = (0, 0);
    while let Some(outcome) = submits.join_next().await {
        match outcome? {
            Ok(HookOutcome::Accepted { .. }) => accepted += 1,
            Err(IngestError::Stopped) => refused += 1,
            other => anyhow::bail!("{other:?}"),
        }
    }
    let stored = store.tenant(&tenant).webhook_event_count(id).await?;
    ensure!(accepted + refused == 300 && stored == accepted, "{accepted} accepted, {refused} refused, {stored} stored");
    Ok(())
}

/// Runs futures concurrently on this task and collects their outputs in order.
async fn futures_join<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
