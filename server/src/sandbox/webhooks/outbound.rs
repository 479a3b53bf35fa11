//! Sending deliveries without holding up the API call that caused them: handlers put a
//! [`Job`] on a bounded queue (`try_send`; a full queue drops the delivery and says so in
//! the log), and one background task started on first use takes jobs off it, sending up
//! to [`MAX_IN_FLIGHT`] at once. Each job is a loop over one step, [`attempt`]: sign, send,
//! record; then succeed, wait out the next retry delay, or give up.
//!
//! Retries follow the providers: Stripe retries any answer but a 2xx and any failure to
//! connect; HubSpot retries failed connections, timeouts, 429 and 5xx, and not other 4xx.
//! Both re-sign every attempt (a fresh timestamp), and HubSpot counts `attemptNumber` up.
//! Timestamps come from the wall clock, not the sandbox's test clock: receivers check them
//! against their own clocks, as they do for the real providers.
//! The delays are short and set through `POST /_sandbox/webhooks/settings`.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};

use super::log::{Attempt, Delivery, Log, NewDelivery, Status};
use super::sign;

/// Jobs waiting to be sent before new ones are dropped.
const QUEUE: usize = 1000;
/// Deliveries in flight at once (HubSpot's default `maxConcurrentRequests` is 10).
const MAX_IN_FLIGHT: usize = 10;

/// Retry delays and the request timeout. Defaults: three retries, 1 s, 5 s and 25 s apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Wait before each retry; as many retries as entries.
    pub retry_delays_ms: Vec<u64>,
    /// How long a receiver may take to answer (HubSpot allows 5 s).
    pub timeout_ms: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { retry_delays_ms: vec![1_000, 5_000, 25_000], timeout_ms: 5_000 }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<(), String> {
        if self.retry_delays_ms.len() > 10 {
            return Err("at most 10 retries".into());
        }
        if self.retry_delays_ms.iter().any(|d| *d > 3_600_000) {
            return Err("a retry delay is at most one hour (3600000 ms)".into());
        }
        if !(1..=60_000).contains(&self.timeout_ms) {
            return Err("timeout_ms must be between 1 and 60000".into());
        }
        Ok(())
    }
}

/// What is sent, re-signed at every attempt. Secrets live here only, never in the log.
#[derive(Debug, Clone)]
pub enum Payload {
    /// One Event object, signed with the endpoint's `whsec_…` secret.
    Stripe { secret: String, body: String },
    /// A batch of events, signed with the app's client secret.
    Hubspot { client_secret: String, events: Vec<Value> },
}

impl Payload {
    fn provider(&self) -> &'static str {
        match self {
            Payload::Stripe { .. } => "stripe",
            Payload::Hubspot { .. } => "hubspot",
        }
    }

    /// The body and headers of attempt `n` (from 0) to `url`, signed at `now_ms`.
    pub fn request(&self, url: &str, n: u32, now_ms: i64) -> (Vec<u8>, Vec<(&'static str, String)>) {
        match self {
            Payload::Stripe { secret, body } => {
                let signature = sign::stripe(secret, now_ms.div_euclid(1000), body.as_bytes());
                let headers = vec![
                    ("content-type", "application/json; charset=utf-8".to_owned()),
                    ("user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)".to_owned()),
                    ("stripe-signature", signature),
                ];
                (body.clone().into_bytes(), headers)
            }
            Payload::Hubspot { client_secret, events } => {
                let numbered: Vec<Value> = events
                    .iter()
                    .map(|e| {
                        let mut e = e.clone();
                        e["attemptNumber"] = Value::from(n);
                        e
                    })
                    .collect();
                let body = Value::Array(numbered).to_string().into_bytes();
                let signature = sign::hubspot_v3(client_secret, "POST", url, &body, now_ms);
                let headers = vec![
                    ("content-type", "application/json".to_owned()),
                    ("user-agent", "HubSpot Webhooks (hitch sandbox)".to_owned()),
                    ("x-hubspot-signature-version", "v3".to_owned()),
                    ("x-hubspot-signature-v3", signature),
                    ("x-hubspot-request-timestamp", now_ms.to_string()),
                ];
                (body, headers)
            }
        }
    }

    /// Whether the provider tries again after this answer (`None`: no answer at all).
    pub fn retries_after(&self, status: Option<u16>) -> bool {
        match (self, status) {
            (_, None) => true,
            (Payload::Stripe { .. }, Some(code)) => !(200..300).contains(&code),
            (Payload::Hubspot { .. }, Some(code)) => code == 429 || code >= 500,
        }
    }
}

/// One delivery to make.
#[derive(Debug, Clone)]
pub struct Job {
    pub delivery: String,
    pub url: String,
    pub payload: Payload,
}

struct Shared {
    settings: Mutex<Settings>,
    log: Mutex<Log>,
    http: reqwest::Client,
}

impl Shared {
    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn settings(&self) -> Settings {
        self.settings.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The queue, its worker and the delivery log.
pub struct Outbound {
    shared: Arc<Shared>,
    queue: OnceLock<mpsc::Sender<Job>>,
}

impl Default for Outbound {
    fn default() -> Outbound {
        // Receivers are called by URL as given: no redirects followed, as at Stripe.
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default();
        let shared = Shared { settings: Mutex::default(), log: Mutex::default(), http };
        Outbound { shared: Arc::new(shared), queue: OnceLock::new() }
    }
}

pub fn wall_clock_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Outbound {
    /// Queues a delivery and returns its id at once. Call from within the Tokio runtime
    /// (the first call starts the worker).
    pub fn send(&self, about: NewDelivery, payload: Payload) -> String {
        let url = about.url.clone();
        let delivery = self.shared.log().open(about, wall_clock_ms());
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(work(self.shared.clone(), rx));
            tx
        });
        if queue.try_send(Job { delivery: delivery.clone(), url, payload }).is_err() {
            tracing::warn!(delivery = %delivery, "sandbox: webhook queue full, delivery dropped");
            self.shared.log().finish(&delivery, Status::Dropped);
        }
        delivery
    }

    pub fn deliveries(&self, provider: Option<&str>) -> Vec<Delivery> {
        self.shared.log().list(provider)
    }

    pub fn clear(&self) {
        self.shared.log().clear();
    }

    pub fn settings(&self) -> Settings {
        self.shared.settings()
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.shared.settings.lock().unwrap_or_else(PoisonError::into_inner) = settings;
    }
}

/// Takes jobs until every sender is gone (the sandbox was dropped).
async fn work(shared: Arc<Shared>, mut rx: mpsc::Receiver<Job>) {
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    while let Some(job) = rx.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else { break };
        let shared = shared.clone();
        tokio::spawn(async move {
            deliver(&shared, &job).await;
            drop(slot);
        });
    }
}

async fn deliver(shared: &Shared, job: &Job) {
    let mut n = 0u32;
    loop {
        let settings = shared.settings();
        let status = attempt(shared, job, n, &settings).await;
        let delay = settings.retry_delays_ms.get(n as usize).copied();
        let outcome = match (status, delay) {
            (Some(code), _) if (200..300).contains(&code) => Some(Status::Succeeded),
            (_, Some(_)) if job.payload.retries_after(status) => None,
            _ => Some(Status::Failed),
        };
        if let Some(outcome) = outcome {
            tracing::info!(delivery = %job.delivery, provider = job.payload.provider(), ?outcome, attempts = n + 1,
                "sandbox: webhook delivery finished");
            shared.log().finish(&job.delivery, outcome);
            return;
        }
        tokio::time::sleep(Duration::from_millis(delay.unwrap_or(0))).await;
        n += 1;
    }
}

/// One attempt: sign, send, record. Returns the status code, if an answer came.
async fn attempt(shared: &Shared, job: &Job, n: u32, settings: &Settings) -> Option<u16> {
    let at_ms = wall_clock_ms();
    let (body, headers) = job.payload.request(&job.url, n, at_ms);
    let mut request = shared.http.post(&job.url).timeout(Duration::from_millis(settings.timeout_ms)).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let result = request.send().await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let (status_code, error) = match result {
        Ok(response) => (Some(response.status().as_u16()), None),
        // reqwest's error names the URL and the cause, never our headers.
        Err(e) => (None, Some(e.to_string())),
    };
    shared.log().attempted(&job.delivery, Attempt { at_ms, status_code, error, duration_ms });
    status_code
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn hubspot_attempts_are_numbered_and_signed_over_the_exact_body() {
        let payload =
            Payload::Hubspot { client_secret: "s3cret-s3cret-s3cret".into(), events: vec![json!({"eventId": 1})] };
        let (body, headers) = payload.request("http://h/hooks/x", 2, 1_700_000_000_123);
        let sent: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(sent, json!([{"eventId": 1, "attemptNumber": 2}]));
        let find = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(find("x-hubspot-request-timestamp"), "1700000000123");
        let expected = sign::hubspot_v3("s3cret-s3cret-s3cret", "POST", "http://h/hooks/x", &body, 1_700_000_000_123);
        assert_eq!(find("x-hubspot-signature-v3"), expected);
    }

    #[test]
    fn stripe_signs_in_seconds_and_sends_the_body_unchanged() {
        let payload = Payload::Stripe { secret: "whsec_x".into(), body: "{\"id\":\"evt_1\"}".into() };
        let (body, headers) = payload.request("http://h/hooks/y", 0, 1_700_000_000_999);
        assert_eq!(body, b"{\"id\":\"evt_1\"}");
        let sig = &headers.iter().find(|(n, _)| *n == "stripe-signature").unwrap().1;
        assert_eq!(*sig, sign::stripe("whsec_x", 1_700_000_000, &body));
    }

    #[test]
    fn retry_policies_follow_the_providers() {
        let stripe = Payload::Stripe { secret: String::new(), body: String::new() };
        let hubspot = Payload::Hubspot { client_secret: String::new(), events: Vec::new() };
        for (code, stripe_retries, hubspot_retries) in
            [(None, true, true), (Some(401), true, false), (Some(429), true, true), (Some(503), true, true)]
        {
            assert_eq!(stripe.retries_after(code), stripe_retries, "{code:?}");
            assert_eq!(hubspot.retries_after(code), hubspot_retries, "{code:?}");
        }
    }

    #[test]
    fn settings_are_bounded() {
        assert!(Settings::default().validate().is_ok());
        assert!(Settings { retry_delays_ms: vec![0; 11], timeout_ms: 10 }.validate().is_err());
        assert!(Settings { retry_delays_ms: vec![], timeout_ms: 0 }.validate().is_err());
    }
}
