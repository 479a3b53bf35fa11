//! One sandbox per test on a random port, and the calls the tests make against it.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const HUBSPOT_TOKEN: &str = "pat-sandbox-crm-tests";
pub const STRIPE_KEY: &str = "sk_test_sandbox_crm_tests";

pub struct Sb {
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn sandbox() -> Sb {
    let (addr, _server) = hitch::sandbox::spawn_on_random_port().await.unwrap();
    Sb { base: format!("http://{addr}"), http: reqwest::Client::new() }
}

async fn reply(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    Reply { status, headers, text: response.text().await.unwrap() }
}

impl Sb {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A control-API call that must succeed; its JSON answer.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let r = reply(self.http.post(self.url(path)).json(&body)).await;
        assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
        if r.text.is_empty() { Value::Null } else { r.json() }
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let r = reply(self.http.get(self.url(path))).await;
        assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
        r.json()
    }

    pub async fn hs_get(&self, path: &str) -> Reply {
        reply(self.http.get(self.url(&format!("/hubspot{path}"))).bearer_auth(HUBSPOT_TOKEN)).await
    }

    pub async fn hs_post(&self, path: &str, body: &Value) -> Reply {
        reply(self.http.post(self.url(&format!("/hubspot{path}"))).bearer_auth(HUBSPOT_TOKEN).json(body)).await
    }

    pub async fn st_get(&self, path: &str) -> Reply {
        reply(self.http.get(self.url(&format!("/stripe{path}"))).bearer_auth(STRIPE_KEY)).await
    }

    pub async fn st_send(&self, method: Method, path: &str, form: &[(&str, &str)], key: Option<&str>) -> Reply {
        let mut request = self.http.request(method, self.url(&format!("/stripe{path}"))).bearer_auth(STRIPE_KEY);
        if !form.is_empty() {
            request = request.form(form);
        }
        if let Some(k) = key {
            request = request.header("Idempotency-Key", k);
        }
        reply(request).await
    }

    pub async fn hubspot_reset(&self, seed: u64, contacts: u64, companies: u64, deals: u64) -> Value {
        let counts = serde_json::json!({"contacts": contacts, "companies": companies, "deals": deals});
        self.control("/_sandbox/hubspot/reset", serde_json::json!({"seed": seed, "counts": counts})).await
    }

    pub async fn stripe_reset(&self, seed: u64, customers: u64, invoices: u64, charges: u64) -> Value {
        let counts = serde_json::json!({"customers": customers, "invoices": invoices, "charges": charges});
        self.control("/_sandbox/stripe/reset", serde_json::json!({"seed": seed, "counts": counts})).await
    }
}

/// Whether a missing contract-test tool (node, Prism, ajv) fails the test instead of skipping.
pub fn tools_required() -> bool {
    std::env::var("HITCH_TEST_BROWSER").is_ok_and(|v| v == "required")
}

/// Skips (prints why and returns `true`) or fails when a tool is missing.
pub fn skip_without(what: &str, present: bool) -> bool {
    if present {
        return false;
    }
    assert!(!tools_required(), "{what} is missing and HITCH_TEST_BROWSER=required");
    println!(
        "SKIPPED: {what} is missing (run `npm install --prefix tests/browser`; set HITCH_TEST_BROWSER=required to fail instead)"
    );
    true
}
