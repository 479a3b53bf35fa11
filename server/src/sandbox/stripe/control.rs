//! `/_sandbox/stripe/…`: reset and seed, look at what the stand-in holds, touch customers
//! (`customer.updated` events), delete customers (`customer.deleted`).

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::customers::{remove, update};
use super::{render, seed};
use crate::sandbox::data::control::{IdsBody, Page, ResetBody, TouchBody, bad, choose, id_text};
use crate::sandbox::data::rng::Rng;
use crate::sandbox::{Reject, Sandbox};

const OBJECTS: [&str; 3] = ["customers", "invoices", "charges"];

pub async fn reset_post(State(s): State<Arc<Sandbox>>, Json(body): Json<ResetBody>) -> Response {
    let counts = match body.counts(&OBJECTS) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let anchor = body.anchor_ms(&s) / 1000;
    let started = Instant::now();
    let fresh = seed::seed(body.seed, [counts[0], counts[1], counts[2]], anchor);
    let seeded_ms = started.elapsed().as_millis() as u64;
    let old = std::mem::replace(&mut *s.crm.stripe(), fresh);
    drop(old);
    tracing::info!(seed = body.seed, ?counts, seeded_ms, "sandbox: stripe reset");
    Json(json!({
        "provider": "stripe",
        "seed": body.seed,
        "anchor": anchor,
        "counts": {"customers": counts[0], "invoices": counts[1], "charges": counts[2]},
        "seeded_ms": seeded_ms,
    }))
    .into_response()
}

pub async fn records_get(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    Query(page): Query<Page>,
) -> Response {
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    let store = s.crm.stripe();
    let take = page.limit.min(10_000);
    let (total, results): (usize, Vec<Value>) = match name.as_str() {
        "customers" => (
            store.customers.len(),
            store.customers.values().skip(page.offset).take(take).map(|c| render::customer(&store, c)).collect(),
        ),
        "invoices" => (
            store.invoices.len(),
            store.invoices.iter().skip(page.offset).take(take).map(|i| render::invoice(&store, i)).collect(),
        ),
        "charges" => (
            store.charges.len(),
            store.charges.iter().skip(page.offset).take(take).map(|c| render::charge(&store, c)).collect(),
        ),
        "events" => {
            let events = &store.events[store.first_retained(now)..];
            (events.len(), events.iter().skip(page.offset).take(take).map(|e| render::event(&store, e)).collect())
        }
        other => {
            return bad(&format!("unknown Stripe object {other:?}; expected customers, invoices, charges or events"));
        }
    };
    Json(json!({"object": name, "total": total, "deleted": store.deleted.len(), "offset": page.offset, "results": results}))
        .into_response()
}

fn customers_only(name: &str) -> Result<(), Reject> {
    if name == "customers" {
        Ok(())
    } else {
        Err(bad("only customers change in the Stripe stand-in (invoices and charges are read-only)").into())
    }
}

pub async fn touch_post(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    Json(body): Json<TouchBody>,
) -> Response {
    if let Err(r) = customers_only(&name) {
        return r.into_response();
    }
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    let mut store = s.crm.stripe();
    store.touches += 1;
    let round = store.touches;
    let seqs: Vec<u64> = match (body.count, body.ids) {
        (_, Some(ids)) => ids
            .iter()
            .filter_map(|v| store.seq_of("cus", &id_text(v)))
            .filter(|q| store.customers.contains_key(q))
            .collect(),
        (Some(count), None) => {
            let mut chosen = choose(store.customers.keys().copied().collect(), count, store.seed, round);
            chosen.sort_unstable();
            chosen
        }
        (None, None) => return bad("give \"count\" or \"ids\""),
    };
    let mut ids = Vec::with_capacity(seqs.len());
    for seq in seqs {
        let mut rng = Rng::for_record(round, 98, seq);
        let params = vec![
            ("phone".to_owned(), format!("+1555020{:04}", rng.below(10_000))),
            ("description".to_owned(), format!("Revision {round}")),
        ];
        if update(&mut store, seq, &params, now, None).is_ok() {
            ids.push(store.id("cus", seq));
        }
    }
    Json(json!({"object": "customers", "touched": ids.len(), "ids": ids})).into_response()
}

pub async fn delete_post(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    Json(body): Json<IdsBody>,
) -> Response {
    if let Err(r) = customers_only(&name) {
        return r.into_response();
    }
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    let mut store = s.crm.stripe();
    let mut deleted = 0;
    for v in &body.ids {
        if let Some(seq) = store.seq_of("cus", &id_text(v))
            && remove(&mut store, seq, now, None).is_some()
        {
            deleted += 1;
        }
    }
    Json(json!({"object": "customers", "deleted": deleted})).into_response()
}
