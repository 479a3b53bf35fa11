//! Inbound webhooks end to end: endpoints through the API, signed deliveries to
//! /hooks/{id} that queue a run, dedupe of redeliveries, refusals that store nothing,
//! revocation and tenant isolation.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch::webhooks::{GENERIC_SIGNATURE_HEADER, STRIPE_SIGNATURE_HEADER, sign_generic, sign_stripe};
use serde_json::{Value, json};

use crate::connections::STRIPE_KEY;
use crate::sync::{HUBSPOT_TOKEN, Setup, setup};

/// A Stripe customers -> HubSpot contacts recipe over a small sandbox.
async fn recipe(s: &Setup) -> anyhow::Result<String> {
    s.control("/_sandbox/stripe/reset", json!({"seed": 11, "counts": {"customers": 5}})).await?;
    s.control("/_sandbox/hubspot/reset", json!({"seed": 11, "counts": {"contacts": 0}})).await?;
    let stripe = s.connect("stripe", json!({"api_key": STRIPE_KEY})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    let (status, created) = s
        .post(
            "/api/v1/recipes",
            json!({
                "name": "Stripe customers to HubSpot (webhook)",
                "source_connection_id": stripe, "source_object": "customers",
                "destination_connection_id": hubspot, "destination_object": "contacts",
                "mapping": {"rules": [{"target": "email", "source": {"field": "email"}}],
                            "filter": {"all": [{"field": "email", "op": "exists"}]}},
                "mode": "incremental", "upsert_key": "email"
            }),
        )
        .await?;
    ensure!(status == 201, "create recipe: {status} {created}");
    Ok(created["id"].as_str().context("recipe id")?.to_owned())
}

/// Extra request headers, (name, value).
type Headers = Vec<(&'static str, String)>;

/// Posts a raw delivery to /hooks/{id}.
async fn deliver(s: &Setup, id: &str, headers: &[(&str, String)], body: Vec<u8>) -> anyhow::Result<(u16, Value)> {
    let mut req = s.app.api().post(s.app.url(&format!("/hooks/{id}"))).header("content-type", "application/json");
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let resp = req.body(body).send().await?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

async fn stored(s: &Setup, endpoint: &str) -> anyhow::Result<i64> {
    let tenant = s.app.store().tenant_by_slug("acme").await?;
    Ok(s.app.store().tenant(&tenant.id).webhook_event_count(endpoint).await?)
}

pub async fn run_count(s: &Setup, recipe: &str) -> anyhow::Result<usize> {
    let runs = s.get(&format!("/api/v1/runs?recipe_id={recipe}")).await?;
    Ok(runs["runs"].as_array().map(Vec::len).unwrap_or_default())
}

pub fn endpoint_id(created: &Value) -> anyhow::Result<String> {
    let url = created["url"].as_str().context("url")?;
    let id = url.rsplit_once("/hooks/").map(|(_, id)| id.to_owned()).context("url has no /hooks/")?;
    ensure!(created["id"] == id.as_str() && id.starts_with("wh_") && id.len() > 40, "{created}");
    Ok(id)
}

pub async fn stripe_events_trigger_runs_once(app: hitch_tests::TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    let recipe = recipe(&s).await?;
    let (status, created) = s.post(&format!("/api/v1/recipes/{recipe}/webhooks"), json!({})).await?;
    ensure!(status == 201 && created["scheme"] == json!({"scheme": "stripe"}), "create: {status} {created}");
    let id = endpoint_id(&created)?;
    let secret = created["secret"].as_str().context("secret")?.to_owned();
    ensure!(secret.starts_with("whsec_"), "{created}");

    let listed = s.get(&format!("/api/v1/recipes/{recipe}/webhooks")).await?;
    ensure!(listed["webhooks"].as_array().map(Vec::len) == Some(1), "{listed}");
    ensure!(!listed.to_string().contains(&secret) && listed["webhooks"][0]["status"] == "active", "{listed}");

    let event = json!({"id": "evt_hook_1", "type": "customer.updated", "data": {"object": {"id": "cus_1"}}});
    let body = serde_json::to_vec(&event)?;
    let now = chrono::Utc::now().timestamp();
    let signed = |t: i64, body: &[u8]| vec![(STRIPE_SIGNATURE_HEADER, sign_stripe(secret.as_bytes(), t, body))];

    let (status, answer) = deliver(&s, &id, &signed(now, &body), body.clone()).await?;
    ensure!(status == 200 && answer["status"] == "accepted", "delivery: {status} {answer}");
    let run_id = answer["run_id"].as_str().context("run_id")?.to_owned();
    let run = s.wait(&run_id).await?;
    ensure!(
        run["trigger"] == "webhook" && run["status"].as_str().is_some_and(|st| st.starts_with("succeeded")),
        "{run}"
    );
    ensure!(stored(&s, &id).await? == 1, "the event was not stored once");

    // The provider redelivers: nothing new is stored and no run is queued.
    let runs_before = run_count(&s, &recipe).await?;
    let (status, answer) = deliver(&s, &id, &signed(now, &body), body.clone()).await?;
    ensure!(status == 200 && answer == json!({"status": "duplicate"}), "redelivery: {status} {answer}");
    ensure!(run_count(&s, &recipe).await? == runs_before, "a duplicate queued a run");
    ensure!(stored(&s, &id).await? == 1, "a duplicate was stored");

    // Refusals: each has its status, a JSON error, and stores nothing.
    let other = serde_json::to_vec(&json!({"id": "evt_hook_2", "type": "customer.created"}))?;
    let wrong = vec![(STRIPE_SIGNATURE_HEADER, sign_stripe(b"whsec_not_the_secret", now, &other))];
    let not_json = b"not json at all".to_vec();
    let huge = vec![b' '; 2 * 1024 * 1024];
    let cases: [(&str, Headers, Vec<u8>, u16); 5] = [
        ("wrong signature", wrong, other.clone(), 401),
        ("missing header", vec![], other.clone(), 401),
        ("stale timestamp", signed(now - 600, &other), other.clone(), 401),
        ("non-JSON body", signed(now, &not_json), not_json.clone(), 400),
        ("2 MiB body", signed(now, &huge), huge.clone(), 413),
    ];
    for (what, headers, body, expected) in cases {
        let (status, answer) = deliver(&s, &id, &headers, body).await?;
        ensure!(status == expected, "{what}: {status} {answer}, expected {expected}");
        ensure!(answer["error"]["code"].is_string(), "{what}: error is not JSON: {answer}");
    }
    ensure!(stored(&s, &id).await? == 1, "a refused delivery was stored");
    ensure!(run_count(&s, &recipe).await? == runs_before, "a refused delivery queued a run");

    // Revoked: the URL is gone.
    let resp = s.app.api().delete(s.app.url(&format!("/api/v1/webhooks/{id}"))).bearer_auth(&s.token).send().await?;
    ensure!(resp.status().as_u16() == 204, "revoke: {}", resp.status());
    let fresh = serde_json::to_vec(&json!({"id": "evt_hook_3", "type": "customer.created"}))?;
    let (status, answer) = deliver(&s, &id, &signed(now, &fresh), fresh.clone()).await?;
    ensure!(status == 404 && answer["error"]["code"] == "not_found", "revoked: {status} {answer}");
    let listed = s.get(&format!("/api/v1/recipes/{recipe}/webhooks")).await?;
    ensure!(listed["webhooks"][0]["status"] == "revoked", "{listed}");
    let (status, _) = deliver(&s, "wh_nosuchendpoint", &signed(now, &fresh), fresh).await?;
    ensure!(status == 404, "unknown endpoint: {status}");
    s.app.stop().await
}

pub async fn generic_hmac_endpoint_round_trip(app: hitch_tests::TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    let recipe = recipe(&s).await?;
    let scheme = json!({"scheme": "generic", "event_id_pointer": "/id"});
    let (status, created) = s.post(&format!("/api/v1/recipes/{recipe}/webhooks"), scheme.clone()).await?;
    ensure!(status == 201 && created["scheme"] == scheme, "create: {status} {created}");
    let id = endpoint_id(&created)?;
    let secret = created["secret"].as_str().context("secret")?.to_owned();

    let body = serde_json::to_vec(&json!({"id": 42, "type": "order.paid", "api_token": "tok_should_not_be_kept"}))?;
    let headers = vec![(GENERIC_SIGNATURE_HEADER, sign_generic(secret.as_bytes(), &body, None))];
    let (status, answer) = deliver(&s, &id, &headers, body.clone()).await?;
    ensure!(status == 200 && answer["status"] == "accepted", "delivery: {status} {answer}");
    let run = s.wait(answer["run_id"].as_str().context("run_id")?).await?;
    ensure!(run["trigger"] == "webhook", "{run}");
    let (status, answer) = deliver(&s, &id, &headers, body).await?;
    ensure!(status == 200 && answer["status"] == "duplicate", "redelivery: {status} {answer}");
    ensure!(stored(&s, &id).await? == 1, "generic event not stored once");

    let bad = (GENERIC_SIGNATURE_HEADER, sign_generic(b"another secret entirely", b"{}", None));
    let (status, _) = deliver(&s, &id, &[bad], b"{}".to_vec()).await?;
    ensure!(status == 401, "bad generic signature: {status}");

    // A bad pointer is refused when the endpoint is made.
    let (status, body) = s
        .post(&format!("/api/v1/recipes/{recipe}/webhooks"), json!({"scheme": "generic", "event_id_pointer": "id"}))
        .await?;
    ensure!(status == 422, "bad pointer: {status} {body}");
    s.app.stop().await
}

pub async fn webhook_endpoints_are_per_tenant(app: hitch_tests::TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    let recipe = recipe(&s).await?;
    let (status, created) = s.post(&format!("/api/v1/recipes/{recipe}/webhooks"), json!({})).await?;
    ensure!(status == 201, "create: {status} {created}");
    let id = endpoint_id(&created)?;

    let viewer = s.app.token("acme", Role::Viewer).await?;
    let resp = s
        .app
        .api()
        .post(s.app.url(&format!("/api/v1/recipes/{recipe}/webhooks")))
        .bearer_auth(&viewer)
        .json(&json!({}))
        .send()
        .await?;
    ensure!(resp.status().as_u16() == 403, "a viewer created a webhook: {}", resp.status());

    s.app.signup("Beta", "owner@beta.test").await?;
    let beta = s.app.token("beta", Role::Owner).await?;
    let api = s.app.api();
    let list = api.get(s.app.url(&format!("/api/v1/recipes/{recipe}/webhooks"))).bearer_auth(&beta).send().await?;
    ensure!(list.status().as_u16() == 404, "beta listed acme's webhooks: {}", list.status());
    let create =
        api.post(s.app.url(&format!("/api/v1/recipes/{recipe}/webhooks"))).bearer_auth(&beta).json(&json!({})).send();
    ensure!(create.await?.status().as_u16() == 404, "beta made a webhook on acme's recipe");
    let revoke = api.delete(s.app.url(&format!("/api/v1/webhooks/{id}"))).bearer_auth(&beta).send().await?;
    ensure!(revoke.status().as_u16() == 404, "beta revoked acme's webhook: {}", revoke.status());
    let listed = s.get(&format!("/api/v1/recipes/{recipe}/webhooks")).await?;
    ensure!(listed["webhooks"][0]["status"] == "active", "acme's endpoint changed: {listed}");

    // The secret is sealed at rest: the row does not hold it in the clear.
    let acme = s.app.store().tenant_by_slug("acme").await?;
    let row = s.app.store().tenant(&acme.id).webhook_endpoint(&id).await?;
    let secret = created["secret"].as_str().context("secret")?;
    ensure!(!row.sealed_secret.contains(secret), "the endpoint secret is stored in the clear");
    s.app.stop().await
}
