//! The Queue page: the workspace's jobs that gave up (with the provider's last error, the
//! run they made, and whether the recipe has run again since), and those waiting or running.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Html;
use hitch_app::models::{DeadJobRow, JobRecipe, LaterRun, Nav, QueueView, Status, WaitingJobRow};
use hitch_app::{pages, urls};

use super::run_views::{self, recipe_names};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::{timestamp, zone};
use crate::http::extractors::Member;
use crate::state::AppState;
use crate::storage::{Job, TenantStore, now_ms};

/// Most jobs listed per group; a workspace with more has a bigger problem than a list shows.
const LIMIT: i64 = 100;

/// Turns storage rows into the page's rows, in the workspace's time zone.
struct Rows<'a> {
    scope: TenantStore<'a>,
    names: HashMap<String, String>,
    tz: chrono_tz::Tz,
    now: i64,
}

impl Rows<'_> {
    fn recipe(&self, job: &Job) -> JobRecipe {
        let id = job.recipe_id.as_deref().unwrap_or_default();
        match self.names.get(id) {
            Some(name) => JobRecipe { name: name.clone(), href: Some(urls::recipe(id)) },
            None => JobRecipe { name: "(deleted recipe)".into(), href: None },
        }
    }

    async fn last_run_href(&self, job: &Job) -> Result<Option<String>, AppError> {
        Ok(self.scope.last_run_of_job(job).await?.map(|run| urls::run(&run.id)))
    }

    /// The recipe's latest run, if it was queued after the job gave up.
    async fn later_run(&self, job: &Job) -> Result<Option<LaterRun>, AppError> {
        let Some(recipe_id) = job.recipe_id.as_deref() else { return Ok(None) };
        let latest = self.scope.runs(Some(recipe_id), 1).await?.pop();
        Ok(latest.filter(|run| run.queued_at > job.updated_at).map(|run| {
            let (status, label) = run_views::status(&run);
            LaterRun {
                status,
                label,
                href: urls::run(&run.id),
                at: timestamp(run.started_at.unwrap_or(run.queued_at), self.tz, self.now),
            }
        }))
    }

    async fn dead(&self, job: &Job) -> Result<DeadJobRow, AppError> {
        let recipe = self.recipe(job);
        let run_action = recipe.href.as_ref().and(job.recipe_id.as_deref()).map(|id| urls::recipe_action(id, "run"));
        Ok(DeadJobRow {
            recipe,
            trigger: job.trigger.clone(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error.clone(),
            died: timestamp(job.updated_at, self.tz, self.now),
            last_run_href: self.last_run_href(job).await?,
            later_run: self.later_run(job).await?,
            run_action,
        })
    }

    async fn waiting(&self, job: &Job) -> Result<WaitingJobRow, AppError> {
        let (status, label) = match job.status.as_str() {
            // Parked by a worker that found a connection at its limit of runs at once.
            "running" if job.lease_owner.is_none() => (
                Status::Pending,
                "waiting for a free slot: a connection it uses is running as many jobs as it allows".to_owned(),
            ),
            "running" if job.lease_until.is_some_and(|until| until < self.now) => {
                (Status::Pending, "stalled: its worker stopped; another worker takes it over".to_owned())
            }
            "running" => (Status::Running, "running".to_owned()),
            _ if job.attempts > 0 => (Status::Pending, "retrying".to_owned()),
            _ => (Status::Pending, "queued".to_owned()),
        };
        let backing_off = job.status == "queued" && job.run_after > self.now;
        Ok(WaitingJobRow {
            recipe: self.recipe(job),
            trigger: job.trigger.clone(),
            status,
            status_label: label,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            next_attempt: backing_off.then(|| timestamp(job.run_after, self.tz, self.now)),
            last_error: job.last_error.clone(),
            queued: timestamp(job.created_at, self.tz, self.now),
            run_href: self.last_run_href(job).await?,
        })
    }
}

pub async fn queue_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let names = recipe_names(&scope.recipes().await?);
    let rows = Rows { scope, names, tz: zone(&member.tenant.time_zone), now: now_ms() };
    let mut dead = Vec::new();
    for job in rows.scope.jobs(Some("dead"), LIMIT).await? {
        dead.push(rows.dead(&job).await?);
    }
    // Running first, then queued in the order they may start.
    let mut jobs = rows.scope.jobs(Some("running"), LIMIT).await?;
    let mut queued = rows.scope.jobs(Some("queued"), LIMIT).await?;
    queued.sort_by_key(|j| (j.run_after, j.created_at));
    jobs.extend(queued);
    let mut waiting = Vec::new();
    for job in &jobs {
        waiting.push(rows.waiting(job).await?);
    }
    let view = QueueView { dead, waiting, can_run: member.role.can_edit() };
    let chrome = chrome::for_user(&member.me, "Queue", Nav::Queue).await?;
    Ok(Html(pages::queue::render(chrome, view)))
}
