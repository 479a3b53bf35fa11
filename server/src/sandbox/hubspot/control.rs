//! `/_sandbox/hubspot/…`: reset and seed, look at what the stand-in holds, touch records
//! (a deterministic "1% changed"), archive records.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::render::write_record;
use super::schema::Object;
use super::seed::{seed_table, touched_value};
use crate::sandbox::data::control::{IdsBody, Page, ResetBody, TouchBody, bad, choose, id_text};
use crate::sandbox::data::now_ms;
use crate::sandbox::{Reject, Sandbox};

const OBJECTS: [&str; 3] = ["contacts", "companies", "deals"];

fn object(name: &str) -> Result<Object, Reject> {
    Object::parse(name)
        .ok_or_else(|| bad(&format!("unknown HubSpot object {name:?}; expected one of {OBJECTS:?}")).into())
}

pub async fn reset_post(State(s): State<Arc<Sandbox>>, Json(body): Json<ResetBody>) -> Response {
    let counts = match body.counts(&OBJECTS) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let anchor = body.anchor_ms(&s);
    let started = Instant::now();
    // Seed outside the lock, then swap the tables in.
    let tables = Object::ALL.map(|o| seed_table(o, body.seed, counts[o.index()], anchor));
    let seeded_ms = started.elapsed().as_millis() as u64;
    let old = {
        let mut store = s.crm.hubspot();
        store.seed = body.seed;
        std::mem::replace(&mut store.tables, tables)
    };
    drop(old);
    tracing::info!(seed = body.seed, ?counts, seeded_ms, "sandbox: hubspot reset");
    Json(json!({
        "provider": "hubspot",
        "seed": body.seed,
        "anchor": anchor / 1000,
        "counts": {"contacts": counts[0], "companies": counts[1], "deals": counts[2]},
        "seeded_ms": seeded_ms,
    }))
    .into_response()
}

pub async fn records_get(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    Query(page): Query<Page>,
) -> Response {
    let object = match object(&name) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let store = s.crm.hubspot();
    let table = store.table(object);
    let mut out = format!(
        "{{\"object\":\"{}\",\"total\":{},\"archived\":{},\"offset\":{},\"results\":[",
        object.name(),
        table.live.len(),
        table.archived.len(),
        page.offset
    );
    let all = object.all_refs();
    for (i, r) in table.live.values().skip(page.offset).take(page.limit.min(10_000)).enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_record(&mut out, object, r, &all, None);
    }
    out.push_str("]}");
    super::render::json_response(axum::http::StatusCode::OK, out)
}

pub async fn touch_post(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    Json(body): Json<TouchBody>,
) -> Response {
    let object = match object(&name) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let now = now_ms(&s);
    let mut store = s.crm.hubspot();
    let seed = store.seed;
    let table = store.table_mut(object);
    table.touches += 1;
    let round = table.touches;
    let ids: Vec<u64> = match (body.count, body.ids) {
        (_, Some(ids)) => {
            ids.iter().filter_map(|v| id_text(v).parse().ok()).filter(|id| table.live.contains_key(id)).collect()
        }
        (Some(count), None) => {
            let mut chosen = choose(table.live.keys().copied().collect(), count, seed, round);
            chosen.sort_unstable();
            chosen
        }
        (None, None) => return bad("give \"count\" or \"ids\""),
    };
    for id in &ids {
        let (index, value) = touched_value(object, *id, round);
        table.update(object, *id, &[(index, Some(value))], now);
    }
    Json(json!({"object": object.name(), "touched": ids.len(), "ids": ids.iter().map(u64::to_string).collect::<Vec<_>>()}))
        .into_response()
}

pub async fn delete_post(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    Json(body): Json<IdsBody>,
) -> Response {
    let object = match object(&name) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let now = now_ms(&s);
    let mut store = s.crm.hubspot();
    let table = store.table_mut(object);
    let archived =
        body.ids.iter().filter_map(|v| id_text(v).parse().ok()).filter(|id| table.archive(object, *id, now)).count();
    Json(json!({"object": object.name(), "archived": archived})).into_response()
}
