//! Rows as the rest of the server sees them. Tenant-owned rows carry their tenant id first.

use crate::domain::Role;

/// A tenant's id (UUIDv7 text). A newtype so a user id can't be passed where a tenant id goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TenantId(pub String);

impl TenantId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub is_support_staff: bool,
    pub created_at: i64,
}

/// A user's membership as seen from the user: which tenant, which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipOf {
    pub tenant: Tenant,
    pub role: Role,
}

/// A tenant's member as seen from the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub tenant_id: TenantId,
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub tenant_id: TenantId,
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Invitation {
    /// Usable: not accepted, not revoked, not expired at `now`.
    pub fn is_open(&self, now: i64) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// An API token's public facts; the secret itself is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub tenant_id: TenantId,
    pub id: String,
    pub name: String,
    pub role: Role,
    pub last_four: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A row to append to the audit log.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor_user_id: Option<String>,
    /// Who, in words: an email, "token:NAME", "support:EMAIL" or "system".
    pub actor: String,
    /// A dotted verb such as "auth.sign_in" or "member.role_changed".
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub tenant_id: Option<TenantId>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
    pub at: i64,
}

/// A tenant with its member count, for the support console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    pub tenant: Tenant,
    pub members: i64,
}
