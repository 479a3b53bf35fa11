//! Connection records turned into the connection pages' view models.

use hitch_app::models::{ConnectionEventRow, ConnectionRow, ConnectionView, CredentialInput, FieldState, Status};
use hitch_app::urls;

use crate::http::display::timestamp;
use crate::providers::{AuthKind, Provider};
use crate::storage::{Connection, ConnectionEvent, ConnectionStatus};

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
