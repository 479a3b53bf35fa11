//! Connection records turned into the connection pages' view models.

use hitch_app::models::{ConnectionEventRow, ConnectionRow, ConnectionView, CredentialInput, FieldState, Status};
use hitch_app::urls;

use crate::http::display::timestamp;
use crate::providers::{AuthKind, Provider};
use crate::storage::{BudgetUse, Connection, ConnectionEvent, ConnectionStatus, RequestRate};

pub fn status(c: &Connection) -> Status {
    match c.status {
        ConnectionStatus::Active => Status::Healthy,
        ConnectionStatus::Pending => Status::Pending,
        ConnectionStatus::NeedsReauth => Status::NeedsReconnect,
        ConnectionStatus::Error => Status::Failing,
        ConnectionStatus::Disabled => Status::Paused,
    }
}

pub fn auth_label(kind: &str) -> &'static str {
    match kind {
        "oauth2" => "OAuth sign-in",
        "api_key" => "API key",
        "basic" => "Client ID and secret",
        "connection_string" => "Connection URL",
        _ => "Credentials",
    }
}

/// A connection's request budget in words: the documented rate, then how it is used.
pub fn budget_line(rate: RequestRate, used: Option<&BudgetUse>, tz: chrono_tz::Tz, now: i64) -> String {
    let per = match rate.per_seconds {
        1 => "second".to_owned(),
        60 => "minute".to_owned(),
        3600 => "hour".to_owned(),
        86_400 => "day".to_owned(),
        s => format!("{s} s"),
    };
    let mut line = format!("{} requests per {per}, shared by every run", rate.requests);
    let Some(u) = used else {
        line.push_str("; not used yet.");
        return line;
    };
    match u.blocked_until {
        Some(until) => {
            line.push_str(&format!("; paused by the provider, free again {}", timestamp(until, tz, now).relative))
        }
        None => line.push_str(&format!("; {} free now", u.available)),
    }
    line.push_str(&format!(" · {} used", u.used));
    if u.waited_ms > 0 {
        line.push_str(&format!(" · runs waited {:.1} s", u.waited_ms as f64 / 1000.0));
    }
    if u.limited > 0 {
        line.push_str(&format!(" · {} × 429", u.limited));
    }
    line
}

pub fn provider_name(provider: Option<&Provider>, c: &Connection) -> String {
    provider.map(|p| p.spec.name.clone()).unwrap_or_else(|| c.provider.clone())
}

pub fn row(c: &Connection, provider: Option<&Provider>, tz: chrono_tz::Tz, now: i64) -> ConnectionRow {
    ConnectionRow {
        id: c.id.clone(),
        label: c.label.clone(),
        provider_name: provider_name(provider, c),
        status: status(c),
        status_reason: c.status_reason.clone(),
        account: if c.account_name.is_empty() { c.account_id.clone() } else { c.account_name.clone() },
        last_checked: c.last_checked_at.map(|at| timestamp(at, tz, now)),
    }
}

pub fn detail(
    c: &Connection,
    provider: Option<&Provider>,
    events: &[ConnectionEvent],
    label: FieldState,
    can_manage: bool,
    tz: chrono_tz::Tz,
    now: i64,
) -> ConnectionView {
    let identity_label = provider.map(|p| p.spec.check.identity_label.clone()).unwrap_or_else(|| "Account".into());
    ConnectionView {
        id: c.id.clone(),
        label,
        provider_id: c.provider.clone(),
        provider_name: provider_name(provider, c),
        status: status(c),
        status_reason: c.status_reason.clone(),
        auth_label: auth_label(&c.auth_kind).into(),
        identity: (!c.account_id.is_empty()).then(|| (identity_label, c.account_id.clone())),
        account_name: c.account_name.clone(),
        secret_hint: c.secret_hint.clone(),
        access_expires: c.access_expires_at.map(|at| timestamp(at, tz, now)),
        last_checked: c.last_checked_at.map(|at| timestamp(at, tz, now)),
        last_check: (!c.last_check_message.is_empty()).then(|| c.last_check_message.clone()),
        last_check_ok: c.last_check_ok.unwrap_or(false),
        created: timestamp(c.created_at, tz, now),
        runs_at_once: match c.max_concurrent_runs {
            Some(n) => n.to_string(),
            None => format!("{} (the default)", crate::storage::DEFAULT_MAX_CONCURRENT_RUNS),
        },
        runs_limit: c.max_concurrent_runs.unwrap_or(crate::storage::DEFAULT_MAX_CONCURRENT_RUNS).to_string(),
        request_budget: None,
        events: events
            .iter()
            .map(|e| ConnectionEventRow {
                at: timestamp(e.at, tz, now),
                kind: e.kind.clone(),
                detail: e.detail.clone(),
            })
            .collect(),
        can_manage,
        disabled: c.status == ConnectionStatus::Disabled,
        test_action: urls::connection_action(&c.id, "test"),
        rename_action: urls::connection_action(&c.id, "rename"),
        limit_action: urls::connection_action(&c.id, "limit"),
        toggle_action: urls::connection_action(&c.id, "toggle"),
        reconnect_href: urls::connection_action(&c.id, "reconnect"),
        delete_href: urls::connection_action(&c.id, "delete"),
    }
}

/// The credentials form's inputs, with typed non-secret values kept after an error (secrets
/// are never sent back).
pub fn inputs(
    provider: &Provider,
    posted: Option<&std::collections::BTreeMap<String, String>>,
) -> Vec<CredentialInput> {
    provider
        .spec
        .credential_fields()
        .into_iter()
        .map(|f| {
            let value =
                if f.secret { String::new() } else { posted.and_then(|p| p.get(&f.name)).cloned().unwrap_or_default() };
            CredentialInput {
                name: f.name,
                label: f.label,
                placeholder: f.placeholder,
                secret: f.secret,
                optional: f.optional,
                state: FieldState { value, error: None },
            }
        })
        .collect()
}

pub fn credentials_title(provider: &Provider) -> String {
    match provider.spec.auth {
        AuthKind::ApiKey => "API key".into(),
        AuthKind::Basic => "Client ID and secret".into(),
        AuthKind::ConnectionString => "Connection URL".into(),
        AuthKind::Oauth2 => "Access token".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_lines_say_rate_use_and_pauses() {
        let rate = RequestRate { requests: 110, per_seconds: 10 };
        let utc = chrono_tz::UTC;
        assert_eq!(budget_line(rate, None, utc, 0), "110 requests per 10 s, shared by every run; not used yet.");
        let busy = BudgetUse { available: 0, used: 2_140, waited_ms: 12_340, limited: 2, blocked_until: Some(90_000) };
        let line = budget_line(RequestRate { requests: 100, per_seconds: 1 }, Some(&busy), utc, 30_000);
        let expected = "100 requests per second, shared by every run; paused by the provider, free again in 1 minute · 2140 used \
             · runs waited 12.3 s · 2 × 429";
        assert_eq!(line, expected);
    }
}
