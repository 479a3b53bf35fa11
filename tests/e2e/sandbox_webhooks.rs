//! The real-time path with nothing faked on Hitch's side: the sandbox sends webhooks, signed
//! as Stripe and HubSpot sign them, to Hitch's `/hooks/{endpoint}` when its records change;
//! Hitch verifies them, runs the recipe, and the destination ends up holding the change. A
//! wrong secret ends in 401s the sandbox records as a failed delivery, and no run.

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, ensure};
use hitch::providers::SANDBOX_CLIENT_SECRET;
use serde_json::{Value, json};

use crate::connections::STRIPE_KEY;
use crate::sync::{HUBSPOT_TOKEN, Setup, setup};
use crate::webhooks::{endpoint_id, run_count};

/// Polls `check` until it gives a value, failing after 30 s (never a fixed sleep).
async fn until<T, F, Fut>(what: &str, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = check().await? {
            return Ok(found);
        }
        ensure!(tokio::time::Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn deliveries(s: &Setup, provider: &str) -> anyhow::Result<Vec<Value>> {
    let url = format!("{}/_sandbox/webhooks/deliveries?provider={provider}", s.sandbox);
    let body: Value = reqwest::get(url).await?.json().await?;
    Ok(body["deliveries"].as_array().cloned().unwrap_or_default())
}

/// The deliveries once none is pending any more.
async fn settled(s: &Setup, provider: &str) -> anyhow::Result<Vec<Value>> {
    until(&format!("{provider} deliveries to finish"), || async {
        let all = deliveries(s, provider).await?;
        Ok((!all.is_empty() && all.iter().all(|d| d["status"] != "pending")).then_some(all))
    })
    .await
}

fn codes(delivery: &Value) -> Vec<i64> {
    delivery["attempts"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["status_code"].as_i64()).collect())
        .unwrap_or_default()
}

/// The sandbox record of `object` whose `field` (top level or under `properties`) is `value`.
async fn record_where(
    s: &Setup,
    provider: &str,
    object: &str,
    field: &str,
    value: &str,
) -> anyhow::Result<Option<Value>> {
    Ok(s.sandbox_records(provider, object)
        .await?
        .into_iter()
        .find(|r| r.get(field).or_else(|| r["properties"].get(field)).and_then(Value::as_str) == Some(value)))
}

/// Seeds `count` records of the source object and none of the destination's, makes the
/// sandbox retry fast, connects both and saves a webhook-triggered recipe of `rules`.
async fn realtime_recipe(
    s: &Setup,
    (source, source_object, count): (&str, &str, u64),
    (destination, destination_object): (&str, &str),
    rules: Value,
    upsert_key: &str,
) -> anyhow::Result<String> {
    s.control(&format!("/_sandbox/{source}/reset"), json!({"seed": 21, "counts": {source_object: count}})).await?;
    s.control(&format!("/_sandbox/{destination}/reset"), json!({"seed": 21, "counts": {destination_object: 0}}))
        .await?;
    s.control("/_sandbox/webhooks/settings", json!({"retry_delays_ms": [50, 100], "timeout_ms": 5000})).await?;
    let credentials = |provider: &str| {
        if provider == "stripe" { json!({"api_key": STRIPE_KEY}) } else { json!({"access_token": HUBSPOT_TOKEN}) }
    };
    let source_id = s.connect(source, credentials(source)).await?;
    let destination_id = s.connect(destination, credentials(destination)).await?;
    let body = json!({
        "name": format!("{source} {source_object} to {destination} (real time)"),
        "source_connection_id": source_id, "source_object": source_object,
        "destination_connection_id": destination_id, "destination_object": destination_object,
        "mapping": {"rules": rules, "filter": {"all": [{"field": "email", "op": "exists"}]}},
        "mode": "incremental", "upsert_key": upsert_key, "trigger": {"kind": "webhook"}
    });
    let (status, created) = s.post("/api/v1/recipes", body).await?;
    ensure!(status == 201, "create recipe: {status} {created}");
    Ok(created["id"].as_str().context("recipe id")?.to_owned())
}

/// The sandbox's Stripe API, form-encoded as Stripe takes it.
async fn stripe_form(s: &Setup, path: &str, form: &[(&str, &str)]) -> anyhow::Result<Value> {
    let resp = reqwest::Client::new()
        .post(format!("{}/stripe{path}", s.sandbox))
        .bearer_auth(STRIPE_KEY)
        .form(form)
        .send()
        .await?;
    let status = resp.status();
    let body: Value = resp.json().await?;
    ensure!(status.is_success(), "stripe {path}: {status} {body}");
    Ok(body)
}

pub async fn hubspot_changes_reach_hitch_as_signed_webhooks(app: hitch_tests::TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    let rules = json!([{"target": "email", "source": {"field": "email"}},
                       {"target": "description", "source": {"field": "jobtitle"}}]);
    let recipe = realtime_recipe(&s, ("hubspot", "contacts", 3), ("stripe", "customers"), rules, "").await?;
    // HubSpot signs with the app's client secret, so Hitch is given that one.
    let (status, created) =
        s.post(&format!("/api/v1/recipes/{recipe}/webhooks"), json!({"secret": SANDBOX_CLIENT_SECRET})).await?;
    ensure!(status == 201 && created["scheme"]["scheme"] == "hubspot_v3", "create endpoint: {status} {created}");
    let hook_url = created["url"].as_str().context("url")?.to_owned();
    endpoint_id(&created)?;
    let subscriptions = json!([
        {"eventType": "contact.creation"},
        {"eventType": "contact.propertyChange", "propertyName": "jobtitle"}
    ]);
    let put = |secret: Option<&str>| {
        let mut body = json!({"targetUrl": hook_url, "subscriptions": subscriptions});
        if let Some(secret) = secret {
            body["clientSecret"] = json!(secret);
        }
        reqwest::Client::new().put(format!("{}/_sandbox/hubspot/webhooks", s.sandbox)).json(&body).send()
    };
    let resp = put(None).await?;
    ensure!(resp.status().is_success(), "hubspot webhook settings: {}", resp.status());

    // A contact created through the CRM API reaches Stripe without anyone starting a run.
    let resp = reqwest::Client::new()
        .post(format!("{}/hubspot/crm/v3/objects/contacts/batch/create", s.sandbox))
        .bearer_auth(HUBSPOT_TOKEN)
        .json(&json!({"inputs": [{"properties": {"email": "rt.one@example.com", "jobtitle": "Pilot"}}]}))
        .send()
        .await?;
    ensure!(resp.status().as_u16() == 201, "batch create: {}", resp.status());
    let customer =
        until("the new contact in Stripe", || record_where(&s, "stripe", "customers", "email", "rt.one@example.com"))
            .await?;
    ensure!(customer["description"] == "Pilot", "{customer}");
    let runs = s.get(&format!("/api/v1/runs?recipe_id={recipe}")).await?;
    ensure!(
        runs["runs"].as_array().is_some_and(|r| !r.is_empty() && r.iter().all(|r| r["trigger"] == "webhook")),
        "{runs}"
    );

    // A change made through the control API (as a person in HubSpot would) follows.
    let contact = record_where(&s, "hubspot", "contacts", "email", "rt.one@example.com").await?.context("contact")?;
    let id = contact["id"].as_str().context("contact id")?.to_owned();
    s.control("/_sandbox/hubspot/contacts/touch", json!({"ids": [id]})).await?;
    let contact = record_where(&s, "hubspot", "contacts", "email", "rt.one@example.com").await?.context("contact")?;
    let title = contact["properties"]["jobtitle"].as_str().context("jobtitle")?.to_owned();
    ensure!(title != "Pilot", "touch did not change the job title: {contact}");
    until("the changed job title in Stripe", || async {
        let c = record_where(&s, "stripe", "customers", "email", "rt.one@example.com").await?;
        Ok(c.filter(|c| c["description"] == title.as_str()))
    })
    .await?;
    let sent = settled(&s, "hubspot").await?;
    ensure!(sent.iter().all(|d| d["status"] == "succeeded" && codes(d) == [200]), "{sent:?}");
    let types: Vec<&str> =
        sent.iter().flat_map(|d| d["event_types"].as_array().into_iter().flatten()).filter_map(Value::as_str).collect();
    ensure!(types.contains(&"contact.creation") && types.contains(&"contact.propertyChange"), "{types:?}");

    // The app's secret changes at HubSpot but not in Hitch: 401, not retried, no run.
    let before = run_count(&s, &recipe).await?;
    let resp = put(Some("a-client-secret-hitch-does-not-have")).await?;
    ensure!(resp.status().is_success(), "hubspot webhook settings: {}", resp.status());
    s.control("/_sandbox/hubspot/contacts/touch", json!({"ids": [id]})).await?;
    let sent = until("the wrongly signed delivery", || async {
        let all = settled(&s, "hubspot").await?;
        Ok((all.len() == sent.len() + 1).then_some(all))
    })
    .await?;
    let last = sent.last().context("a delivery")?;
    ensure!(last["status"] == "failed" && codes(last) == [401], "{last}");
    ensure!(run_count(&s, &recipe).await? == before, "a wrongly signed delivery ran the recipe");
    s.app.stop().await
}

pub async fn stripe_changes_reach_hitch_as_signed_webhooks(app: hitch_tests::TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    let rules = json!([{"target": "email", "source": {"field": "email"}},
                       {"target": "phone", "source": {"field": "phone"}}]);
    let recipe = realtime_recipe(&s, ("stripe", "customers", 4), ("hubspot", "contacts"), rules, "email").await?;

    // As with real Stripe: the endpoint is made first and its secret given to Hitch, then
    // the endpoint is pointed at Hitch's URL (the secret stays).
    let events = [("enabled_events[]", "customer.created"), ("enabled_events[]", "customer.updated")];
    let mut form = vec![("url", "http://127.0.0.1:9/not-yet")];
    form.extend(events);
    let endpoint = stripe_form(&s, "/v1/webhook_endpoints", &form).await?;
    let secret = endpoint["secret"].as_str().context("secret")?.to_owned();
    let we = endpoint["id"].as_str().context("endpoint id")?.to_owned();
    ensure!(secret.starts_with("whsec_") && endpoint["status"] == "enabled", "{endpoint}");
    let (status, created) = s.post(&format!("/api/v1/recipes/{recipe}/webhooks"), json!({"secret": secret})).await?;
    ensure!(status == 201 && created["scheme"]["scheme"] == "stripe", "create endpoint: {status} {created}");
    let hook_url = created["url"].as_str().context("url")?.to_owned();
    let updated = stripe_form(&s, &format!("/v1/webhook_endpoints/{we}"), &[("url", &hook_url)]).await?;
    ensure!(updated["url"] == hook_url.as_str() && updated.get("secret").is_none(), "{updated}");

    let customer =
        stripe_form(&s, "/v1/customers", &[("email", "rt.two@example.com"), ("phone", "+15550100001")]).await?;
    let cus = customer["id"].as_str().context("customer id")?.to_owned();
    until("the new customer in HubSpot", || async {
        let c = record_where(&s, "hubspot", "contacts", "email", "rt.two@example.com").await?;
        Ok(c.filter(|c| c["properties"]["phone"] == "+15550100001"))
    })
    .await?;

    s.control("/_sandbox/stripe/customers/touch", json!({"ids": [cus]})).await?;
    let phone =
        record_where(&s, "stripe", "customers", "email", "rt.two@example.com").await?.context("customer")?["phone"]
            .as_str()
            .context("phone")?
            .to_owned();
    ensure!(phone != "+15550100001", "touch did not change the phone");
    until("the changed phone in HubSpot", || async {
        let c = record_where(&s, "hubspot", "contacts", "email", "rt.two@example.com").await?;
        Ok(c.filter(|c| c["properties"]["phone"] == phone.as_str()))
    })
    .await?;
    let sent = settled(&s, "stripe").await?;
    ensure!(sent.len() == 2 && sent.iter().all(|d| d["status"] == "succeeded" && codes(d) == [200]), "{sent:?}");
    ensure!(
        sent[0]["event_types"] == json!(["customer.created"]) && sent[1]["event_types"] == json!(["customer.updated"]),
        "{sent:?}"
    );
    ensure!(sent.iter().all(|d| d["endpoint"] == we.as_str()), "{sent:?}");

    // A reset with the same seed regenerates the same customers but not the same event ids:
    // the next event is news to Hitch, not a duplicate of the first one it stored.
    s.control("/_sandbox/stripe/reset", json!({"seed": 21, "counts": {"customers": 4}})).await?;
    stripe_form(&s, "/v1/customers", &[("email", "rt.three@example.com")]).await?;
    until("the customer made after the reset in HubSpot", || async {
        record_where(&s, "hubspot", "contacts", "email", "rt.three@example.com").await
    })
    .await?;
    let sent = settled(&s, "stripe").await?;
    ensure!(sent.len() == 3 && sent[2]["status"] == "succeeded" && codes(&sent[2]) == [200], "{sent:?}");
    ensure!(sent[2]["event_ids"] != sent[0]["event_ids"], "the event after the reset repeats an id: {sent:?}");

    // The endpoint is made again at Stripe (a new secret) but Hitch keeps the old one:
    // every attempt gets 401, Stripe gives up after its retries, and nothing runs.
    let resp = reqwest::Client::new()
        .delete(format!("{}/stripe/v1/webhook_endpoints/{we}", s.sandbox))
        .bearer_auth(STRIPE_KEY)
        .send()
        .await?;
    let deleted: Value = resp.json().await?;
    ensure!(deleted["deleted"] == true, "{deleted}");
    let mut form = vec![("url", hook_url.as_str())];
    form.extend(events);
    let again = stripe_form(&s, "/v1/webhook_endpoints", &form).await?;
    ensure!(again["secret"] != secret.as_str(), "a new endpoint reused the secret");
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/stripe/v1/webhook_endpoints", s.sandbox))
        .bearer_auth(STRIPE_KEY)
        .send()
        .await?
        .json()
        .await?;
    ensure!(listed["data"].as_array().map(Vec::len) == Some(1) && !listed.to_string().contains("whsec_"), "{listed}");
    let before = run_count(&s, &recipe).await?;
    s.control("/_sandbox/stripe/customers/touch", json!({"ids": [cus]})).await?;
    let sent = until("the wrongly signed delivery", || async {
        let all = settled(&s, "stripe").await?;
        Ok((all.len() == 4).then_some(all))
    })
    .await?;
    let last = &sent[3];
    ensure!(last["status"] == "failed" && codes(last) == [401, 401, 401], "{last}");
    ensure!(run_count(&s, &recipe).await? == before, "a wrongly signed delivery ran the recipe");
    s.app.stop().await
}
