//! The job queue through the API: what is waiting, running, finished or dead. A dead job ran
//! out of attempts on a transient failure (the provider kept failing or rate-limiting); its
//! last error says why, and its run's log says the same.

use axum::Json;
use axum::extract::{Query, State};

use super::auth::ApiPrincipal;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::storage::Job;

const STATUSES: [&str; 4] = ["queued", "running", "done", "dead"];

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JobOut {
    pub id: String,
    pub recipe_id: Option<String>,
    /// manual, api, retry, schedule, webhook
    pub trigger: String,
    /// queued, running, done or dead
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// When a queued job may next be claimed (after a backoff, later than now).
    pub run_after: String,
    /// The last failure: for a dead job, why it was given up.
    pub last_error: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Job> for JobOut {
    fn from(j: Job) -> Self {
        JobOut {
            id: j.id,
            recipe_id: j.recipe_id,
            trigger: j.trigger,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_after: super::rfc3339_millis(j.run_after),
            last_error: j.last_error,
            created_at: super::rfc3339_millis(j.created_at),
            updated_at: super::rfc3339_millis(j.updated_at),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobOut>,
}

#[derive(serde::Deserialize)]
pub struct JobsQuery {
    status: Option<String>,
}

/// The workspace's jobs, last changed first (at most 200); `?status=dead` lists the ones that
/// ran out of attempts.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "runs", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "queued, running, done or dead")),
    responses((status = 200, body = JobList), (status = 400, body = ErrorBody)))]
pub async fn jobs_list(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Query(q): Query<JobsQuery>,
) -> Result<Json<JobList>, ApiError> {
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = status.filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::BadRequest(format!(
            "Unknown job status \"{}\": use one of {}.",
            s.chars().take(40).collect::<String>(),
            STATUSES.join(", ")
        )));
    }
    let jobs = state.store.tenant(&principal.tenant.id).jobs(status, 200).await?;
    Ok(Json(JobList { jobs: jobs.into_iter().map(Into::into).collect() }))
}
