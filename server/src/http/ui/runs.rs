//! The Runs and Errors pages, and one run's page.

use axum::extract::{Path, State};
use axum::response::Html;
use hitch_app::models::{Nav, RecordErrorsView, RunLogRow, RunView, RunsView};
use hitch_app::{pages, urls};

use super::run_views::{error_row, recipe_names, row};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::{timestamp, zone};
use crate::http::extractors::Member;
use crate::state::AppState;
use crate::storage::now_ms;

pub async fn runs_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let names = recipe_names(&scope.recipes().await?);
    let (tz, now) = (zone(&member.tenant.time_zone), now_ms());
    let rows = scope
        .runs(None, 200)
        .await?
        .iter()
        .map(|r| row(r, names.get(&r.recipe_id).map(String::as_str).unwrap_or("(deleted recipe)"), tz, now))
        .collect();
    let chrome = chrome::for_user(&member.me, "Runs", Nav::Runs).await?;
    Ok(Html(pages::runs::render_list(chrome, RunsView { rows })))
}

pub async fn run_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let run = scope.run(&id).await?;
    let recipe = scope.recipe(&run.recipe_id).await?;
    let (tz, now) = (zone(&member.tenant.time_zone), now_ms());
    let view = RunView {
        run: row(&run, &recipe.name, tz, now),
        error_message: (!run.error_message.is_empty()).then(|| run.error_message.clone()),
        logs: scope
            .run_logs(&id, 500)
            .await?
            .into_iter()
            .map(|l| RunLogRow { at: timestamp(l.at, tz, now), level: l.level, message: l.message })
            .collect(),
        errors: scope
            .record_errors(Some(&id), 500)
            .await?
            .iter()
            .map(|e| error_row(e, &recipe.name, tz, now))
            .collect(),
        recipe_href: urls::recipe(&recipe.id),
    };
    let chrome = chrome::for_user(&member.me, &format!("Run of {}", recipe.name), Nav::Runs).await?;
    Ok(Html(pages::runs::render_run(chrome, view)))
}

pub async fn errors_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let names = recipe_names(&scope.recipes().await?);
    let (tz, now) = (zone(&member.tenant.time_zone), now_ms());
    let rows = scope
        .record_errors(None, 500)
        .await?
        .iter()
        .map(|e| error_row(e, names.get(&e.recipe_id).map(String::as_str).unwrap_or("(deleted recipe)"), tz, now))
        .collect();
    let chrome = chrome::for_user(&member.me, "Errors", Nav::Errors).await?;
    Ok(Html(pages::runs::render_errors(chrome, RecordErrorsView { rows })))
}
