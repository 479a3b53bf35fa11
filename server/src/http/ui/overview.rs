//! The overview: the workspace at a glance and what to do first.

use axum::extract::State;
use axum::response::Html;
use hitch_app::models::{ChecklistItem, Nav, OverviewView};
use hitch_app::{pages, urls};

use crate::error::AppError;
use crate::http::chrome;
use crate::http::extractors::Member;
use crate::state::AppState;

pub async fn overview_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let members = scope.member_count().await?;
    let tokens = scope.api_token_count().await?;
    let connections = scope.connection_count().await?;
    let recipes = scope.recipe_count().await?;
    let admin = member.role.can_administer();
    let editor = member.role.can_edit();
    let view = OverviewView {
        connections,
        recipes,
        runs_last_24h: scope.run_count_since(crate::storage::now_ms() - 24 * 3_600_000).await?,
        open_errors: scope.open_record_error_count().await?,
        members,
        checklist: vec![
            ChecklistItem {
                title: "Connect your first account".into(),
                detail: if admin {
                    "Link a system you already use (Stripe, HubSpot, a PostgreSQL table, any HTTP API) so Hitch can read and write it.".into()
                } else {
                    "An admin of this workspace links the systems you use (Stripe, HubSpot, a PostgreSQL table, any HTTP API).".into()
                },
                done: connections > 0,
                href: admin.then(|| urls::CONNECTIONS_NEW.into()),
            },
            ChecklistItem {
                title: "Create a sync recipe".into(),
                detail: if editor {
                    "Choose a source and a destination, map the fields, preview on real records, then run it.".into()
                } else {
                    "Editors choose a source and a destination, map the fields and run it; you will see every run."
                        .into()
                },
                done: recipes > 0,
                href: editor.then(|| urls::RECIPES_NEW.into()),
            },
            ChecklistItem {
                title: "Invite your team".into(),
                detail: "Admins manage credentials, editors build recipes, viewers watch runs.".into(),
                done: members > 1,
                href: admin.then(|| urls::MEMBERS.into()),
            },
            ChecklistItem {
                title: "Create an API token".into(),
                detail: "Script Hitch from CI or your own tools through the REST API at /api/v1.".into(),
                done: tokens > 0,
                href: admin.then(|| urls::SETTINGS.into()),
            },
        ],
    };
    let chrome = chrome::for_user(&member.me, "Overview", Nav::Overview).await?;
    Ok(Html(pages::overview::render(chrome, view)))
}
