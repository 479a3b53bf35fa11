//! The generic HTTP/JSON connector as a recipe source: a small JSON API on this machine,
//! paginated by cursor, synced into HubSpot contacts.

use anyhow::{Context, ensure};
use axum::Json;
use axum::extract::Query;
use axum::routing::get;
use hitch_tests::TestApp;
use serde_json::{Value, json};

use crate::sync::{HUBSPOT_TOKEN, setup};

const PEOPLE: usize = 23;

#[derive(serde::Deserialize)]
struct PageQuery {
    after: Option<usize>,
}

/// Ten people a page; `next` names where the following page starts.
async fn people(
    Query(q): Query<PageQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Value>, axum::http::StatusCode> {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some("local-secret-key") {
        return Err(axum::http::StatusCode::UNAUTHORIZED);
    }
    let start = q.after.unwrap_or(0);
    let end = (start + 10).min(PEOPLE);
    let items: Vec<Value> = (start..end)
        .map(|i| json!({"id": format!("p{i}"), "email": format!("Person{i}@Example.com"), "name": format!("Person {i}")}))
        .collect();
    let next = (end < PEOPLE).then_some(end);
    Ok(Json(json!({"items": items, "next": next})))
}

pub async fn an_http_json_api_to_hubspot(app: TestApp) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api_base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().route("/people", get(people))).await;
    });
    let s = setup(app).await?;
    s.control("/_sandbox/hubspot/reset", json!({"seed": 2, "counts": {"contacts": 0}})).await?;
    let objects = json!([{"name": "people", "path": "/people", "records_path": "items", "id_field": "id",
        "pagination": {"kind": "cursor", "next_path": "next", "param": "after"}}]);
    let http = s
        .connect("http", json!({"base_url": api_base, "header": "X-Api-Key", "api_key": "local-secret-key", "objects": objects.to_string()}))
        .await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    let (status, created) = s
        .post(
            "/api/v1/recipes",
            json!({
                "name": "People to contacts", "source_connection_id": http, "source_object": "people",
                "destination_connection_id": hubspot, "destination_object": "contacts",
                "mapping": {"rules": [
                    {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "lower"}]},
                    {"target": "lastname", "source": {"field": "name"}}
                ]},
                "mode": "full", "upsert_key": "email"
            }),
        )
        .await?;
    ensure!(status == 201, "{status} {created}");
    let run = s.run(created["id"].as_str().context("id")?).await?;
    ensure!(
        run["status"] == "succeeded" && run["counts"]["read"] == PEOPLE && run["counts"]["created"] == PEOPLE,
        "{run}"
    );
    let contacts = s.sandbox_records("hubspot", "contacts").await?;
    ensure!(contacts.len() == PEOPLE, "{} contacts", contacts.len());
    ensure!(Value::Array(contacts).to_string().contains("person7@example.com"), "emails not lower-cased");

    // A malformed objects list is refused when connecting, before any run can trip on it.
    let (status, body) = s
        .post("/api/v1/connections", json!({"provider": "http", "label": "bad", "credentials": {"base_url": api_base, "objects": "[{\"nam\": 1}]"}}))
        .await?;
    ensure!(
        status == 422 && body["error"]["message"].as_str().is_some_and(|m| m.contains("Objects to sync")),
        "{status} {body}"
    );
    server.abort();
    s.app.stop().await
}
