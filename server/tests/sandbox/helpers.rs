//! One sandbox per test on a random port, and the calls Hitch makes against it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use hitch::providers::catalog::parse_all;
pub use hitch::providers::{SANDBOX_CLIENT_ID as CLIENT, SANDBOX_CLIENT_SECRET as SECRET};

pub const CALLBACK: &str = "http://127.0.0.1:9/callback";
pub const VERIFIER: &str = "a-verifier-that-is-long-enough-for-rfc-7636-ok-1234567890";

pub struct Sandbox {
    pub base: String,
    pub http: reqwest::Client,
}

pub async fn sandbox() -> Sandbox {
    let (addr, _server) = hitch::sandbox::spawn_on_random_port().await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Sandbox { base: format!("http://{addr}"), http }
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn query(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub fn param(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The authorize parameters Hitch sends for `provider`, from the catalog.
    pub fn authorize_params(&self, provider: &str) -> Vec<(String, String)> {
        let spec = parse_all().unwrap().into_iter().find(|p| p.id == provider).unwrap();
        let oauth = spec.oauth2.unwrap();
        let mut params = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".to_owned(), CLIENT.to_owned()),
            ("redirect_uri".to_owned(), CALLBACK.to_owned()),
            ("scope".to_owned(), oauth.scopes.join(&oauth.scope_separator)),
            ("state".to_owned(), "st-123".to_owned()),
        ];
        if oauth.pkce {
            params.push(("code_challenge".into(), challenge(VERIFIER)));
            params.push(("code_challenge_method".into(), "S256".into()));
        }
        params.extend(oauth.authorize_params);
        params
    }

    /// Shows the consent page, then submits it; returns the callback's query.
    pub async fn consent(&self, provider: &str, decision: &str) -> Vec<(String, String)> {
        let mut params = self.authorize_params(provider);
        let path = self.url(&format!("/{provider}/oauth/authorize"));
        let page = self.http.get(&path).query(&params).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Hitch sandbox ·"), "{html}");
        assert!(html.contains("Approve") && html.contains("Deny"));
        params.push(("decision".into(), decision.into()));
        let done = self.http.post(&path).form(&params).send().await.unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        let location = done.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(CALLBACK), "{location}");
        let q = query(&location);
        assert_eq!(param(&q, "state").as_deref(), Some("st-123"));
        q
    }

    pub async fn code(&self, provider: &str) -> String {
        param(&self.consent(provider, "approve").await, "code").unwrap()
    }

    pub async fn token(&self, provider: &str, basic: bool, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let mut request = self.http.post(self.url(&format!("/{provider}/oauth/token")));
        if basic {
            request = request.basic_auth(CLIENT, Some(SECRET));
        } else {
            form.extend([("client_id", CLIENT), ("client_secret", SECRET)]);
        }
        let response = request.form(&form).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub async fn exchange(&self, provider: &str, basic: bool, code: &str) -> (StatusCode, Value) {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ];
        self.token(provider, basic, &form).await
    }

    pub async fn refresh(&self, provider: &str, basic: bool, rt: &str) -> (StatusCode, Value) {
        let form = [("grant_type", "refresh_token"), ("refresh_token", rt)];
        self.token(provider, basic, &form).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
        let mut request = self.http.get(self.url(path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub async fn control(&self, path: &str, body: Value) -> StatusCode {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        response.status()
    }

    pub async fn stats(&self, provider: &str) -> Value {
        let (status, body) = self.get(&format!("/_sandbox/oauth/{provider}/stats"), &[]).await;
        assert_eq!(status, StatusCode::OK);
        serde_json::from_str(&body).unwrap()
    }
}

pub fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}
