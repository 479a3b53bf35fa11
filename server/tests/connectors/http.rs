//! The generic HTTP/JSON connector against a local API: every pagination style reads each
//! record exactly once, failures are classified, writes report per record.

use std::collections::HashSet;
use std::time::Duration;

use hitch::connections::credentials::Credentials;
use hitch::providers::Catalog;
use hitch::sync::connector::{Connector, FieldKind, Page, ReadMode, SyncError, WriteOp, WriteOutcome};
use hitch::sync::connectors::http::{HttpConnector, HttpObjectConfig};
use serde_json::{Value, json};

use crate::http_server::{ITEMS, KEY, start};

fn connector(base: &str, key: Option<&str>, objects: Value) -> HttpConnector {
    let provider = Catalog::load(&[]).unwrap().get("http").unwrap().clone();
    let mut values = std::collections::BTreeMap::new();
    values.insert("base_url".to_owned(), base.to_owned());
    if let Some(k) = key {
        values.insert("header".to_owned(), "x-api-key".to_owned());
        values.insert("api_key".to_owned(), k.to_owned());
    }
    let objects: Vec<HttpObjectConfig> = serde_json::from_value(objects).unwrap();
    HttpConnector::new(reqwest::Client::new(), provider, Credentials::Fields { values, token: None }, objects).unwrap()
}

fn styles() -> Value {
    json!([
        {"name": "cursor", "path": "/cursor/items", "records_path": "data",
         "cursor_field": "updated_at", "cursor_param": "updated_since",
         "pagination": {"kind": "cursor", "next_path": "paging.next.after", "param": "after"}},
        {"name": "offset", "path": "/offset/items", "records_path": "/results",
         "pagination": {"kind": "offset", "param": "offset", "limit_param": "limit", "limit": 100}},
        {"name": "page", "path": "/page/items",
         "pagination": {"kind": "page", "param": "page", "start": 1, "size_param": "per_page", "size": 70}},
        {"name": "link", "path": "/link/items", "pagination": {"kind": "link"}},
        {"name": "single", "path": "/secure/items", "records_path": "data"},
        {"name": "elsewhere", "path": "/elsewhere", "pagination": {"kind": "link"}},
        {"name": "limited", "path": "/limited"},
        {"name": "limited-plain", "path": "/limited-plain"},
        {"name": "broken", "path": "/broken"},
        {"name": "flaky", "path": "/flaky"},
        {"name": "missing", "path": "/no/such/thing"},
        {"name": "w", "path": "/w/items", "records_path": "data",
         "write": {"method": "POST", "update_method": "PUT", "update_path": "/w/items/{id}"}},
        {"name": "wb", "path": "/w/items", "records_path": "data", "write": {"path": "/w/batch", "batch": true}},
        {"name": "lw", "path": "/w/items", "write": {"update_path": "/limited-writes/{id}"}}
    ])
}

async fn read_all(c: &HttpConnector, object: &str, mode: &ReadMode) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let Page { records, next } = c.read_page(object, mode, token.as_deref()).await.unwrap();
        pages += 1;
        ids.extend(records.into_iter().map(|r| r.id));
        match next {
            Some(n) => token = Some(n),
            None => return (ids, pages),
        }
    }
}

#[tokio::test]
async fn every_pagination_style_reads_each_record_once() {
    let (base, api) = start().await;
    let c = connector(&base, Some(KEY), styles());
    let expected: Vec<String> = (1..=ITEMS).map(|i| i.to_string()).collect();
    for (object, pages) in [("cursor", 7), ("offset", 9), ("page", 4), ("link", 5)] {
        let (ids, got_pages) = read_all(&c, object, &ReadMode::Full).await;
        assert_eq!(ids, expected, "{object}");
        assert_eq!(got_pages, pages, "{object}: pages");
    }
    // No page was requested twice.
    let hits = api.hits.lock().unwrap().clone();
    assert!(hits.values().all(|&n| n == 1), "{hits:?}");
    // offset: 30 per page (the API's cap, below the 100 asked): the reader carries on past
    // pages shorter than asked, and stops at the first shorter than the longest seen.
    assert_eq!(hits.keys().filter(|k| k.starts_with("offset?")).count(), 9);
    // page: 70, 70, 70, 40 — the short page ends the read.
    assert!(!hits.contains_key("page?5"));
}

#[tokio::test]
async fn incremental_reads_send_the_cursor_and_keep_ties() {
    let (base, _api) = start().await;
    let c = connector(&base, None, styles());
    let first = c.read_page("cursor", &ReadMode::Full, None).await.unwrap();
    assert_eq!(first.records[0].cursor.as_deref(), Some("2024-01-01T00:00:01.000000Z"));
    // Items 101..=110 share the timestamp of item 100.
    let since = "2024-01-01T00:01:40.000000Z".to_owned();
    let page = c.read_page("cursor", &ReadMode::Since(since.clone()), None).await.unwrap();
    assert_eq!(page.records.first().map(|r| r.id.as_str()), Some("100"));
    assert!(page.records.iter().all(|r| r.cursor.as_deref().unwrap() >= since.as_str()));
    let (ids, _) = read_all(&c, "cursor", &ReadMode::Since(since)).await;
    let expected: Vec<String> = (100..=ITEMS).map(|i| i.to_string()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by_key(|s| s.parse::<usize>().unwrap());
    assert_eq!(sorted, expected, "from the boundary on, ties included, once each");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());

    let err = c.read_page("offset", &ReadMode::Since("2024-01-01T00:00:00Z".into()), None).await.unwrap_err();
    assert_eq!(err.kind(), "permanent");
}

#[tokio::test]
async fn failures_are_classified() {
    let (base, _api) = start().await;
    let c = connector(&base, Some(KEY), styles());
    let read = |o: &'static str| {
        let c = &c;
        async move { c.read_page(o, &ReadMode::Full, None).await.unwrap_err() }
    };
    assert_eq!(read("limited").await, SyncError::RateLimited { retry_after: Duration::from_secs(3) });
    assert_eq!(read("limited-plain").await, SyncError::RateLimited { retry_after: Duration::from_secs(10) });
    match read("broken").await {
        SyncError::Permanent { message, .. } => {
            assert!(
                message.starts_with("the API returned a page that is not JSON (<html><body>Maintenance"),
                "{message}"
            );
            assert!(message.len() < 160, "only the start of the body: {message}");
        }
        other => panic!("{other:?}"),
    }
    match read("flaky").await {
        SyncError::Retryable { message } => assert!(message.contains("503") && message.contains("upstream down")),
        other => panic!("{other:?}"),
    }
    assert_eq!(read("missing").await.kind(), "permanent");
}

#[tokio::test]
async fn links_to_other_hosts_and_bad_credentials_are_refused() {
    let (base, _api) = start().await;
    let c = connector(&base, Some(KEY), styles());
    let page = c.read_page("elsewhere", &ReadMode::Full, None).await.unwrap();
    let err = c.read_page("elsewhere", &ReadMode::Full, page.next.as_deref()).await.unwrap_err();
    assert!(matches!(&err, SyncError::Permanent { message, .. } if message.contains("evil.example")), "{err:?}");

    assert_eq!(c.read_page("single", &ReadMode::Full, None).await.unwrap().records.len(), 2);
    let wrong = connector(&base, Some("nope"), styles());
    let err = wrong.read_page("single", &ReadMode::Full, None).await.unwrap_err();
    assert!(matches!(&err, SyncError::Auth { message } if message.contains("invalid api key")), "{err:?}");
    let none = connector(&base, None, styles());
    assert_eq!(none.read_page("single", &ReadMode::Full, None).await.unwrap_err().kind(), "auth");

    let unreachable = connector("http://127.0.0.1:1", None, styles());
    assert_eq!(unreachable.read_page("page", &ReadMode::Full, None).await.unwrap_err().kind(), "retryable");
}

#[tokio::test]
async fn objects_sample_fields() {
    let (base, _api) = start().await;
    let c = connector(&base, Some(KEY), json!([styles()[0], styles()[8]]));
    let objects = c.objects().await.unwrap();
    let cursor = &objects[0];
    assert!(cursor.incremental && !cursor.writable);
    let kind = |n: &str| cursor.fields.iter().find(|f| f.name == n).unwrap().kind;
    assert_eq!(kind("id"), FieldKind::Number);
    assert_eq!(kind("name"), FieldKind::String);
    assert_eq!(kind("active"), FieldKind::Boolean);
    assert_eq!(kind("updated_at"), FieldKind::DateTime);
    assert_eq!(kind("tags"), FieldKind::Json);
    assert!(objects[1].fields.is_empty(), "a page that cannot be read gives no fields, not an error");

    let wrong = connector(&base, Some("nope"), json!([styles()[4]]));
    assert_eq!(wrong.objects().await.unwrap_err().kind(), "auth");
}

fn fields(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn writes_report_per_record() {
    let (base, api) = start().await;
    let c = connector(&base, None, styles());
    let ops = vec![
        WriteOp::Create { fields: fields(json!({"name": "Ada"})), idempotency_key: "run1-rec1".into() },
        WriteOp::Create { fields: fields(json!({"name": ""})), idempotency_key: "run1-rec2".into() },
        WriteOp::Upsert { key: "id".into(), fields: fields(json!({"id": "u1", "name": "Upserted"})) },
        WriteOp::Upsert { key: "id".into(), fields: fields(json!({"id": "u1", "name": "Again"})) },
        WriteOp::Upsert { key: "email".into(), fields: fields(json!({"email": "a@b.c", "name": "x"})) },
        WriteOp::Update { id: "w1".into(), fields: fields(json!({"name": "Ada L."})) },
        WriteOp::Delete { id: "u1".into() },
        WriteOp::Delete { id: "u1".into() },
        WriteOp::Archive { id: "w1".into() },
    ];
    let out = c.write_batch("w", &ops).await.unwrap();
    assert_eq!(out[0], WriteOutcome::Done { id: "w1".into(), created: true });
    match &out[1] {
        WriteOutcome::Failed(SyncError::Permanent { message, fields }) => {
            assert_eq!(message, "Validation failed");
            assert_eq!(fields, &vec![("name".to_owned(), "is required".to_owned())]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(out[2], WriteOutcome::Done { id: "u1".into(), created: true });
    assert_eq!(out[3], WriteOutcome::Done { id: "u1".into(), created: false });
    assert!(
        matches!(&out[4], WriteOutcome::Failed(SyncError::Permanent { message, .. }) if message.contains("id field"))
    );
    assert_eq!(out[5], WriteOutcome::Done { id: "w1".into(), created: false });
    assert_eq!(out[6], WriteOutcome::Done { id: "u1".into(), created: false });
    assert_eq!(out[7], WriteOutcome::Done { id: "u1".into(), created: false }, "already gone is done");
    assert!(matches!(&out[8], WriteOutcome::Failed(SyncError::Permanent { .. })), "no archive over HTTP");
    assert_eq!(api.idempotency.lock().unwrap().as_slice(), ["run1-rec1"]);
    let store = api.store.lock().unwrap().clone();
    assert_eq!(store.keys().collect::<Vec<_>>(), ["w1"]);
    assert_eq!(store["w1"]["name"], json!("Ada L."));
    drop(store);

    // Batched creates: one request, ids by position.
    let ops: Vec<WriteOp> = (0..3)
        .map(|i| WriteOp::Create { fields: fields(json!({"name": format!("B{i}")})), idempotency_key: String::new() })
        .collect();
    let out = c.write_batch("wb", &ops).await.unwrap();
    assert_eq!(
        out,
        vec![
            WriteOutcome::Done { id: "w2".into(), created: true },
            WriteOutcome::Done { id: "w3".into(), created: true },
            WriteOutcome::Done { id: "w4".into(), created: true },
        ]
    );
    // Read-only objects refuse writes as a whole.
    assert_eq!(c.write_batch("page", &ops).await.unwrap_err().kind(), "permanent");
}

#[tokio::test]
async fn a_rate_limit_mid_batch_keeps_what_was_written() {
    let (base, api) = start().await;
    let c = connector(&base, None, styles());
    let ops: Vec<WriteOp> = (1..=4)
        .map(|i| WriteOp::Upsert { key: "id".into(), fields: fields(json!({"id": format!("r{i}"), "name": "n"})) })
        .collect();
    // Nothing written: the whole batch waits.
    let err = c.write_batch("lw", &ops).await.unwrap_err();
    assert_eq!(err, SyncError::RateLimited { retry_after: Duration::from_secs(5) });
    // Two written, then the limit: those two are done, the rest carry the wait.
    *api.write_budget.lock().unwrap() = 2;
    let out = c.write_batch("lw", &ops).await.unwrap();
    assert_eq!(out[0], WriteOutcome::Done { id: "r1".into(), created: true });
    assert_eq!(out[1], WriteOutcome::Done { id: "r2".into(), created: true });
    for o in &out[2..] {
        assert_eq!(o, &WriteOutcome::Failed(SyncError::RateLimited { retry_after: Duration::from_secs(5) }));
    }
}
