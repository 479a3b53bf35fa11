//! Control-API pieces both CRM stand-ins share: the settings endpoint, the reset body, and a
//! deterministic choice of records to touch.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::limits::Settings;
use super::rng::Rng;
use crate::sandbox::{Reject, Sandbox};

/// The most records one reset may seed per object (keeps a typo from eating the machine).
pub const MAX_SEED: u64 = 2_000_000;
const DAY_SECS: i64 = 86_400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    #[serde(default)]
    rate_limit_per_10s: Option<u32>,
    #[serde(default)]
    latency_ms: u64,
}

fn settings(s: &Sandbox, provider: &'static str, body: SettingsBody) -> Response {
    let settings =
        Settings { rate_limit_per_10s: body.rate_limit_per_10s.filter(|n| *n > 0), latency_ms: body.latency_ms };
    s.crm.limits.set(provider, settings.clone());
    Json(json!({"provider": provider, "settings": settings})).into_response()
}

pub async fn hubspot_settings_post(State(s): State<Arc<Sandbox>>, Json(body): Json<SettingsBody>) -> Response {
    settings(&s, "hubspot", body)
}

pub async fn stripe_settings_post(State(s): State<Arc<Sandbox>>, Json(body): Json<SettingsBody>) -> Response {
    settings(&s, "stripe", body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    /// Unix seconds the seeded 90 days end at; default: the start of today (UTC) on the
    /// sandbox clock, so the same seed gives byte-identical data all day (Stripe event ids
    /// aside: they are new at every reset, see `stripe::store::Store::event_tag`).
    #[serde(default)]
    pub anchor: Option<i64>,
}

impl ResetBody {
    /// The counts for `objects`, refusing unknown names and absurd sizes.
    pub fn counts(&self, objects: &[&str]) -> Result<Vec<u64>, Reject> {
        if let Some(unknown) = self.counts.keys().find(|k| !objects.contains(&k.as_str())) {
            return Err(bad(&format!("unknown object {unknown:?}; expected one of {objects:?}")).into());
        }
        let counts: Vec<u64> = objects.iter().map(|o| self.counts.get(*o).copied().unwrap_or(0)).collect();
        if counts.iter().any(|c| *c > MAX_SEED) {
            return Err(bad(&format!("at most {MAX_SEED} records per object")).into());
        }
        Ok(counts)
    }

    pub fn anchor_ms(&self, s: &Sandbox) -> i64 {
        let now = i64::try_from(s.shared.now()).unwrap_or(0);
        self.anchor.unwrap_or(now - now.rem_euclid(DAY_SECS)) * 1000
    }
}

pub fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": "bad_request", "message": message}))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchBody {
    pub count: Option<u64>,
    pub ids: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdsBody {
    pub ids: Vec<serde_json::Value>,
}

/// An id given as a JSON string or number, as text.
pub fn id_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `count` distinct items of `pool`, chosen by (seed, round): a partial Fisher–Yates shuffle.
pub fn choose<T: Copy>(mut pool: Vec<T>, count: u64, seed: u64, round: u64) -> Vec<T> {
    let mut rng = Rng::for_record(seed, 1000 + round, 0);
    let n = usize::try_from(count).unwrap_or(usize::MAX).min(pool.len());
    for i in 0..n {
        let j = i + usize::try_from(rng.below((pool.len() - i) as u64)).unwrap_or(0);
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    pub offset: usize,
    #[serde(default = "hundred")]
    pub limit: usize,
}

fn hundred() -> usize {
    100
}
