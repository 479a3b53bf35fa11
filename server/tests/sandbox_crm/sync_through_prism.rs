//! A full Hitch sync whose HubSpot traffic goes through Prism's validating proxy: HubSpot
//! contacts -> Stripe customers (list on the first run, search on the next) and Stripe
//! customers -> HubSpot contacts (batch upserts). Prism answers any request or response that
//! breaks HubSpot's published contacts description with an error, which fails the run.

use std::time::Duration;

use hitch::connections::credentials::{Credentials, OAuthToken};
use hitch::storage::{Activation, new_id};
use serde_json::{Value, json};

use crate::helpers::{HUBSPOT_TOKEN, STRIPE_KEY, sandbox};
use crate::node::temp_dir;
use crate::prism::start_proxy;

const KEY: &str = "aGl0Y2gtdGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODk=";

#[tokio::test]
async fn a_hubspot_sync_through_prism_keeps_to_the_published_spec() {
    let sb = sandbox().await;
    sb.hubspot_reset(9, 230, 0, 0).await;
    sb.stripe_reset(9, 0, 0, 0).await;
    let Some((_prism, prism_url)) = start_proxy(&sb.url("/hubspot")).await else { return };

    let dir = temp_dir("prism-sync");
    let env: Vec<(String, String)> = [
        ("HITCH_BIND", "127.0.0.1:0".to_owned()),
        ("HITCH_DATA_DIR", dir.display().to_string()),
        ("HITCH_DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.join("hitch.db").display())),
        ("HITCH_MASTER_KEY", KEY.to_owned()),
        ("HITCH_PROVIDERS_SANDBOX", sb.url("")),
        ("HITCH_PROVIDER_HUBSPOT_BASE_URL", prism_url.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let settings = hitch::config::Settings::from_sources(&env, std::path::Path::new("/nonexistent")).unwrap();
    let app = hitch::startup::Application::build(settings).await.unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    let state = app.state().clone();
    let server = tokio::spawn(app.run_until_stopped(std::future::pending()));

    // The workspace, an API token, and a HubSpot connection made straight in storage: its
    // "who am I" check is not part of the contacts description, so it would not pass Prism.
    let store = &state.store;
    let tenant = store.create_tenant(&hitch::domain::TenantName::parse("Prism").unwrap()).await.unwrap();
    let scope = store.tenant(&tenant.id);
    let token = hitch::auth::tokens::generate("hitch_");
    scope
        .create_api_token("t", hitch::domain::Role::Owner, &hitch::auth::tokens::hash(&token), "xxxx", None)
        .await
        .unwrap();
    let hubspot_id = new_id();
    let creds = Credentials::OAuth(OAuthToken {
        access_token: HUBSPOT_TOKEN.into(),
        refresh_token: None,
        expires_at: None,
        scope: None,
    });
    let activation = Activation {
        credentials: creds.seal(&state.secrets, &tenant.id, &hubspot_id).unwrap(),
        account_id: "24681357".into(),
        account_name: "HubSpot".into(),
        base_url: String::new(),
    };
    scope.create_connection(&hubspot_id, "hubspot", "HubSpot", "oauth2", None, Some(&activation)).await.unwrap();
    let api = reqwest::Client::new();
    let post = |path: &str, body: Value| api.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send();
    let stripe: Value = post(
        "/api/v1/connections",
        json!({"provider":"stripe","label":"Stripe","credentials":{"api_key": STRIPE_KEY}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let stripe_id = stripe["connection"]["id"].as_str().unwrap_or_else(|| panic!("{stripe}")).to_owned();

    let recipe = |name: &str, from: (&str, &str), to: (&str, &str), rules: Value, key: &str| {
        json!({"name": name, "source_connection_id": from.0, "source_object": from.1,
               "destination_connection_id": to.0, "destination_object": to.1,
               "mapping": {"rules": rules, "filter": {"all": [{"field": "email", "op": "exists"}]}},
               "mode": "incremental", "upsert_key": key})
    };
    let run = |id: String| {
        let (api, base, token) = (api.clone(), base.clone(), token.clone());
        async move {
            let started: Value = api
                .post(format!("{base}/api/v1/recipes/{id}/run"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let run_id = started["run_id"].as_str().unwrap().to_owned();
            let deadline = std::time::Instant::now() + Duration::from_secs(90);
            loop {
                let r: Value = api
                    .get(format!("{base}/api/v1/runs/{run_id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if !matches!(r["status"].as_str(), Some("running" | "queued")) {
                    return r;
                }
                assert!(std::time::Instant::now() < deadline, "run did not finish: {r}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };

    // Recipes go straight into storage too: saving one checks it against HubSpot's property
    // list, another endpoint the contacts description does not cover.
    let save = |spec: Value| {
        let (store, tenant_id) = (state.store.clone(), tenant.id.clone());
        async move {
            let spec: hitch::sync::recipes::RecipeSpec = serde_json::from_value(spec).unwrap();
            let id = new_id();
            store.tenant(&tenant_id).create_recipe(&id, &spec.to_input(), None).await.unwrap();
            json!({"id": id})
        }
    };

    // HubSpot -> Stripe: the list endpoint, then search from the stored position.
    let out: Value = save(
        recipe(
            "HubSpot to Stripe",
            (&hubspot_id, "contacts"),
            (&stripe_id, "customers"),
            json!([{"target":"email","source":{"field":"email"}},{"target":"name","source":{"template":"{{firstname}} {{lastname}}"}}]),
            "",
        ),
    )
    .await;
    let out_id = out["id"].as_str().unwrap_or_else(|| panic!("{out}")).to_owned();
    let first = run(out_id.clone()).await;
    assert!(matches!(first["status"].as_str(), Some("succeeded" | "succeeded_with_errors")), "through Prism: {first}");
    assert_eq!(first["counts"]["read"], 230, "{first}");
    sb.control("/_sandbox/hubspot/contacts/touch", json!({"count": 4})).await;
    let second = run(out_id).await;
    assert_eq!(second["status"], "succeeded", "search through Prism: {second}");
    assert!(second["counts"]["read"].as_i64().unwrap_or(0) >= 4, "{second}");

    // Stripe -> HubSpot: batch upserts through Prism.
    let back: Value = save(recipe(
        "Stripe to HubSpot",
        (&stripe_id, "customers"),
        (&hubspot_id, "contacts"),
        json!([{"target":"email","source":{"field":"email"}},{"target":"lastname","source":{"field":"name"}}]),
        "email",
    ))
    .await;
    let third = run(back["id"].as_str().unwrap_or_else(|| panic!("{back}")).to_owned()).await;
    assert!(
        matches!(third["status"].as_str(), Some("succeeded" | "succeeded_with_errors")),
        "upserts through Prism: {third}"
    );
    assert!(
        third["counts"]["updated"].as_i64().unwrap_or(0) + third["counts"]["created"].as_i64().unwrap_or(0) > 0,
        "{third}"
    );
    if third["status"] == "succeeded_with_errors" {
        // Only HubSpot's own refusals (invalid emails), never a contract violation.
        let errors: Value = api
            .get(format!("{base}/api/v1/record-errors?run_id={}", third["id"].as_str().unwrap()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let text = errors.to_string();
        assert!(!text.contains("sl-violations") && !text.contains("UNPROCESSABLE"), "{errors}");
    }
    server.abort();
}
