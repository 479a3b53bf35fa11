//! Sync recipes end to end against the sandbox: Stripe customers -> HubSpot contacts, and
//! HubSpot contacts -> a PostgreSQL table. Runs are checked by their counts, by what the far
//! side holds afterwards (no record lost, none duplicated), and by their record errors.

use std::time::Duration;

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch_tests::TestApp;
use serde_json::{Value, json};

use crate::connections::{STRIPE_KEY, sandbox};

pub const HUBSPOT_TOKEN: &str = "pat-sandbox-sync-tests-0001";

/// The test app on the sandbox, a workspace, an admin token, and the sandbox's URL.
pub struct Setup {
    pub app: TestApp,
    pub token: String,
    pub sandbox: String,
    _guard: tokio::task::JoinHandle<()>,
}

pub async fn setup(app: TestApp) -> anyhow::Result<Setup> {
    setup_with(app, &[]).await
}

/// [`setup`] with more settings for the server, e.g. `HITCH_WORKERS=0`.
pub async fn setup_with(app: TestApp, extra_env: &[(&str, &str)]) -> anyhow::Result<Setup> {
    let (sandbox, guard) = sandbox().await?;
    let mut env = vec![("HITCH_PROVIDERS_SANDBOX", sandbox.as_str()), ("HITCH_PROVIDER_TIMEOUT_SECS", "3")];
    env.extend_from_slice(extra_env);
    let app = app.sibling(&env).await?;
    app.signup("Acme", "owner@acme.test").await?;
    let token = app.token("acme", Role::Admin).await?;
    Ok(Setup { app, token, sandbox, _guard: guard })
}

impl Setup {
    pub async fn post(&self, path: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        let resp = self.app.api().post(self.app.url(path)).bearer_auth(&self.token).json(&body).send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.app.api().get(self.app.url(path)).bearer_auth(&self.token).send().await?.json().await?)
    }

    pub async fn control(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let resp = reqwest::Client::new().post(format!("{}{path}", self.sandbox)).json(&body).send().await?;
        ensure!(resp.status().is_success(), "sandbox {path}: {}", resp.status());
        Ok(resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn sandbox_records(&self, provider: &str, object: &str) -> anyhow::Result<Vec<Value>> {
        let url = format!("{}/_sandbox/{provider}/{object}?limit=100000", self.sandbox);
        let body: Value = reqwest::get(url).await?.json().await?;
        let list =
            body.get("results").or_else(|| body.get("data")).or_else(|| body.get("records")).cloned().unwrap_or(body);
        Ok(list.as_array().cloned().unwrap_or_default())
    }

    pub async fn connect(&self, provider: &str, credentials: Value) -> anyhow::Result<String> {
        let (status, body) = self
            .post("/api/v1/connections", json!({"provider": provider, "label": provider, "credentials": credentials}))
            .await?;
        ensure!(status == 201, "connect {provider}: {status} {body}");
        Ok(body["connection"]["id"].as_str().context("id")?.to_owned())
    }

    /// Starts a run and waits for it to end (polling, with a deadline).
    pub async fn run(&self, recipe: &str) -> anyhow::Result<Value> {
        let (status, started) = self.post(&format!("/api/v1/recipes/{recipe}/run"), json!({})).await?;
        ensure!(status == 202, "run: {status} {started}");
        let id = started["run_id"].as_str().context("run_id")?.to_owned();
        self.wait(&id).await
    }

    pub async fn wait(&self, run: &str) -> anyhow::Result<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.get(&format!("/api/v1/runs/{run}")).await?;
            if !matches!(got["status"].as_str(), Some("running" | "queued")) {
                return Ok(got);
            }
            ensure!(tokio::time::Instant::now() < deadline, "run {run} still running after 60 s: {got}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn count(run: &Value, what: &str) -> i64 {
    run["counts"][what].as_i64().unwrap_or(-1)
}

pub async fn stripe_customers_to_hubspot_contacts(app: TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    s.control("/_sandbox/stripe/reset", json!({"seed": 7, "counts": {"customers": 60}})).await?;
    s.control("/_sandbox/hubspot/reset", json!({"seed": 7, "counts": {"contacts": 0}})).await?;
    let stripe = s.connect("stripe", json!({"api_key": STRIPE_KEY})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;

    let recipe = json!({
        "name": "Stripe customers to HubSpot",
        "source_connection_id": stripe, "source_object": "customers",
        "destination_connection_id": hubspot, "destination_object": "contacts",
        "mapping": {
            "rules": [
                {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "trim"}, {"op": "lower"}]},
                {"target": "lastname", "source": {"field": "name"}},
                {"target": "phone", "source": {"field": "phone"}},
                {"target": "company", "source": {"constant": "Stripe customer"}}
            ],
            "filter": {"all": [{"field": "email", "op": "exists"}]}
        },
        "mode": "incremental", "upsert_key": "email"
    });
    let (status, created) = s.post("/api/v1/recipes", recipe).await?;
    ensure!(status == 201, "create recipe: {status} {created}");
    let id = created["id"].as_str().context("id")?.to_owned();

    let preview = s.post(&format!("/api/v1/recipes/{id}/preview"), json!({})).await?.1;
    ensure!(preview["records"].as_array().is_some_and(|r| !r.is_empty()), "{preview}");
    ensure!(s.sandbox_records("hubspot", "contacts").await?.is_empty(), "preview wrote something");

    let first = s.run(&id).await?;
    let customers = s.sandbox_records("stripe", "customers").await?;
    ensure!(count(&first, "read") == customers.len() as i64, "{first}");
    let moved = count(&first, "created") + count(&first, "updated");
    ensure!(
        moved > 0 && moved + count(&first, "skipped") + count(&first, "failed") == count(&first, "read"),
        "{first}"
    );
    let contacts = s.sandbox_records("hubspot", "contacts").await?;
    ensure!(contacts.len() as i64 == count(&first, "created"), "{} contacts for {first}", contacts.len());
    let status = first["status"].as_str().unwrap_or_default();
    if count(&first, "failed") > 0 {
        ensure!(status == "succeeded_with_errors", "a run with failed records says {status}");
        let errors =
            s.get(&format!("/api/v1/record-errors?run_id={}", first["id"].as_str().unwrap_or_default())).await?;
        let first_error = &errors["record_errors"][0];
        ensure!(
            first_error["stage"] == "write" && first_error["message"].as_str().is_some_and(|m| m.contains("HubSpot")),
            "{errors}"
        );
    } else {
        ensure!(status == "succeeded", "{first}");
    }

    // Nothing changed: nothing is read again, nothing written.
    let second = s.run(&id).await?;
    ensure!(count(&second, "created") == 0 && count(&second, "updated") == 0, "{second}");
    ensure!(
        s.sandbox_records("hubspot", "contacts").await?.len() == contacts.len(),
        "the second run duplicated contacts"
    );

    // Three customers change: only their events are read.
    s.control("/_sandbox/stripe/customers/touch", json!({"count": 3})).await?;
    let third = s.run(&id).await?;
    ensure!((1..=6).contains(&count(&third, "read")), "{third}");
    ensure!(s.sandbox_records("hubspot", "contacts").await?.len() == contacts.len(), "an update created a duplicate");
    let logs = s.get(&format!("/api/v1/runs/{}/logs", third["id"].as_str().unwrap_or_default())).await?;
    ensure!(
        logs["logs"].as_array().is_some_and(|l| l
            .iter()
            .any(|line| line["message"].as_str().is_some_and(|m| m.contains("changed since")))),
        "{logs}"
    );
    s.app.stop().await
}

pub async fn recipes_are_checked_when_saved(app: TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    let stripe = s.connect("stripe", json!({"api_key": STRIPE_KEY})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    let base = |rules: Value, extra: Value| {
        let mut r = json!({
            "name": "Check", "source_connection_id": stripe, "source_object": "customers",
            "destination_connection_id": hubspot, "destination_object": "contacts",
            "mapping": {"rules": rules}, "upsert_key": "email"
        });
        if let (Some(obj), Some(extra)) = (r.as_object_mut(), extra.as_object()) {
            obj.extend(extra.clone());
        }
        r
    };
    let cases = [
        (base(json!([{"target": "email", "source": {"field": "emial"}}]), json!({})), "emial"),
        (
            base(
                json!([{"target": "email", "source": {"field": "email"}}, {"target": "lastname", "source": {"template": "{{name"}}]),
                json!({}),
            ),
            "never closed",
        ),
        (
            base(
                json!([{"target": "email", "source": {"field": "email"}}, {"target": "nosuch", "source": {"field": "name"}}]),
                json!({}),
            ),
            "nosuch",
        ),
        (base(json!([{"target": "lastname", "source": {"field": "name"}}]), json!({})), "email"),
        (
            base(json!([{"target": "email", "source": {"field": "email"}}]), json!({"source_object": "planets"})),
            "planets",
        ),
        (
            base(
                json!([{"target": "email", "source": {"field": "email"}}]),
                json!({"destination_connection_id": "nope"}),
            ),
            "destination",
        ),
        (
            base(
                json!([{"target": "email", "source": {"field": "email"}}]),
                json!({"trigger": {"kind": "cron", "expression": "0 25 * * *", "time_zone": "Europe/Berlin"}}),
            ),
            "hour 25",
        ),
        (
            base(
                json!([{"target": "email", "source": {"field": "email"}}]),
                json!({"trigger": {"kind": "cron", "expression": "0 0 * * *", "time_zone": "Mars/Olympus"}}),
            ),
            "Mars/Olympus",
        ),
        (
            base(
                json!([{"target": "email", "source": {"field": "email"}}]),
                json!({"trigger": {"kind": "interval", "every_secs": 5}}),
            ),
            "interval",
        ),
    ];
    for (body, needle) in cases {
        let (status, got) = s.post("/api/v1/recipes", body).await?;
        ensure!(
            status == 422 && got["error"]["message"].as_str().is_some_and(|m| m.contains(needle)),
            "expected a problem naming {needle:?}: {status} {got}"
        );
    }
    let (status, _) =
        s.post("/api/v1/recipes", json!({"name": "x", "mapping": {"rules": [], "transform": []}})).await?;
    ensure!(status == 422, "unknown mapping key accepted: {status}");
    let list = s.get("/api/v1/recipes").await?;
    ensure!(list["recipes"].as_array().is_some_and(Vec::is_empty), "a refused recipe was saved: {list}");
    // A valid schedule is stored, and the API says when it runs next.
    let nightly = base(
        json!([{"target": "email", "source": {"field": "email"}}]),
        json!({"trigger": {"kind": "cron", "expression": "0 0 * * *", "time_zone": "Europe/Berlin"}}),
    );
    let (status, saved) = s.post("/api/v1/recipes", nightly).await?;
    ensure!(
        status == 201 && saved["trigger"]["kind"] == "cron" && saved["next_run_at"].is_string(),
        "{status} {saved}"
    );
    s.app.stop().await
}

pub async fn record_problems_are_reported_and_the_run_goes_on(app: TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    s.control("/_sandbox/stripe/reset", json!({"seed": 11, "counts": {"customers": 30}})).await?;
    s.control("/_sandbox/hubspot/reset", json!({"seed": 11, "counts": {"contacts": 0}})).await?;
    let stripe = s.connect("stripe", json!({"api_key": STRIPE_KEY})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    // Names are not numbers: every customer with an email fails its `jobtitle` rule, and the
    // run records each one and carries on.
    let recipe = json!({
        "name": "Strict", "source_connection_id": stripe, "source_object": "customers",
        "destination_connection_id": hubspot, "destination_object": "contacts",
        "mapping": {"rules": [
            {"target": "email", "source": {"field": "email"}},
            {"target": "jobtitle", "source": {"field": "name"}, "transforms": [{"op": "number"}]},
        ], "filter": {"all": [{"field": "email", "op": "exists"}]}},
        "mode": "full", "upsert_key": "email"
    });
    let (status, created) = s.post("/api/v1/recipes", recipe).await?;
    ensure!(status == 201, "{status} {created}");
    let id = created["id"].as_str().context("id")?;
    let run = s.run(id).await?;
    ensure!(run["status"] == "succeeded_with_errors" && count(&run, "failed") > 0, "{run}");
    let errors = s.get(&format!("/api/v1/record-errors?run_id={}", run["id"].as_str().unwrap_or_default())).await?;
    let list = errors["record_errors"].as_array().cloned().unwrap_or_default();
    ensure!(
        list.iter()
            .any(|e| e["stage"] == "mapping" && e["message"].as_str().is_some_and(|m| m.contains("is not a number"))),
        "{errors}"
    );
    ensure!(list.iter().all(|e| e["payload"].is_object()), "payloads missing: {errors}");

    // A page of malformed JSON: the run fails with a clear reason and the cursor stays put.
    s.control("/_sandbox/faults", json!({"provider": "stripe", "endpoint": "api", "kind": "garbage", "count": 1}))
        .await?;
    let broken = s.run(id).await?;
    ensure!(
        broken["status"] == "failed" && broken["error_message"].as_str().is_some_and(|m| m.contains("Stripe")),
        "{broken}"
    );

    // A rate limit is waited out, not turned into a failure.
    s.control("/_sandbox/faults", json!({"provider": "stripe", "endpoint": "api", "kind": "429", "count": 1})).await?;
    let limited = s.run(id).await?;
    ensure!(limited["status"] == "succeeded_with_errors", "{limited}");
    let logs = s.get(&format!("/api/v1/runs/{}/logs", limited["id"].as_str().unwrap_or_default())).await?;
    ensure!(logs.to_string().contains("rate limited"), "{logs}");
    s.app.stop().await
}

pub async fn recipe_editor_in_the_browser(app: TestApp) -> anyhow::Result<()> {
    let s = setup(app).await?;
    s.control("/_sandbox/stripe/reset", json!({"seed": 5, "counts": {"customers": 12}})).await?;
    s.control("/_sandbox/hubspot/reset", json!({"seed": 5, "counts": {"contacts": 0}})).await?;
    let stripe = s.connect("stripe", json!({"api_key": STRIPE_KEY})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    let owner = hitch_tests::Browser::new(&s.app.base);
    owner.login("owner@acme.test", hitch_tests::PASSWORD).await?;
    ensure!(owner.get("/recipes/new").await?.status == 200, "editor");
    let ends = [
        ("name", "Customers to contacts"),
        ("source_connection", stripe.as_str()),
        ("source_object", "customers"),
        ("destination_connection", hubspot.as_str()),
        ("destination_object", "contacts"),
        ("mode", "incremental"),
        ("delete_policy", "ignore"),
    ];
    let mut fields: Vec<(&str, &str)> = ends.to_vec();
    fields.push(("intent", "load_fields"));
    let loaded = owner.submit("/recipes/new", "/recipes/new", &fields).await?;
    ensure!(
        loaded.status == 200 && loaded.contains("rule-0-target") && loaded.contains("lifecyclestage"),
        "load fields: {}",
        loaded.status
    );
    // email is matched by name; map lastname from name and make email the upsert key.
    let rows = [
        ("rule-0-target", "email"),
        ("rule-0-kind", "field"),
        ("rule-0-field", "email"),
        ("rule-0-transforms", "lower"),
        ("rule-1-target", "lastname"),
        ("rule-1-kind", "field"),
        ("rule-1-field", "name"),
        ("filter", "email exists"),
        ("upsert_key", "email"),
    ];
    let mut preview: Vec<(&str, &str)> = ends.to_vec();
    preview.extend(rows);
    preview.push(("intent", "preview"));
    let previewed = owner.submit("/recipes/new", "/recipes/new", &preview).await?;
    ensure!(
        previewed.status == 200 && previewed.contains("would write"),
        "preview: {} {}",
        previewed.status,
        previewed.text_excerpt()
    );
    ensure!(s.sandbox_records("hubspot", "contacts").await?.is_empty(), "the preview wrote");
    let mut bad_schedule: Vec<(&str, &str)> = ends.to_vec();
    bad_schedule.extend(rows);
    bad_schedule.extend([
        ("trigger_kind", "cron"),
        ("cron", "0 25 * * *"),
        ("time_zone", "Europe/Berlin"),
        ("intent", "save"),
    ]);
    let refused = owner.submit("/recipes/new", "/recipes/new", &bad_schedule).await?;
    ensure!(refused.status == 422 && refused.contains("hour 25"), "bad schedule: {}", refused.status);
    let mut save: Vec<(&str, &str)> = ends.to_vec();
    save.extend(rows);
    save.extend([("trigger_kind", "cron"), ("cron", "0 0 * * *"), ("time_zone", "Europe/Berlin")]);
    save.push(("intent", "save"));
    let saved = owner.submit("/recipes/new", "/recipes/new", &save).await?;
    ensure!(saved.status == 303, "save: {} {}", saved.status, saved.text_excerpt());
    let recipe_url = saved.location().context("location")?.to_owned();
    let page = owner.get(&recipe_url).await?;
    ensure!(page.contains("Customers to contacts") && page.contains("Run now"), "recipe page");
    ensure!(
        page.contains("every day at 00:00 (Europe/Berlin)") && page.contains("next:"),
        "schedule not shown: {}",
        page.text_excerpt()
    );
    let started = owner.submit(&recipe_url, &format!("{recipe_url}/run"), &[]).await?;
    let run_url = started.location().context("run location")?.to_owned();
    ensure!(run_url.starts_with("/runs/"), "{run_url}");
    let run = s.wait(run_url.trim_start_matches("/runs/")).await?;
    ensure!(matches!(run["status"].as_str(), Some("succeeded" | "succeeded_with_errors")), "{run}");
    let run_page = owner.get(&run_url).await?;
    ensure!(run_page.status == 200 && run_page.contains("Customers to contacts"), "run page");
    ensure!(owner.get("/runs").await?.contains("Customers to contacts"), "runs list");
    ensure!(owner.get("/errors").await?.status == 200, "errors page");
    ensure!(owner.get("/overview").await?.contains("Done"), "overview");

    // Saving a recipe with a problem shows it and saves nothing.
    let mut broken: Vec<(&str, &str)> = ends.to_vec();
    broken.extend([
        ("rule-0-target", "email"),
        ("rule-0-kind", "field"),
        ("rule-0-field", "no_such_field"),
        ("upsert_key", "email"),
        ("intent", "save"),
    ]);
    let refused = owner.submit("/recipes/new", "/recipes/new", &broken).await?;
    ensure!(refused.status == 422 && refused.contains("no_such_field"), "broken save: {}", refused.status);
    let list = s.get("/api/v1/recipes").await?;
    ensure!(list["recipes"].as_array().map(Vec::len) == Some(1), "{list}");
    s.app.stop().await
}
