//! Plain view models the server fills in. Pages are pure functions of these: no storage, no HTTP.

mod queue;
mod webhooks;

pub use queue::{DeadJobRow, JobRecipe, LaterRun, QueueView, WaitingJobRow};
pub use webhooks::{NewWebhookView, WebhookEventRow, WebhookFormView, WebhookRow, WebhooksView};

/// One of the eight sections in the navigation, or none (sign-in, error and support pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Connections,
    Recipes,
    Runs,
    Queue,
    Errors,
    Alerts,
    Settings,
    None,
}

/// What kind of banner a flash message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Error,
    Info,
}

/// A one-time message shown at the top of the next page (post/redirect/get).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// A tenant the signed-in user can switch to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantChoice {
    pub slug: String,
    pub name: String,
    pub current: bool,
}

/// Everything the page frame needs: who is signed in, where, and the form token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chrome {
    /// Document title, without the " · Hitch" suffix.
    pub title: String,
    pub active: Nav,
    /// None on pages for signed-out visitors.
    pub user: Option<ChromeUser>,
    /// CSRF token to put in every form as the hidden field `csrf`.
    pub csrf: String,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChromeUser {
    pub email: String,
    /// The role in the current tenant, e.g. "owner"; "support" for platform support staff.
    pub role: String,
    pub tenant_name: String,
    pub tenant_slug: String,
    /// Every tenant the user belongs to (the switcher shows when there are two or more).
    pub tenants: Vec<TenantChoice>,
    pub is_support_staff: bool,
    /// Tenant time zone, e.g. "Europe/Berlin": shown next to times.
    pub time_zone: String,
}

/// A form field's current value and its error message, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldState {
    pub value: String,
    pub error: Option<String>,
}

/// A point in time as shown to a user: relative text, and the absolute time in the tenant's zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// "3 minutes ago"
    pub relative: String,
    /// "2026-11-27 20:14:05 CET" (tenant zone); shown on hover
    pub absolute: String,
    /// RFC 3339 UTC, for the <time datetime=".."> attribute
    pub iso: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub email: FieldState,
    /// A message about the whole form (wrong password, throttled).
    pub error: Option<String>,
    /// Where to go after signing in (a local path), kept in a hidden field `next`.
    pub next: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignupForm {
    pub company: FieldState,
    pub email: FieldState,
    pub password: FieldState,
    pub error: Option<String>,
}

/// One step of the overview's getting-started checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistItem {
    pub title: String,
    pub detail: String,
    pub done: bool,
    /// Link to where the step is done, when it can be done today.
    pub href: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverviewView {
    pub connections: i64,
    pub recipes: i64,
    pub runs_last_24h: i64,
    pub open_errors: i64,
    pub members: i64,
    pub checklist: Vec<ChecklistItem>,
}

/// An empty section page (Connections, Recipes, Runs, Errors, Alerts) before its feature lands:
/// says what will appear here and what to do first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptySectionView {
    pub heading: String,
    pub lead: String,
    pub empty_title: String,
    pub empty_body: String,
    /// (label, href) of the next step, when there is one.
    pub next_step: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub joined: Timestamp,
    pub is_you: bool,
    /// The signed-in user may change this member's role / remove them.
    pub can_manage: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited: Timestamp,
    pub expires: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembersView {
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
    /// The signed-in user may invite and manage (admin or owner).
    pub can_manage: bool,
    /// Roles the signed-in user may grant, highest first (owners may grant "owner").
    pub grantable_roles: Vec<String>,
    pub invite_email: FieldState,
    pub invite_role: String,
    /// The link of an invitation just created, shown once so the admin can pass it on.
    pub new_invite_link: Option<String>,
    /// The address that invitation is for, named next to the link.
    pub new_invite_email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRow {
    pub id: String,
    pub name: String,
    pub role: String,
    /// "…a1b2": the last four characters, never more.
    pub hint: String,
    pub created: Timestamp,
    pub last_used: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsView {
    pub tenant_name: FieldState,
    pub time_zone: FieldState,
    /// Suggested IANA zones for the time-zone field's datalist.
    pub time_zone_choices: Vec<String>,
    pub can_edit: bool,
    pub tokens: Vec<ApiTokenRow>,
    pub token_name: FieldState,
    pub grantable_roles: Vec<String>,
    /// A token just created: shown once, never again.
    pub new_token: Option<String>,
    pub audit: Vec<AuditRow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationView {
    pub tenant_name: String,
    pub email: String,
    pub role: String,
    /// The invited email already has an account: accepting asks for its password.
    pub existing_account: bool,
    pub password: FieldState,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportTenantRow {
    pub slug: String,
    pub name: String,
    pub members: i64,
    pub created: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportTenantView {
    pub name: String,
    pub slug: String,
    pub time_zone: String,
    pub members: Vec<MemberRow>,
    pub audit: Vec<AuditRow>,
}

/// An error page: what happened and what to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorView {
    pub status: u16,
    pub title: String,
    pub message: String,
    /// (label, href) of the way forward.
    pub action: Option<(String, String)>,
}

/// The health of a connection, recipe or run. Shown everywhere as a coloured dot plus this word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Healthy,
    Running,
    SucceededWithErrors,
    Failing,
    NeedsReconnect,
    Paused,
    Pending,
}

impl Status {
    /// The word shown next to the dot.
    pub fn label(self) -> &'static str {
        match self {
            Status::Healthy => "Healthy",
            Status::Running => "Running",
            Status::SucceededWithErrors => "Succeeded with errors",
            Status::Failing => "Failing",
            Status::NeedsReconnect => "Needs reconnect",
            Status::Paused => "Paused",
            Status::Pending => "Pending",
        }
    }

    /// The CSS modifier, `status--<slug>`.
    pub fn slug(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Running => "running",
            Status::SucceededWithErrors => "partial",
            Status::Failing => "failing",
            Status::NeedsReconnect => "reconnect",
            Status::Paused => "paused",
            Status::Pending => "pending",
        }
    }
}

/// A provider tile in the connect catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderTile {
    pub id: String,
    pub name: String,
    pub category: String,
    pub category_label: String,
    pub description: String,
    /// "OAuth sign-in", "API key", "Client ID and secret", "Connection URL".
    pub auth_label: String,
    pub docs_url: String,
    /// False when an OAuth provider has no OAuth app configured on this server (and no
    /// static-token alternative): the tile explains instead of linking.
    pub available: bool,
    pub unavailable_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogView {
    pub tiles: Vec<ProviderTile>,
    /// (value, label) of every category, for the filter.
    pub categories: Vec<(String, String)>,
    pub query: String,
    /// The selected category value, "" for all.
    pub category: String,
}

/// One input of a credentials form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialInput {
    pub name: String,
    pub label: String,
    pub placeholder: String,
    /// Rendered as type="password" with autocomplete="off"; never pre-filled.
    pub secret: bool,
    pub optional: bool,
    pub state: FieldState,
}

/// The page to connect one provider (or reconnect an existing connection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectView {
    pub provider_id: String,
    pub provider_name: String,
    pub description: String,
    pub docs_url: String,
    pub label: FieldState,
    /// Offer "Sign in with {provider}" (POST `oauth_action`, fields csrf + label).
    pub oauth: bool,
    pub oauth_action: String,
    /// Scopes that will be requested, shown before sign-in.
    pub scopes: Vec<String>,
    /// Credentials form (POST `credentials_action`, fields csrf + label + each input name);
    /// empty when the provider is OAuth-only.
    pub inputs: Vec<CredentialInput>,
    pub credentials_action: String,
    /// What the credentials are called in the form heading: "API key", "Access token", ...
    pub credentials_title: String,
    /// A message about the whole form (the provider refused the key, ...).
    pub error: Option<String>,
    /// Some(connection label) when reconnecting an existing connection.
    pub reconnecting: Option<String>,
    /// Rate limit the provider documents, in words.
    pub rate_limit: Option<String>,
}

/// A row of the connections list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionRow {
    pub id: String,
    pub label: String,
    pub provider_name: String,
    pub status: Status,
    /// Why the status is what it is ("HubSpot refused the refresh token: …"), if not healthy.
    pub status_reason: String,
    pub account: String,
    pub last_checked: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionsView {
    pub rows: Vec<ConnectionRow>,
    pub can_manage: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionEventRow {
    pub at: Timestamp,
    /// "connected", "refreshed", "needs_reauth", "check_failed", ...
    pub kind: String,
    pub detail: String,
}

/// One connection's page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionView {
    pub id: String,
    pub label: FieldState,
    pub provider_id: String,
    pub provider_name: String,
    pub status: Status,
    pub status_reason: String,
    pub auth_label: String,
    /// (what it is, value), e.g. ("HubSpot portal ID", "4815162342").
    pub identity: Option<(String, String)>,
    pub account_name: String,
    /// "…a1b2" or "" when there is nothing to hint at.
    pub secret_hint: String,
    pub access_expires: Option<Timestamp>,
    pub last_checked: Option<Timestamp>,
    /// "OK in 84 ms" or the failure in the provider's words.
    pub last_check: Option<String>,
    pub last_check_ok: bool,
    pub created: Timestamp,
    /// "4 (the default)": runs that may use the connection at the same time.
    pub runs_at_once: String,
    /// The same as a number, for the form that changes it.
    pub runs_limit: String,
    /// The provider's request budget and its use, in words; `None` without a rate limit.
    pub request_budget: Option<String>,
    pub events: Vec<ConnectionEventRow>,
    pub can_manage: bool,
    pub disabled: bool,
    /// Actions (POST, csrf only, plus `label` for rename, `max_concurrent_runs` for limit).
    pub test_action: String,
    pub rename_action: String,
    pub limit_action: String,
    pub toggle_action: String,
    pub reconnect_href: String,
    pub delete_href: String,
}

/// Confirmation before deleting a connection: what depends on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteConnectionView {
    pub id: String,
    pub label: String,
    pub provider_name: String,
    /// Recipes and other things that use the connection (names); deleting stops them.
    pub dependents: Vec<String>,
    pub delete_action: String,
    pub cancel_href: String,
}

/// Shown after an OAuth sign-in started through the API (no browser session to return to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthDoneView {
    pub ok: bool,
    pub title: String,
    pub message: String,
}

/// A recipe in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipeRow {
    pub id: String,
    pub name: String,
    /// "HubSpot · contacts"
    pub source: String,
    /// "PostgreSQL · customers"
    pub destination: String,
    /// "incremental" or "full refresh"
    pub mode: String,
    pub enabled: bool,
    /// Status of the last run, or Pending when it never ran.
    pub last_run_status: Status,
    pub last_run_label: String,
    pub last_run: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipesView {
    pub rows: Vec<RecipeRow>,
    pub can_edit: bool,
    /// Active connections exist (a recipe needs two ends).
    pub has_connections: bool,
}

/// An option in a select: (value, label).
pub type Choice = (String, String);

/// One destination field's row in the mapping editor. Form field names use the row's
/// index `i`: `rule-{i}-target`, `rule-{i}-kind` (field|constant|template), `rule-{i}-value`,
/// `rule-{i}-transforms` (repeated checkbox values: trim, lower, upper, number, date, lookup),
/// `rule-{i}-date_format`, `rule-{i}-lookup` (textarea, one `from=to` per line),
/// `rule-{i}-on_missing` (error|keep|default), `rule-{i}-default`.
///
/// The editor works without JavaScript, so it can't swap one `rule-{i}-value` control between a
/// select and a text box. It renders both: a `<select name="rule-{i}-field">` of the source
/// fields and an `<input name="rule-{i}-text">` for a constant or template, pre-filling the one
/// that matches `kind`. The server reads `rule-{i}-field` when `rule-{i}-kind` is `field`, else
/// `rule-{i}-text`, and puts it in `value`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MappingRowView {
    pub target: String,
    pub target_label: String,
    pub target_required: bool,
    /// "field", "constant" or "template"
    pub kind: String,
    /// The source field name, the constant, or the template text.
    pub value: String,
    pub transforms: Vec<String>,
    pub date_format: String,
    pub lookup: String,
    pub on_missing: String,
    pub default_value: String,
    pub error: Option<String>,
}

/// A source record mapped for preview: the mapped fields, or why it could not be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewRow {
    pub source_id: String,
    /// (destination field, value as JSON text)
    pub values: Vec<(String, String)>,
    /// "skipped by the filter", or the mapping errors.
    pub outcome: String,
    pub ok: bool,
}

/// The recipe editor (new or existing). POSTs `action` with fields `csrf`, `name`,
/// `source_connection`, `source_object`, `destination_connection`, `destination_object`,
/// `mode` (incremental|full), `delete_policy` (ignore|propagate|archive), `upsert_key`,
/// `filter` (one condition per line: `field op value`, ops eq ne contains exists gt lt),
/// the mapping rows above, and `intent` = save | preview | load_fields (submit buttons).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipeFormView {
    /// None for a new recipe.
    pub id: Option<String>,
    pub action: String,
    pub name: FieldState,
    pub connections: Vec<Choice>,
    pub source_connection: String,
    pub source_objects: Vec<Choice>,
    pub source_object: String,
    pub destination_connection: String,
    pub destination_objects: Vec<Choice>,
    pub destination_object: String,
    /// Source fields for the `field` selects and as a reference list.
    pub source_fields: Vec<Choice>,
    pub mode: String,
    pub delete_policy: String,
    pub upsert_key: FieldState,
    pub upsert_keys: Vec<Choice>,
    pub filter: FieldState,
    pub rows: Vec<MappingRowView>,
    /// Errors about the whole recipe (missing required destination fields, ...).
    pub errors: Vec<String>,
    /// Set after "Preview": sample records mapped, nothing written.
    pub preview: Option<Vec<PreviewRow>>,
    pub can_edit: bool,
    /// When it runs. Posted as `trigger_kind` (manual|cron|interval|webhook), `cron`,
    /// `time_zone`, `every_minutes`.
    pub trigger: TriggerFormView,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TriggerFormView {
    pub kind: String,
    pub cron: FieldState,
    pub time_zone: FieldState,
    pub every_minutes: FieldState,
    /// The next few run times in the workspace's zone, e.g. "2026-11-28 00:00 CET".
    pub next_runs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunCounts {
    pub read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRow {
    pub id: String,
    pub recipe_id: String,
    pub recipe_name: String,
    pub status: Status,
    /// "succeeded", "succeeded with errors", "failed: <why>", "running", "queued", "interrupted"
    pub status_label: String,
    pub trigger: String,
    pub counts: RunCounts,
    pub started: Option<Timestamp>,
    /// "1.2 s"
    pub duration: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunsView {
    pub rows: Vec<RunRow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunLogRow {
    pub at: Timestamp,
    pub level: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordErrorRow {
    pub id: String,
    pub run_id: String,
    pub recipe_name: String,
    pub source_id: String,
    /// "read", "mapping", "write"
    pub stage: String,
    /// In the provider's words where there are any.
    pub message: String,
    /// Redacted JSON of the record.
    pub payload: String,
    pub status: String,
    pub at: Timestamp,
}

/// One run: counts, its log, its record errors. The recipe page links here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunView {
    pub run: RunRow,
    pub error_message: Option<String>,
    pub logs: Vec<RunLogRow>,
    pub errors: Vec<RecordErrorRow>,
    pub recipe_href: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordErrorsView {
    pub rows: Vec<RecordErrorRow>,
}

/// One recipe's page: summary, "Run now" (POST `run_action`, csrf), edit link, recent runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipeView {
    pub id: String,
    pub name: String,
    pub source: String,
    pub destination: String,
    pub mode: String,
    pub delete_policy: String,
    /// (destination field, how it is filled) in words, e.g. ("full_name", "template {{firstname}} {{lastname}}").
    pub mapping_summary: Vec<(String, String)>,
    pub cursor: Option<String>,
    /// "every day at 00:00 (Europe/Berlin)", "manually", ...
    pub schedule: String,
    /// The next few run times in the workspace's zone.
    pub next_runs: Vec<String>,
    pub runs: Vec<RunRow>,
    pub can_edit: bool,
    pub run_action: String,
    pub edit_href: String,
    pub delete_action: String,
    pub webhooks: WebhooksView,
}
