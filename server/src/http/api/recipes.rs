//! Recipes through the API: CRUD, preview, run now.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::{ApiJson, ApiPrincipal};
use crate::domain::Role;
use crate::error::{ApiError, ErrorBody};
use crate::http::extractors::ClientIp;
use crate::state::AppState;
use crate::storage::{Recipe, new_id};
use crate::sync::recipes::{self, PreviewRecord, RecipeSpec, StartError};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecipeOut {
    pub id: String,
    #[serde(flatten)]
    pub spec: RecipeSpec,
    /// Where the next incremental read starts; null before the first run.
    pub cursor: Option<String>,
    /// When the schedule runs it next (RFC 3339, UTC); null without a schedule.
    pub next_run_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn out(recipe: &Recipe) -> Result<RecipeOut, ApiError> {
    let spec = RecipeSpec::from_recipe(recipe).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let next_run_at = spec.trigger.next_after(chrono::Utc::now()).map(|t| super::rfc3339_secs(t.timestamp_millis()));
    Ok(RecipeOut {
        id: recipe.id.clone(),
        next_run_at,
        spec,
        cursor: recipe.cursor.clone(),
        created_at: super::rfc3339_secs(recipe.created_at),
        updated_at: super::rfc3339_secs(recipe.updated_at),
    })
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecipeList {
    pub recipes: Vec<RecipeOut>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub records: Vec<PreviewRecord>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RunStarted {
    pub run_id: String,
}

async fn checked(state: &AppState, principal: &ApiPrincipal, spec: &RecipeSpec) -> Result<(), ApiError> {
    let problems = recipes::problems(state, &principal.tenant.id, spec).await;
    if problems.is_empty() { Ok(()) } else { Err(ApiError::Validation(problems.join(" "))) }
}

#[utoipa::path(get, path = "/api/v1/recipes", tag = "recipes", security(("bearer" = [])), responses((status = 200, body = RecipeList)))]
pub async fn recipes_list(
    State(state): State<AppState>,
    principal: ApiPrincipal,
) -> Result<Json<RecipeList>, ApiError> {
    let list = state.store.tenant(&principal.tenant.id).recipes().await?;
    Ok(Json(RecipeList { recipes: list.iter().map(out).collect::<Result<_, _>>()? }))
}

/// Creates a recipe, after checking both connections' objects and fields and the mapping
/// (missing fields, template errors, required destination fields) — 422 lists every problem.
#[utoipa::path(post, path = "/api/v1/recipes", tag = "recipes", security(("bearer" = [])), request_body = RecipeSpec,
    responses((status = 201, body = RecipeOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recipes_create(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    ApiJson(spec): ApiJson<RecipeSpec>,
) -> Result<(StatusCode, Json<RecipeOut>), ApiError> {
    principal.require(Role::Editor, "creating recipes")?;
    checked(&state, &principal, &spec).await?;
    let scope = state.store.tenant(&principal.tenant.id);
    let recipe = scope.create_recipe(&new_id(), &spec.to_input(), principal.token.created_by.as_deref()).await?;
    scope.audit(&principal.audit(&ip, "recipe.created", &recipe.name, "")).await?;
    Ok((StatusCode::CREATED, Json(out(&recipe)?)))
}

#[utoipa::path(get, path = "/api/v1/recipes/{id}", tag = "recipes", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RecipeOut), (status = 404, body = ErrorBody)))]
pub async fn recipes_get(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> Result<Json<RecipeOut>, ApiError> {
    Ok(Json(out(&state.store.tenant(&principal.tenant.id).recipe(&id).await?)?))
}

#[utoipa::path(put, path = "/api/v1/recipes/{id}", tag = "recipes", security(("bearer" = [])), params(("id" = String, Path)), request_body = RecipeSpec,
    responses((status = 200, body = RecipeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recipes_put(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
    ApiJson(spec): ApiJson<RecipeSpec>,
) -> Result<Json<RecipeOut>, ApiError> {
    principal.require(Role::Editor, "changing recipes")?;
    let scope = state.store.tenant(&principal.tenant.id);
    scope.recipe(&id).await?;
    checked(&state, &principal, &spec).await?;
    let recipe = scope.update_recipe(&id, &spec.to_input()).await?;
    scope.audit(&principal.audit(&ip, "recipe.changed", &recipe.name, "")).await?;
    Ok(Json(out(&recipe)?))
}

#[utoipa::path(delete, path = "/api/v1/recipes/{id}", tag = "recipes", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn recipes_delete(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Role::Editor, "deleting recipes")?;
    let scope = state.store.tenant(&principal.tenant.id);
    let gone = scope.delete_recipe(&id).await?;
    scope.audit(&principal.audit(&ip, "recipe.deleted", &gone.name, "")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads a sample from the source and maps it; writes nothing anywhere.
#[utoipa::path(post, path = "/api/v1/recipes/{id}/preview", tag = "recipes", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Preview), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn recipes_preview(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> Result<Json<Preview>, ApiError> {
    let recipe = state.store.tenant(&principal.tenant.id).recipe(&id).await?;
    let spec = RecipeSpec::from_recipe(&recipe).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let records = recipes::preview(&state, &principal.tenant.id, &spec, 10).await.map_err(ApiError::ProviderFailed)?;
    Ok(Json(Preview { records }))
}

/// Queues a run now. While one runs, a second request queues one follow-up run; more requests
/// join that follow-up (same `run_id`), so triggers never pile up.
#[utoipa::path(post, path = "/api/v1/recipes/{id}/run", tag = "recipes", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 202, body = RunStarted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn recipes_run(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    principal.require(Role::Editor, "running recipes")?;
    let run = start(&state, &principal, &id, "api").await?;
    state.store.tenant(&principal.tenant.id).audit(&principal.audit(&ip, "recipe.run", &id, "")).await?;
    Ok((StatusCode::ACCEPTED, Json(RunStarted { run_id: run })))
}

pub async fn start(
    state: &AppState,
    principal: &ApiPrincipal,
    recipe_id: &str,
    trigger: &str,
) -> Result<String, ApiError> {
    match recipes::start_run(state, &principal.tenant.id, recipe_id, trigger).await {
        Ok(started) => Ok(started.run_id),
        Err(StartError::Disabled) => Err(ApiError::Conflict("This recipe is disabled.".into())),
        Err(StartError::Store(e)) => Err(e.into()),
    }
}
