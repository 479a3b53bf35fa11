//! A small JSON API on a random port: the same 250 items behind every pagination style, and
//! the failures an API produces.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::{Value, json};

pub const ITEMS: usize = 250;
pub const KEY: &str = "s3cret";

#[derive(Default)]
pub struct Api {
    /// Written records by id.
    pub store: Mutex<BTreeMap<String, Value>>,
    /// Idempotency keys seen on creates.
    pub idempotency: Mutex<Vec<String>>,
    /// Requests per path, to see that pages are not fetched twice.
    pub hits: Mutex<HashMap<String, usize>>,
    next_id: Mutex<u64>,
    /// Writes to /limited-writes before it starts answering 429.
    pub write_budget: Mutex<usize>,
}

type S = State<Arc<Api>>;
type Q = Query<HashMap<String, String>>;

/// Item i: ids 1..=250; `updated_at` ascends, and items 101..=110 share one timestamp.
fn item(i: usize) -> Value {
    let sec = if (101..=110).contains(&i) { 100 } else { i };
    json!({"id": i, "name": format!("Item {i}"), "price": i as f64 / 4.0, "active": i.is_multiple_of(2),
           "updated_at": format!("2024-01-01T00:{:02}:{:02}+00:00", sec / 60, sec % 60), "tags": ["x"]})
}

fn num(q: &HashMap<String, String>, k: &str, default: usize) -> usize {
    q.get(k).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Items after the `updated_since` filter (epoch-free RFC 3339 compare on the normalized text
/// is enough for this fixed data).
fn items(q: &HashMap<String, String>) -> Vec<Value> {
    let since = q.get("updated_since").cloned();
    (1..=ITEMS)
        .map(item)
        .filter(|v| {
            since.as_ref().is_none_or(|s| {
                let t = chrono::DateTime::parse_from_rfc3339(v["updated_at"].as_str().unwrap()).unwrap();
                t >= chrono::DateTime::parse_from_rfc3339(s).unwrap()
            })
        })
        .collect()
}

fn hit(api: &Api, what: String) {
    *api.hits.lock().unwrap().entry(what).or_default() += 1;
}

async fn cursor_items(State(api): S, Query(q): Q) -> Response {
    hit(&api, format!("cursor?{}", q.get("after").cloned().unwrap_or_default()));
    let all = items(&q);
    let start = q
        .get("after")
        .and_then(|a| all.iter().position(|v| v["id"].as_u64() == a.parse::<u64>().ok()))
        .map_or(0, |p| p + 1);
    let page: Vec<Value> = all.iter().skip(start).take(40).cloned().collect();
    let next = if start + 40 < all.len() { page.last().map(|v| v["id"].to_string()) } else { None };
    let paging = next.map(|n| json!({"next": {"after": n}}));
    axum::Json(json!({"data": page, "paging": paging})).into_response()
}

async fn offset_items(State(api): S, Query(q): Q) -> Response {
    // The API caps the page at 30 whatever is asked: the reader must not stop at a short page.
    let (offset, limit) = (num(&q, "offset", 0), num(&q, "limit", 10).min(30));
    hit(&api, format!("offset?{offset}"));
    let page: Vec<Value> = items(&q).into_iter().skip(offset).take(limit).collect();
    axum::Json(json!({"results": page, "total": ITEMS})).into_response()
}

async fn page_items(State(api): S, Query(q): Q) -> Response {
    let (page, size) = (num(&q, "page", 1), num(&q, "per_page", 10));
    hit(&api, format!("page?{page}"));
    let body: Vec<Value> = items(&q).into_iter().skip((page - 1) * size).take(size).collect();
    axum::Json(Value::Array(body)).into_response()
}

async fn link_items(State(api): S, req_headers: HeaderMap, Query(q): Q) -> Response {
    let page = num(&q, "p", 1);
    hit(&api, format!("link?{page}"));
    let all = items(&q);
    let body: Vec<Value> = all.iter().skip((page - 1) * 60).take(60).cloned().collect();
    let mut headers = HeaderMap::new();
    let mut links = vec!["</link/items?p=1>; rel=\"first\"".to_owned()];
    if page * 60 < all.len() {
        // Absolute on odd pages, relative on even ones: APIs do both.
        let host = req_headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
        let origin = if page % 2 == 1 { format!("http://{host}") } else { String::new() };
        links.push(format!("<{origin}/link/items?p={}>; rel=\"next\"", page + 1));
    }
    headers.insert("link", links.join(", ").parse().unwrap());
    (headers, axum::Json(Value::Array(body))).into_response()
}

async fn elsewhere() -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("link", "<https://evil.example/steal?p=2>; rel=\"next\"".parse().unwrap());
    (headers, axum::Json(json!([item(1)]))).into_response()
}

async fn limited() -> Response {
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "3")], axum::Json(json!({"message": "slow down"}))).into_response()
}

async fn limited_no_header() -> Response {
    (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response()
}

async fn broken() -> Response {
    (StatusCode::OK, "<html><body>Maintenance window: we will be back soon. This page is long enough to be cut off at one hundred characters.</body></html>").into_response()
}

async fn flaky() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"error": {"message": "upstream down"}}))).into_response()
}

async fn secure(headers: HeaderMap) -> Response {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "invalid api key"}))).into_response();
    }
    axum::Json(json!({"data": [item(1), item(2)]})).into_response()
}

fn invalid(body: &Value) -> Option<Response> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    name.is_empty().then(|| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(
                json!({"message": "Validation failed", "errors": [{"field": "name", "message": "is required"}]}),
            ),
        )
            .into_response()
    })
}

async fn create(State(api): S, headers: HeaderMap, axum::Json(body): axum::Json<Value>) -> Response {
    if let Some(r) = invalid(&body) {
        return r;
    }
    if let Some(k) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        api.idempotency.lock().unwrap().push(k.to_owned());
    }
    let id = {
        let mut n = api.next_id.lock().unwrap();
        *n += 1;
        format!("w{n}")
    };
    let mut record = body;
    record["id"] = json!(id);
    api.store.lock().unwrap().insert(id.clone(), record.clone());
    (StatusCode::CREATED, axum::Json(json!({"data": record}))).into_response()
}

async fn create_many(State(api): S, axum::Json(body): axum::Json<Vec<Value>>) -> Response {
    let mut out = Vec::new();
    for mut record in body {
        let id = {
            let mut n = api.next_id.lock().unwrap();
            *n += 1;
            format!("w{n}")
        };
        record["id"] = json!(id);
        api.store.lock().unwrap().insert(id, record.clone());
        out.push(record);
    }
    (StatusCode::CREATED, axum::Json(Value::Array(out))).into_response()
}

async fn replace(State(api): S, Path(id): Path<String>, axum::Json(mut body): axum::Json<Value>) -> Response {
    if let Some(r) = invalid(&body) {
        return r;
    }
    body["id"] = json!(id);
    let existed = api.store.lock().unwrap().insert(id, body.clone()).is_some();
    let status = if existed { StatusCode::OK } else { StatusCode::CREATED };
    (status, axum::Json(body)).into_response()
}

async fn remove(State(api): S, Path(id): Path<String>) -> Response {
    match api.store.lock().unwrap().remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => (StatusCode::NOT_FOUND, axum::Json(json!({"message": "no such item"}))).into_response(),
    }
}

async fn limited_write(State(api): S, Path(id): Path<String>, axum::Json(body): axum::Json<Value>) -> Response {
    {
        let mut budget = api.write_budget.lock().unwrap();
        if *budget == 0 {
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "5")], "").into_response();
        }
        *budget -= 1;
    }
    replace(State(api), Path(id), axum::Json(body)).await
}

/// Starts the API; its base URL and shared state.
pub async fn start() -> (String, Arc<Api>) {
    let api = Arc::new(Api::default());
    let app = Router::new()
        .route("/cursor/items", get(cursor_items))
        .route("/offset/items", get(offset_items))
        .route("/page/items", get(page_items))
        .route("/link/items", get(link_items))
        .route("/elsewhere", get(elsewhere))
        .route("/limited", get(limited))
        .route("/limited-plain", get(limited_no_header))
        .route("/broken", get(broken))
        .route("/flaky", get(flaky))
        .route("/secure/items", get(secure))
        .route(
            "/w/items",
            get(|State(api): S| async move {
                axum::Json(json!({"data": api.store.lock().unwrap().values().cloned().collect::<Vec<_>>()}))
            })
            .post(create),
        )
        .route("/w/batch", axum::routing::post(create_many))
        .route("/w/items/{id}", put(replace).delete(remove))
        .route("/limited-writes/{id}", put(limited_write))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), api)
}
