//! The authorize endpoint (consent page and its form) and Mailchimp's metadata call.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use url::Url;

use crate::providers::SANDBOX_CLIENT_ID;
use crate::providers::catalog::{OAuth2Spec, ProviderSpec};

use super::consent::{self, ConsentPage};
use super::pkce::Challenge;
use super::state::PendingCode;
use super::{Reject, Sandbox, accounts, api_auth, base_url};

type Params = BTreeMap<String, String>;

/// An authorize request that passed the checks made before anything is shown.
struct Checked {
    redirect_uri: Url,
    state: Option<String>,
    scopes: Vec<String>,
    challenge: Option<Challenge>,
    offline: bool,
}

pub async fn authorize_get(
    State(sandbox): State<Arc<Sandbox>>,
    Path(provider): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let (spec, checked) = match checked_request(&sandbox, &provider, &params) {
        Ok(found) => found,
        Err(reject) => return reject.into_response(),
    };
    let (account_id, account_label) = accounts::chooser(&spec.id);
    // The consent page's own fields are added by the form; never carry stale ones along.
    let hidden: Vec<(String, String)> = params.into_iter().filter(|(k, _)| k != "decision" && k != "account").collect();
    let action = format!("/{}/oauth/authorize", spec.id);
    Html(
        ConsentPage {
            provider_name: &spec.name,
            action: &action,
            client_id: SANDBOX_CLIENT_ID,
            redirect_uri: checked.redirect_uri.as_str(),
            scopes: &checked.scopes,
            account: (account_id, &account_label),
            hidden: &hidden,
        }
        .render(),
    )
    .into_response()
}

pub async fn authorize_post(
    State(sandbox): State<Arc<Sandbox>>,
    Path(provider): Path<String>,
    Form(params): Form<Params>,
) -> Response {
    let (spec, checked) = match checked_request(&sandbox, &provider, &params) {
        Ok(found) => found,
        Err(reject) => return reject.into_response(),
    };
    let state = checked.state.as_deref();
    match params.get("decision").map(String::as_str) {
        Some("approve") => {}
        Some("deny") => {
            return back(
                &checked.redirect_uri,
                &[("error", "access_denied"), ("error_description", "The user denied the request.")],
                state,
            );
        }
        _ => {
            let html = consent::error_page(&spec.name, "invalid_request", "Choose Approve or Deny.");
            return (StatusCode::BAD_REQUEST, Html(html)).into_response();
        }
    }
    let (default_account, _) = accounts::chooser(&spec.id);
    let pending = PendingCode {
        provider: spec.id.clone(),
        client_id: SANDBOX_CLIENT_ID.to_owned(),
        redirect_uri: checked.redirect_uri.to_string(),
        scopes: checked.scopes,
        challenge: checked.challenge,
        account: params.get("account").cloned().unwrap_or_else(|| default_account.to_owned()),
        offline: checked.offline,
    };
    let now = sandbox.shared.now();
    let code = sandbox.shared.lock().issue_code(pending, now);
    let mut extra = vec![("code", code.as_str())];
    // QuickBooks reports the company chosen on its consent screen on the callback.
    if spec.id == "quickbooks" {
        extra.push(("realmId", accounts::QUICKBOOKS_REALM_ID));
    }
    back(&checked.redirect_uri, &extra, state)
}

/// The checks a provider makes before showing its consent page. Errors about the client or
/// redirect URI are shown here (redirecting to an unverified URI would be an open redirect);
/// the rest go back to the client as `?error=`.
/// The provider and the authorize request, both checked: what the consent page and the
/// decision that follows it start from.
fn checked_request<'a>(
    sandbox: &'a Sandbox,
    provider: &str,
    params: &Params,
) -> Result<(&'a ProviderSpec, Checked), Reject> {
    let (spec, oauth) = sandbox.oauth_provider(provider)?;
    Ok((spec, check(spec, oauth, params)?))
}

fn check(spec: &ProviderSpec, oauth: &OAuth2Spec, params: &Params) -> Result<Checked, Reject> {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let page = |error: &str, explanation: &str| {
        let html = consent::error_page(&spec.name, error, explanation);
        Reject::from((StatusCode::BAD_REQUEST, Html(html)).into_response())
    };
    match get("client_id") {
        Some(SANDBOX_CLIENT_ID) => {}
        Some(other) => {
            return Err(page("invalid_client", &format!("The OAuth client {other:?} was not found.")));
        }
        None => return Err(page("invalid_client", "The request has no client_id.")),
    }
    let Some(raw_redirect) = get("redirect_uri") else {
        return Err(page("invalid_request", "The request has no redirect_uri."));
    };
    let redirect_uri = match Url::parse(raw_redirect) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.fragment().is_none() => u,
        _ => {
            return Err(page("invalid_request", "redirect_uri must be an absolute http(s) URL without a fragment."));
        }
    };
    let state = get("state").map(str::to_owned);
    let fail = |error: &str, description: &str| {
        Reject::from(back(&redirect_uri, &[("error", error), ("error_description", description)], state.as_deref()))
    };
    if get("response_type") != Some("code") {
        return Err(fail("unsupported_response_type", "Only response_type=code is supported."));
    }
    let challenge = match get("code_challenge") {
        Some(value) => match Challenge::parse(value, get("code_challenge_method")) {
            Ok(c) => Some(c),
            Err(why) => return Err(fail("invalid_request", why)),
        },
        None if oauth.pkce => {
            return Err(fail("invalid_request", "code_challenge is required (PKCE) for this client."));
        }
        None => None,
    };
    let scopes: Vec<String> = get("scope")
        .unwrap_or("")
        .split(|c: char| c.is_whitespace() || oauth.scope_separator.contains(c))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let has = |s: &str| scopes.iter().any(|x| x == s);
    // Each provider's own rule for whether a refresh token comes with the code.
    let offline = match spec.id.as_str() {
        "google_calendar" => get("access_type") == Some("offline"),
        "outlook" | "xero" => has("offline_access"),
        "salesforce" => scopes.is_empty() || has("refresh_token") || has("offline_access"),
        _ => true,
    };
    Ok(Checked { redirect_uri, state, scopes, challenge, offline })
}

/// Redirects to the client's callback with `params` (and `state`) added to its query.
fn back(redirect_uri: &Url, params: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut url = redirect_uri.clone();
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    Redirect::to(url.as_str()).into_response()
}

/// `GET /mailchimp/oauth/metadata`: which data centre the account lives in.
pub async fn mailchimp_metadata_get(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("OAuth "))
        .map(str::trim);
    let now = sandbox.shared.now();
    let valid = token.is_some_and(|t| sandbox.shared.lock().check_access("mailchimp", t, now).is_ok());
    if !valid {
        return api_auth::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Send Authorization: OAuth <access token> with a valid token.",
        );
    }
    let a = accounts::MAILCHIMP_USER_ID;
    axum::Json(serde_json::json!({
        "dc": "us1",
        "role": "owner",
        "accountname": accounts::COMPANY,
        "user_id": a,
        "login": {
            "email": accounts::EMAIL,
            "avatar": null,
            "login_id": a,
            "login_name": "samsandbox",
            "login_email": accounts::EMAIL,
        },
        "login_url": "https://login.mailchimp.com",
        "api_endpoint": format!("{}/mailchimp", base_url(&headers)),
    }))
    .into_response()
}
