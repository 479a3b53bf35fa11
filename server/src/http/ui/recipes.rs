//! The Recipes pages: list, editor (new and edit, with "Load fields" and "Preview"), one
//! recipe's page, run now, delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hitch_app::models::{
    Choice, FieldState, Nav, PreviewRow, RecipeFormView, RecipeRow, RecipeView, RecipesView, Status, TriggerFormView,
};
use hitch_app::{pages, urls};

use super::recipe_form::{Posted, choices, field_state, rows_for, rows_from_mapping};
use super::run_views::{self, row};
use super::webhooks;
use super::{NoFields, redirect_with};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::{timestamp, zone};
use crate::http::extractors::{ClientIp, CsrfForm, Member};
use crate::state::AppState;
use crate::storage::{ConnectionStatus, new_id, now_ms};
use crate::sync::recipes::{self, RecipeSpec, StartError, source_fields};

/// A mapped value as a person reads it: text without quotes, "(empty)" for nothing.
fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(empty)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub async fn recipes_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let (tz, now) = (zone(&member.tenant.time_zone), now_ms());
    let connections = scope.connections().await?;
    let label = |id: &str| {
        connections
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| "(deleted connection)".into())
    };
    let mut rows = Vec::new();
    for r in scope.recipes().await? {
        let last = scope.runs(Some(&r.id), 1).await?.pop();
        let (last_run_status, last_run_label) = match &last {
            Some(run) => run_views::status(run),
            None => (Status::Pending, "never ran".into()),
        };
        rows.push(RecipeRow {
            source: format!("{} · {}", label(&r.source_connection_id), r.source_object),
            destination: format!("{} · {}", label(&r.destination_connection_id), r.destination_object),
            mode: if r.mode == "full" { "full refresh".into() } else { "incremental".into() },
            enabled: r.enabled,
            last_run_status,
            last_run_label,
            last_run: last.and_then(|run| run.started_at).map(|at| timestamp(at, tz, now)),
            id: r.id,
            name: r.name,
        });
    }
    let view = RecipesView { rows, can_edit: member.role.can_edit(), has_connections: !connections.is_empty() };
    let chrome = chrome::for_user(&member.me, "Recipes", Nav::Recipes).await?;
    Ok(Html(pages::recipes::render_list(chrome, view)))
}

/// Fills the editor's lists (connections, objects, fields) around what is being edited.
async fn form_view(
    state: &AppState,
    member: &Member,
    id: Option<&str>,
    posted: &Posted,
    preview: Option<Vec<PreviewRow>>,
    mut errors: Vec<String>,
) -> RecipeFormView {
    let scope = state.store.tenant(&member.tenant.id);
    let connections: Vec<Choice> = scope
        .connections()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| matches!(c.status, ConnectionStatus::Active | ConnectionStatus::Error))
        .map(|c| {
            let provider = state.catalog.get(&c.provider).map(|p| p.spec.name.clone()).unwrap_or_default();
            // "Stripe (test)" rather than "Stripe (test) (Stripe)".
            let label = if c.label.to_lowercase().contains(&provider.to_lowercase()) {
                c.label
            } else {
                format!("{} ({provider})", c.label)
            };
            (c.id, label)
        })
        .collect();
    let (src_conn, dst_conn) = (posted.get("source_connection"), posted.get("destination_connection"));
    let load = |conn: String, what: &'static str| async move {
        if conn.is_empty() { Ok(None) } else { recipes::side(state, &member.tenant.id, &conn, what).await.map(Some) }
    };
    let source = load(src_conn.clone(), "source").await.unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let destination = load(dst_conn.clone(), "destination").await.unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let (src_obj, dst_obj) = (posted.get("source_object"), posted.get("destination_object"));
    let source_object = source.as_ref().and_then(|s| s.object(&src_obj));
    let dest_object = destination.as_ref().and_then(|d| d.object(&dst_obj));
    let fields = source_object.map(source_fields).unwrap_or_default();
    RecipeFormView {
        id: id.map(str::to_owned),
        action: id.map(|i| urls::recipe_action(i, "edit")).unwrap_or_else(|| urls::RECIPES_NEW.into()),
        name: field_state(&posted.get("name")),
        connections,
        source_connection: src_conn,
        source_objects: source.as_ref().map(|s| choices(&s.objects)).unwrap_or_default(),
        source_object: src_obj,
        destination_connection: dst_conn,
        destination_objects: destination.as_ref().map(|d| choices(&d.objects)).unwrap_or_default(),
        destination_object: dst_obj,
        source_fields: fields.iter().map(|f| (f.name.clone(), f.label.clone())).collect(),
        mode: match posted.get("mode").as_str() {
            "" => "incremental".into(),
            m => m.to_owned(),
        },
        delete_policy: match posted.get("delete_policy").as_str() {
            "" => "ignore".into(),
            p => p.to_owned(),
        },
        // One possible key: choose it, since a recipe must use it anyway.
        upsert_key: field_state(&match (posted.get("upsert_key"), dest_object.map(|o| o.upsert_keys.as_slice())) {
            (key, Some([only])) if key.is_empty() => only.clone(),
            (key, _) => key,
        }),
        upsert_keys: dest_object
            .map(|o| o.upsert_keys.iter().map(|k| (k.clone(), k.clone())).collect())
            .unwrap_or_default(),
        filter: field_state(&posted.get("filter")),
        rows: rows_for(dest_object, &fields, posted.mapping_rows()),
        errors,
        preview,
        can_edit: member.role.can_edit(),
        trigger: trigger_view(posted, &member.tenant.time_zone),
    }
}

/// The "When it runs" section: what was posted, and the next runs in the workspace's zone.
fn trigger_view(posted: &Posted, workspace_zone: &str) -> TriggerFormView {
    let zone = match posted.get("time_zone") {
        z if z.is_empty() => workspace_zone.to_owned(),
        z => z,
    };
    let trigger = posted.trigger();
    let error =
        |kind: &str| trigger.as_ref().err().filter(|_| posted.get("trigger_kind") == kind).map(ToString::to_string);
    let next_runs = trigger
        .as_ref()
        .map(|t| {
            t.next_runs(chrono::Utc::now(), 3, crate::http::display::zone(workspace_zone))
                .into_iter()
                .map(|(_, s)| s)
                .collect()
        })
        .unwrap_or_default();
    TriggerFormView {
        kind: posted.get("trigger_kind"),
        cron: FieldState { value: posted.get("cron"), error: error("cron") },
        time_zone: FieldState { value: zone, error: None },
        every_minutes: FieldState { value: posted.get("every_minutes"), error: error("interval") },
        next_runs,
    }
}

async fn render_form(member: &Member, view: RecipeFormView, status: StatusCode) -> Result<Response, AppError> {
    let title = if view.id.is_some() { "Edit recipe" } else { "New recipe" };
    let chrome = chrome::for_user(&member.me, title, Nav::Recipes).await?;
    Ok((status, Html(pages::recipes::render_form(chrome, view))).into_response())
}

pub async fn recipes_new_get(State(state): State<AppState>, member: Member) -> Result<Response, AppError> {
    member.require(Role::Editor, "create recipes")?;
    let view = form_view(&state, &member, None, &Posted(Vec::new()), None, Vec::new()).await;
    render_form(&member, view, StatusCode::OK).await
}

/// The recipe's stored settings as posted fields, for the editor.
fn posted_from(spec: &RecipeSpec) -> Posted {
    let mut p = vec![
        ("name".to_owned(), spec.name.clone()),
        ("source_connection".into(), spec.source_connection_id.clone()),
        ("source_object".into(), spec.source_object.clone()),
        ("destination_connection".into(), spec.destination_connection_id.clone()),
        ("destination_object".into(), spec.destination_object.clone()),
        ("mode".into(), spec.mode.clone()),
        ("delete_policy".into(), spec.delete_policy.clone()),
        ("upsert_key".into(), spec.upsert_key.clone()),
        ("filter".into(), spec.mapping.filter.as_ref().map(|f| f.to_lines()).unwrap_or_default()),
    ];
    use crate::schedule::Trigger;
    match &spec.trigger {
        Trigger::Manual => p.push(("trigger_kind".into(), "manual".into())),
        Trigger::Webhook => p.push(("trigger_kind".into(), "webhook".into())),
        Trigger::Cron { expression, time_zone } => p.extend([
            ("trigger_kind".into(), "cron".into()),
            ("cron".into(), expression.clone()),
            ("time_zone".into(), time_zone.clone()),
        ]),
        Trigger::Interval { every_secs } => p.extend([
            ("trigger_kind".into(), "interval".into()),
            ("every_minutes".into(), (every_secs / 60).to_string()),
        ]),
    }
    for (i, row) in rows_from_mapping(&spec.mapping).into_iter().enumerate() {
        let key = |name: &str| format!("rule-{i}-{name}");
        p.push((key("target"), row.target));
        p.push((key("kind"), row.kind.clone()));
        p.push((key(if row.kind == "field" { "field" } else { "text" }), row.value));
        p.extend(row.transforms.into_iter().map(|t| (key("transforms"), t)));
        p.push((key("date_format"), row.date_format));
        p.push((key("lookup"), row.lookup));
        p.push((key("on_missing"), row.on_missing));
        p.push((key("default"), row.default_value));
    }
    Posted(p)
}

pub async fn recipe_edit_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    member.require(Role::Editor, "edit recipes")?;
    let recipe = state.store.tenant(&member.tenant.id).recipe(&id).await?;
    let spec = RecipeSpec::from_recipe(&recipe).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let view = form_view(&state, &member, Some(&id), &posted_from(&spec), None, Vec::new()).await;
    render_form(&member, view, StatusCode::OK).await
}

/// What the editor posts: load the chosen connections' fields, preview, or save.
async fn submit(
    state: &AppState,
    member: &Member,
    ip: &ClientIp,
    id: Option<&str>,
    posted: Posted,
) -> Result<Response, AppError> {
    member.require(Role::Editor, "change recipes")?;
    let intent = posted.get("intent");
    if intent == "load_fields" {
        let view = form_view(state, member, id, &posted, None, Vec::new()).await;
        return render_form(member, view, StatusCode::OK).await;
    }
    let spec = match posted.spec() {
        Ok(spec) => spec,
        Err(problems) => {
            let view = form_view(state, member, id, &posted, None, problems).await;
            return render_form(member, view, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if intent == "preview" {
        let (rows, errors) = match recipes::preview(state, &member.tenant.id, &spec, 10).await {
            Ok(records) => (
                records
                    .into_iter()
                    .map(|r| PreviewRow {
                        source_id: r.source_id,
                        values: r.mapped.unwrap_or_default().into_iter().map(|(k, v)| (k, shown(&v))).collect(),
                        outcome: if r.ok { "would write".into() } else { r.problems.join("; ") },
                        ok: r.ok,
                    })
                    .collect(),
                Vec::new(),
            ),
            Err(e) => (Vec::new(), vec![format!("Preview failed: {e}")]),
        };
        let view = form_view(state, member, id, &posted, Some(rows), errors).await;
        return render_form(member, view, StatusCode::OK).await;
    }
    let problems = recipes::problems(state, &member.tenant.id, &spec).await;
    if !problems.is_empty() {
        let view = form_view(state, member, id, &posted, None, problems).await;
        return render_form(member, view, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let scope = state.store.tenant(&member.tenant.id);
    let recipe = match id {
        Some(id) => scope.update_recipe(id, &spec.to_input()).await?,
        None => scope.create_recipe(&new_id(), &spec.to_input(), Some(&member.me.user.id)).await?,
    };
    let action = if id.is_some() { "recipe.changed" } else { "recipe.created" };
    scope.audit(&member.audit(ip, action, &recipe.name, "")).await?;
    Ok(redirect_with(
        &member.me.session,
        "success",
        format!("Saved {}. Run it now or let its schedule run it.", recipe.name),
        &urls::recipe(&recipe.id),
    )
    .await?
    .into_response())
}

pub async fn recipes_new_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(&state, &member, &ip, None, Posted(form)).await
}

pub async fn recipe_edit_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    state.store.tenant(&member.tenant.id).recipe(&id).await?;
    submit(&state, &member, &ip, Some(&id), Posted(form)).await
}

pub async fn recipe_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    Ok(Html(recipe_page(&state, &member, &id, webhooks::Posted::default()).await?))
}

/// One recipe's page, with what its webhook form just posted (if anything).
pub(super) async fn recipe_page(
    state: &AppState,
    member: &Member,
    id: &str,
    posted: webhooks::Posted,
) -> Result<String, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let recipe = scope.recipe(id).await?;
    let spec = RecipeSpec::from_recipe(&recipe).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let end = |conn_id: &str, object: &str| {
        let scope = &scope;
        let conn_id = conn_id.to_owned();
        let object = object.to_owned();
        async move {
            match scope.connection(&conn_id).await {
                Ok(c) => format!("{} · {object}", c.label),
                Err(_) => format!("(deleted connection) · {object}"),
            }
        }
    };
    let (tz, now) = (zone(&member.tenant.time_zone), now_ms());
    let view = RecipeView {
        id: recipe.id.clone(),
        name: recipe.name.clone(),
        source: end(&recipe.source_connection_id, &recipe.source_object).await,
        destination: end(&recipe.destination_connection_id, &recipe.destination_object).await,
        mode: if recipe.mode == "full" { "full refresh".into() } else { "incremental".into() },
        delete_policy: recipe.delete_policy.clone(),
        mapping_summary: spec.mapping.describe(),
        cursor: recipe.cursor.clone(),
        schedule: spec.trigger.describe(),
        next_runs: spec.trigger.next_runs(chrono::Utc::now(), 3, tz).into_iter().map(|(_, s)| s).collect(),
        runs: scope.runs(Some(id), 20).await?.iter().map(|r| row(r, &recipe.name, tz, now)).collect(),
        can_edit: member.role.can_edit(),
        run_action: urls::recipe_action(id, "run"),
        edit_href: urls::recipe_action(id, "edit"),
        delete_action: urls::recipe_action(id, "delete"),
        webhooks: webhooks::section(state, member, &scope, &recipe, posted).await?,
    };
    let chrome = chrome::for_user(&member.me, &recipe.name, Nav::Recipes).await?;
    Ok(pages::recipes::render_recipe(chrome, view))
}

pub async fn recipe_run_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Editor, "run recipes")?;
    let session = &member.me.session;
    match recipes::start_run(&state, &member.tenant.id, &id, "manual").await {
        Ok(started) => {
            state.store.tenant(&member.tenant.id).audit(&member.audit(&ip, "recipe.run", &id, "")).await?;
            let message = if started.joined {
                "A run of this recipe was already waiting to start; this request joined it."
            } else {
                "Run started. This page shows its progress; reload to update."
            };
            redirect_with(session, "info", message, &urls::run(&started.run_id)).await
        }
        Err(StartError::Disabled) => {
            redirect_with(session, "error", "This recipe is disabled.", &urls::recipe(&id)).await
        }
        Err(StartError::Store(e)) => Err(e.into()),
    }
}

pub async fn recipe_delete_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Editor, "delete recipes")?;
    let scope = state.store.tenant(&member.tenant.id);
    let gone = scope.delete_recipe(&id).await?;
    scope.audit(&member.audit(&ip, "recipe.deleted", &gone.name, "")).await?;
    redirect_with(
        &member.me.session,
        "success",
        format!("{} was deleted with its run history.", gone.name),
        urls::RECIPES,
    )
    .await
}
