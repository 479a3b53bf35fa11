//! The end-to-end suite: every test runs against the real server on a random port, once on a
//! fresh SQLite file and once on a fresh PostgreSQL database. The PostgreSQL runs need
//! `HITCH_TEST_DATABASE_URL` (a server to create databases on); without it they are listed as
//! ignored, and the suite says so. `.ci/run` sets it, making them mandatory.

mod api;
mod auth;
mod browser;
mod connections;
mod isolation;
mod limits;
mod log_capture;
mod members;
mod node_peers;
mod oauth;
mod oauth_mock;
mod ops;
mod queue;
mod sandbox_webhooks;
mod secrets;
mod storage;
mod support;
mod sync;
mod sync_http;
mod sync_postgres;
mod ui_queue;
mod ui_webhooks;
mod webhook_ingest;
mod webhooks;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use hitch_tests::{Backend, TestApp, TestDatabase};
use libtest_mimic::{Arguments, Failed, Trial};

type TestFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type TestFn = fn(TestApp) -> TestFuture;

/// `(name, fn)` for each test, the fn boxed so all share one type.
macro_rules! tests {
    ($($path:path),* $(,)?) => {
        vec![$((stringify!($path), (|app: TestApp| -> TestFuture { Box::pin($path(app)) }) as TestFn)),*]
    };
}

/// Longest any one test may take before it counts as hung.
const TEST_DEADLINE: Duration = Duration::from_secs(90);

fn all_tests() -> Vec<(&'static str, TestFn)> {
    tests![
        auth::signup_creates_workspace_and_owner,
        auth::signup_rejects_bad_input_and_writes_nothing,
        auth::sign_in_and_sign_out,
        auth::failed_sign_ins_are_throttled_and_audited,
        auth::forms_without_a_valid_csrf_token_change_nothing,
        auth::malformed_and_oversized_forms_get_clear_4xx,
        auth::https_public_url_makes_cookies_secure,
        members::invitation_link_creates_account_once,
        members::existing_account_accepts_with_its_password,
        members::revoked_invitation_link_stops_working,
        members::roles_are_enforced_on_the_server,
        members::last_owner_cannot_be_demoted_or_removed,
        isolation::tenants_cannot_reach_each_other_through_the_ui,
        isolation::tenants_cannot_reach_each_other_through_the_api,
        api::me_and_members,
        api::api_errors_are_json_and_change_nothing,
        api::openapi_document_describes_the_api,
        ops::health_readiness_and_metrics,
        ops::two_processes_share_one_database,
        ops::pages_render_for_every_section,
        support::support_staff_read_any_tenant_and_are_audited,
        storage::slugs_and_emails_are_unique,
        storage::every_tenant_query_is_scoped,
        storage::concurrent_demotions_keep_an_owner,
        storage::invitation_is_accepted_once_under_concurrency,
        storage::sessions_round_trip_and_expire,
        storage::oauth_states_are_single_use_and_expire,
        connections::api_key_connections_through_the_api,
        connections::api_key_connection_in_the_browser,
        connections::viewers_and_editors_cannot_touch_credentials,
        connections::other_tenants_connections_are_not_found,
        oauth::oauth_in_the_browser,
        oauth::oauth_started_through_the_api_needs_no_session,
        oauth::broken_sign_ins_leave_nothing_behind,
        oauth::tokens_refresh_once_across_processes,
        oauth::revoked_grant_needs_reconnect,
        oauth::static_tokens_are_taken_like_api_keys,
        oauth::a_token_ended_early_is_refreshed_once_after_401,
        oauth::health_checks_find_revoked_grants,
        secrets::no_secret_in_the_database_or_the_logs,
        secrets::credentials_survive_key_rotation,
        sync::stripe_customers_to_hubspot_contacts,
        sync::recipes_are_checked_when_saved,
        sync::record_problems_are_reported_and_the_run_goes_on,
        sync::recipe_editor_in_the_browser,
        sync_http::an_http_json_api_to_hubspot,
        webhooks::stripe_events_trigger_runs_once,
        webhooks::generic_hmac_endpoint_round_trip,
        webhooks::webhook_endpoints_are_per_tenant,
        sandbox_webhooks::hubspot_changes_reach_hitch_as_signed_webhooks,
        sandbox_webhooks::stripe_changes_reach_hitch_as_signed_webhooks,
        ui_webhooks::webhook_endpoints_on_the_recipe_page,
        ui_webhooks::viewers_cannot_create_or_revoke_webhooks,
    ]
}

/// Tests whose destination is a PostgreSQL table, whatever Hitch's own backend: they need
/// `HITCH_TEST_DATABASE_URL` on both.
fn postgres_destination_tests() -> Vec<(&'static str, TestFn)> {
    tests![sync_postgres::hubspot_contacts_to_a_postgres_table]
}

/// Tests that need the npm test peers (see node_peers.rs).
fn node_tests() -> Vec<(&'static str, TestFn)> {
    tests![oauth_mock::google_sign_in_against_oauth2_mock_server]
}

/// Tests that drive the job queue by hand: their server runs no workers of its own.
fn queue_tests() -> Vec<(&'static str, TestFn)> {
    tests![
        queue::claims_are_exclusive_and_leases_expire,
        queue::triggers_coalesce_and_dedupe,
        queue::three_processes_enqueue_each_due_time_once,
        queue::old_queue_rows_are_purged_and_live_ones_kept,
        queue::a_backlog_does_not_starve_other_workspaces,
        queue::batch_claims_share_out_workspaces_and_never_overlap,
        queue::a_batch_keeps_to_connection_limits,
        queue::a_round_settles_ended_jobs_then_claims,
        limits::a_provider_that_answers_429_for_ever_ends_as_a_dead_job,
        limits::a_connection_runs_at_most_its_limit_at_once,
        limits::a_long_retry_after_moves_the_next_attempt,
        limits::request_budgets_are_shared_by_processes,
        ui_queue::dead_jobs_are_listed_and_run_again,
        ui_queue::viewers_see_the_queue_but_cannot_run_again,
        webhook_ingest::a_group_stores_each_event_once_and_queues_one_run_per_recipe,
        webhook_ingest::concurrent_deliveries_share_one_queued_run,
        webhook_ingest::cached_endpoints_still_obey_revocation_and_disabling,
        webhook_ingest::a_refused_group_stores_nothing_and_spares_its_neighbours,
        webhook_ingest::stopping_stores_every_delivery_taken,
    ]
}

fn run(backend: Backend, test: TestFn) -> Result<(), Failed> {
    run_with(backend, test, &[])
}

fn run_with(backend: Backend, test: TestFn, env: &'static [(&'static str, &'static str)]) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("runtime: {e}")))?;
    runtime.block_on(async move {
        let db = TestDatabase::create(backend).await.map_err(|e| format!("{e:#}"))?;
        let outcome = async {
            let app = TestApp::spawn(&db, env).await?;
            tokio::time::timeout(TEST_DEADLINE, test(app))
                .await
                .map_err(|_| anyhow::anyhow!("test did not finish within {TEST_DEADLINE:?}"))?
        }
        .await;
        let cleanup = db.destroy().await;
        outcome.map_err(|e| format!("{e:#}"))?;
        cleanup.map_err(|e| format!("cleanup: {e:#}"))?;
        Ok(())
    })
}

fn main() {
    log_capture::install();
    let args = Arguments::from_args();
    let postgres = Backend::postgres_admin_url().is_some();
    if !postgres {
        eprintln!(
            "note: PostgreSQL suite SKIPPED (listed as ignored): set HITCH_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run it"
        );
    }
    let mut trials = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for (name, test) in all_tests() {
            let trial = Trial::test(format!("{}::{name}", backend.name()), move || run(backend, test));
            trials.push(trial.with_ignored_flag(backend == Backend::Postgres && !postgres));
        }
    }
    let node_missing = node_peers::missing(false);
    if let (Some(why), false) = (&node_missing, node_peers::required()) {
        eprintln!("note: oauth2-mock-server tests SKIPPED (listed as ignored): {why}");
    }
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for (name, test) in node_tests() {
            let trial = Trial::test(format!("{}::{name}", backend.name()), move || {
                if let Some(why) = node_peers::missing(false) {
                    return Err(Failed::from(format!("required npm test peers missing: {why}")));
                }
                run(backend, test)
            });
            let skip =
                (backend == Backend::Postgres && !postgres) || (node_missing.is_some() && !node_peers::required());
            trials.push(trial.with_ignored_flag(skip));
        }
    }
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for (name, test) in queue_tests() {
            let trial = Trial::test(format!("{}::{name}", backend.name()), move || {
                run_with(backend, test, &[("HITCH_WORKERS", "0")])
            });
            trials.push(trial.with_ignored_flag(backend == Backend::Postgres && !postgres));
        }
        for (name, test) in postgres_destination_tests() {
            let trial = Trial::test(format!("{}::{name}", backend.name()), move || run(backend, test));
            trials.push(trial.with_ignored_flag(!postgres));
        }
    }
    trials.push(browser::trial());
    libtest_mimic::run(&args, trials).exit();
}
