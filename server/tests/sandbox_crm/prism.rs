//! The HubSpot stand-in's traffic through Prism's validating proxy (`--errors`): every request
//! and response is checked against HubSpot's published contacts description, and a violation
//! becomes an error response. The spec is read from `../shared/provider-specs/`; the test
//! writes a derived copy into a temp dir with one documented change: property values may be
//! `null` (the live API answers null for a requested property without a value; the
//! provider-specs README, gotcha 6). Everything else is validated as published.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{HUBSPOT_TOKEN, sandbox, skip_without};
use crate::node::{free_port, prism_cli, spec, temp_dir};

pub struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Marks every `properties` map of string values as also allowing null.
pub fn allow_null_properties(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(ap)) = map
                .get_mut("properties")
                .and_then(|p| p.get_mut("properties"))
                .and_then(|p| p.get_mut("additionalProperties"))
                && ap.get("type") == Some(&json!("string"))
            {
                ap.insert("nullable".into(), json!(true));
            }
            map.values_mut().for_each(allow_null_properties);
        }
        Value::Array(items) => items.iter_mut().for_each(allow_null_properties),
        _ => {}
    }
}

pub async fn wait_for(http: &reqwest::Client, url: &str, child: &mut Prism) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http.get(url).send().await.is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("Prism exited early: {status}");
        }
        assert!(Instant::now() < deadline, "Prism did not start within 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Starts Prism proxying to `upstream` with the published contacts spec (null allowed in
/// property values). None when Prism or the spec is not there (and that is allowed).
pub async fn start_proxy(upstream: &str) -> Option<(Prism, String)> {
    let published = spec("hubspot/crm-contacts.v3.json");
    let Some(cli) = prism_cli() else {
        skip_without("Prism (tests/browser/node_modules/@stoplight/prism-cli) or node", false);
        return None;
    };
    if skip_without(&format!("the HubSpot spec at {}", published.display()), published.is_file()) {
        return None;
    }
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&published).unwrap()).unwrap();
    allow_null_properties(&mut doc);
    let derived = temp_dir("prism").join("crm-contacts.v3.nullable.json");
    std::fs::write(&derived, serde_json::to_vec(&doc).unwrap()).unwrap();
    let port = free_port();
    let child = Command::new("node")
        .arg(&cli)
        .args([
            "proxy",
            derived.to_str().unwrap(),
            upstream,
            "--errors",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut prism = Prism(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&reqwest::Client::new(), &base, &mut prism).await;
    Some((prism, base))
}

#[tokio::test]
async fn hubspot_traffic_validates_against_the_published_contacts_spec() {
    let published = spec("hubspot/crm-contacts.v3.json");
    let Some(cli) = prism_cli() else {
        skip_without("Prism (tests/browser/node_modules/@stoplight/prism-cli) or node", false);
        return;
    };
    if skip_without(&format!("the HubSpot spec at {}", published.display()), published.is_file()) {
        return;
    }
    let sb = sandbox().await;
    sb.hubspot_reset(8, 250, 0, 0).await;
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&published).unwrap()).unwrap();
    allow_null_properties(&mut doc);
    let dir = temp_dir("prism");
    let derived = dir.join("crm-contacts.v3.nullable.json");
    std::fs::write(&derived, serde_json::to_vec(&doc).unwrap()).unwrap();

    let port = free_port();
    let upstream = sb.url("/hubspot");
    let child = Command::new("node")
        .arg(&cli)
        .args([
            "proxy",
            derived.to_str().unwrap(),
            &upstream,
            "--errors",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut prism = Prism(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_for(&http, &base, &mut prism).await;

    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(HUBSPOT_TOKEN).send();
    let post =
        |path: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(HUBSPOT_TOKEN).json(&body).send();
    async fn ok(r: reqwest::Response, what: &str) -> Value {
        let status = r.status();
        let violations = r.headers().get("sl-violations").map(|v| v.to_str().unwrap_or("").to_owned());
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{what}: {status} {text}");
        assert!(violations.is_none(), "{what}: {violations:?}");
        if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
    }

    // The proxy really validates: a malformed request and a missing credential are refused.
    let bad = get("/crm/v3/objects/contacts?limit=abc".into()).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("limit"));
    let anonymous = http.get(format!("{base}/crm/v3/objects/contacts")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Every contact through the list endpoint, with the default and with named properties.
    let mut after = String::new();
    let mut seen = 0;
    loop {
        let q = if after.is_empty() { String::new() } else { format!("&after={after}") };
        let page = ok(
            get(format!("/crm/v3/objects/contacts?limit=100&properties=email,firstname,phone{q}")).await.unwrap(),
            "list",
        )
        .await;
        seen += page["results"].as_array().unwrap().len();
        match page.pointer("/paging/next/after").and_then(Value::as_str) {
            Some(a) => after = a.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 250);
    ok(get("/crm/v3/objects/contacts".into()).await.unwrap(), "default list").await;

    // Search forward from a modification time (the spec's sorts are strings).
    let mut after = "0".to_owned();
    let mut found = 0;
    loop {
        let body = json!({
            "filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "0"}]}],
            "sorts": ["lastmodifieddate"], "properties": ["email", "lastname"], "limit": 100, "after": after,
        });
        let page = ok(post("/crm/v3/objects/contacts/search", body).await.unwrap(), "search").await;
        found += page["results"].as_array().unwrap().len();
        match page.pointer("/paging/next/after").and_then(Value::as_str) {
            Some(a) => after = a.to_owned(),
            None => break,
        }
    }
    assert_eq!(found, 250);

    // Batch writes: created, 207 with one bad input, update, upsert (new and old), archive.
    let created = ok(
        post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": [
                {"properties": {"email": "prism.one@example.com", "firstname": "Prism"}, "associations": []},
                {"properties": {"email": "prism.two@example.com"}, "associations": []},
            ]}),
        )
        .await
        .unwrap(),
        "batch/create",
    )
    .await;
    let id = created["results"][0]["id"].as_str().unwrap().to_owned();
    let mixed = ok(
        post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": [
                {"properties": {"email": "prism.three@example.com"}, "associations": []},
                {"properties": {"email": "broken@example"}, "associations": []},
            ]}),
        )
        .await
        .unwrap(),
        "batch/create 207",
    )
    .await;
    assert_eq!(mixed["numErrors"], json!(1));
    ok(
        post(
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": [{"id": id, "properties": {"lastname": "Proxy"}}]}),
        )
        .await
        .unwrap(),
        "batch/update",
    )
    .await;
    let upserted = ok(
        post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [
                {"idProperty": "email", "id": "prism.one@example.com", "properties": {"jobtitle": "Validator"}},
                {"idProperty": "email", "id": "prism.four@example.com", "properties": {"firstname": "Four"}},
            ]}),
        )
        .await
        .unwrap(),
        "batch/upsert",
    )
    .await;
    assert_eq!(upserted["results"].as_array().unwrap().len(), 2);
    ok(post("/crm/v3/objects/contacts/batch/archive", json!({"inputs": [{"id": id}]})).await.unwrap(), "batch/archive")
        .await;
    let _ = std::fs::remove_dir_all(dir);
}
