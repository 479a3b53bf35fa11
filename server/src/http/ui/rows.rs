//! Storage rows turned into table rows, shared by the members, settings and support pages.

use hitch_app::models::{AuditRow, MemberRow};

use crate::domain::Role;
use crate::http::display::timestamp;
use crate::storage::{AuditEntry, Member};

/// `viewer`: the signed-in user's id and role, or None for read-only views (support).
/// `sole_owner`: the tenant has one owner, whose row then offers no changes (they would fail).
pub fn member_row(
    m: &Member,
    viewer: Option<(&str, Role)>,
    sole_owner: bool,
    tz: chrono_tz::Tz,
    now: i64,
) -> MemberRow {
    MemberRow {
        user_id: m.user_id.clone(),
        email: m.email.clone(),
        role: m.role.as_str().into(),
        joined: timestamp(m.joined_at, tz, now),
        is_you: viewer.is_some_and(|(id, _)| id == m.user_id),
        can_manage: viewer.is_some_and(|(_, role)| role.can_manage(m.role)) && !(sole_owner && m.role == Role::Owner),
    }
}

pub fn audit_row(e: &AuditEntry, tz: chrono_tz::Tz, now: i64) -> AuditRow {
    AuditRow {
        at: timestamp(e.at, tz, now),
        actor: e.actor.clone(),
        action: e.action.clone(),
        target: e.target.clone(),
        detail: e.detail.clone(),
        ip: e.ip.clone(),
    }
}

pub fn role_names(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| r.as_str().to_owned()).collect()
}
