//! The OpenAPI 3 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{connections, jobs, me, members, providers, recipes, runs, webhooks};
use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hitch API",
        description = "Hitch's REST API. Authenticate with `Authorization: Bearer <token>`; create tokens under Settings or with `hitch admin create-token`. Errors are always `{\"error\":{\"code\":\"…\",\"message\":\"…\"}}`."
    ),
    paths(
        me::me_get, members::members_list_get, members::members_get, members::members_patch,
        providers::providers_list, connections::connections_create, connections::connections_list,
        connections::connections_get, connections::connections_test, connections::connections_patch,
        connections::connections_delete, connections::connections_reconnect,
        recipes::recipes_list, recipes::recipes_create, recipes::recipes_get, recipes::recipes_put, recipes::recipes_delete,
        recipes::recipes_preview, recipes::recipes_run, runs::runs_list, runs::runs_get, runs::runs_logs,
        runs::record_errors_list, runs::record_errors_retry, jobs::jobs_list,
        webhooks::webhooks_create, webhooks::webhooks_list, webhooks::webhooks_delete
    ),
    components(schemas(
        ErrorBody, ErrorDetail, me::Me, me::TenantInfo, me::TokenInfo,
        members::MemberOut, members::MemberList, members::MemberPatch,
        providers::ProviderOut, providers::ProviderList, providers::FieldOut,
        connections::ConnectionOut, connections::RequestBudgetOut, connections::ConnectionList, connections::NewConnection, connections::Created,
        connections::ConnectionPatch, connections::Reconnect, connections::TestResult,
        crate::sync::recipes::RecipeSpec, crate::sync::recipes::PreviewRecord, recipes::RecipeOut, recipes::RecipeList,
        recipes::Preview, recipes::RunStarted, runs::RunOut, runs::RunList, runs::LogLine, runs::RunLogs,
        runs::RecordErrorOut, runs::RecordErrorList, jobs::JobOut, jobs::JobList,
        webhooks::WebhookOut, webhooks::WebhookCreated, webhooks::WebhookList, webhooks::NewWebhook
    )),
    modifiers(&BearerAuth),
    tags((name = "account", description = "Who is calling"), (name = "members", description = "People in the workspace"), (name = "connections", description = "Accounts in other systems"), (name = "recipes", description = "What syncs where"), (name = "runs", description = "Runs, their logs, record errors and the job queue"), (name = "webhooks", description = "Endpoints providers send events to"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

pub async fn openapi_get() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
