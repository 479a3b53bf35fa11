//! A recipe's Webhooks section in the browser: create an endpoint (its secret shown in the
//! answer only, never on reload, never in the logs), refused input with a clear message,
//! revoke, the events received, and roles.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch::webhooks::{GENERIC_SIGNATURE_HEADER, sign_generic};
use hitch_tests::{Browser, Page, TestApp};

use crate::members::add_member;
use crate::queue::recipes_in;

/// The `value` of the input with this `id` (the once-shown boxes have no `name`).
fn value_of(page: &Page, id: &str) -> Option<String> {
    let at = page.body.find(&format!("id=\"{id}\""))?;
    let start = page.body[..at].rfind('<')?;
    let tag = &page.body[start..at + page.body[at..].find('>')?];
    let v = tag.find("value=\"")? + 7;
    Some(tag[v..v + tag[v..].find('"')?].to_owned())
}

async fn create(b: &Browser, recipe: &str, fields: &[(&str, &str)]) -> anyhow::Result<Page> {
    b.submit(&format!("/recipes/{recipe}"), &format!("/recipes/{recipe}/webhooks"), fields).await
}

pub async fn webhook_endpoints_on_the_recipe_page(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let tenant = app.store().tenant_by_slug("acme").await?.id;
    let ids = recipes_in(app.store(), &tenant, 2, "{\"kind\":\"webhook\"}").await?;
    let recipe = &ids[0];
    let scope = app.store().tenant(&tenant);
    let page = owner.get(&format!("/recipes/{recipe}")).await?;
    ensure!(page.status == 200 && page.contains("No webhook endpoints yet."), "recipe page: {}", page.status);

    // Bad input: a clear message beside the form, 422, nothing created, the secret not echoed.
    let short = "tooshort";
    for (fields, message) in [
        (vec![("scheme", "paypal")], "scheme must be stripe, hubspot_v3 or generic"),
        (vec![("scheme", "generic"), ("event_id_pointer", "id")], "JSON pointer starting with"),
        (vec![("scheme", "stripe"), ("event_id_pointer", "/id")], "applies to the generic scheme only"),
        (vec![("scheme", "hubspot_v3"), ("secret", short)], "16 to 512 characters"),
    ] {
        let page = create(&owner, recipe, &fields).await?;
        ensure!(page.status == 422 && page.contains(message), "{fields:?}: {} {}", page.status, page.text_excerpt());
        ensure!(!page.contains(short), "the refused secret was echoed");
    }
    ensure!(scope.webhook_endpoints(recipe).await?.is_empty(), "refused input created an endpoint");

    // Created: the answer shows the URL and the secret, once.
    let page = create(&owner, recipe, &[("scheme", "generic"), ("event_id_pointer", "/id")]).await?;
    ensure!(page.status == 201, "create: {} {}", page.status, page.text_excerpt());
    let secret = value_of(&page, "new-webhook-secret").context("no secret shown")?;
    let url = value_of(&page, "new-webhook-url").context("no URL shown")?;
    let endpoint = scope.webhook_endpoints(recipe).await?.pop().context("no endpoint stored")?;
    ensure!(url == app.settings.absolute_url(&format!("/hooks/{}", endpoint.id)), "{url}");
    ensure!(secret.len() == 64 && !endpoint.sealed_secret.contains(&secret), "secret stored in the clear");

    // The secret works: a signed delivery is accepted and listed under the latest events.
    let body = br#"{"id":"evt_ui_1","type":"order.paid"}"#.to_vec();
    let signature = sign_generic(secret.as_bytes(), &body, None);
    let hook = app.url(&format!("/hooks/{}", endpoint.id));
    let resp = app.api().post(&hook).header(GENERIC_SIGNATURE_HEADER, signature).body(body).send().await?;
    ensure!(resp.status() == 200, "delivery: {}", resp.status());
    let reload = owner.get(&format!("/recipes/{recipe}")).await?;
    ensure!(!reload.contains(&secret), "the secret is shown again on reload");
    ensure!(reload.contains(&url) && reload.contains("Generic HMAC, event id at /id"), "endpoint not listed");
    ensure!(reload.contains("evt_ui_1") && reload.contains("order.paid"), "received event not listed");
    ensure!(!crate::log_capture::text().contains(&secret), "the secret reached the logs");
    let back = owner.get(&format!("/recipes/{recipe}/webhooks")).await?;
    ensure!(back.status == 303 && !back.contains(&secret), "GET of the form address: {}", back.status);

    // HubSpot with the app's own client secret: accepted, never echoed.
    let own = "hubspot-app-client-secret-0001";
    let page = create(&owner, recipe, &[("scheme", "hubspot_v3"), ("secret", own)]).await?;
    ensure!(page.status == 201 && !page.contains(own) && page.contains("the secret you gave"), "own secret");

    // Revoke: through this recipe's page only; then deliveries are refused.
    let revoke = format!("/recipes/{recipe}/webhooks/revoke");
    let other_recipe = format!("/recipes/{}/webhooks/revoke", ids[1]);
    let wrong = owner.submit(&format!("/recipes/{recipe}"), &other_recipe, &[("endpoint", &endpoint.id)]).await?;
    ensure!(wrong.status == 404, "revoked through another recipe's page: {}", wrong.status);
    let done = owner.submit(&format!("/recipes/{recipe}"), &revoke, &[("endpoint", &endpoint.id)]).await?;
    ensure!(done.status == 303 && done.location() == Some(&format!("/recipes/{recipe}#webhooks")[..]), "revoke");
    ensure!(scope.webhook_endpoint(&endpoint.id).await?.revoked_at.is_some(), "not revoked");
    let page = owner.get(&format!("/recipes/{recipe}")).await?;
    ensure!(page.contains("Endpoint revoked") && page.contains(">Revoked</span>"), "revoked endpoint not shown");
    let resp = app.api().post(&hook).header(GENERIC_SIGNATURE_HEADER, "sha256=00").body("{}").send().await?;
    ensure!(resp.status() == 404, "a revoked endpoint answered {}", resp.status());
    let missing = owner.submit(&format!("/recipes/{recipe}"), &revoke, &[("endpoint", "wh_nope")]).await?;
    ensure!(missing.status == 404, "unknown endpoint: {}", missing.status);
    Ok(())
}

pub async fn viewers_cannot_create_or_revoke_webhooks(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "owner@acme.test").await?;
    let tenant = app.store().tenant_by_slug("acme").await?.id;
    let recipe = recipes_in(app.store(), &tenant, 1, "{\"kind\":\"webhook\"}").await?.remove(0);
    let scope = app.store().tenant(&tenant);
    scope.create_webhook_endpoint("wh_ui_viewer_test", &recipe, "{\"scheme\":\"stripe\"}", "sealed").await?;
    add_member(&app, "acme", "viewer@acme.test", Role::Viewer).await?;
    let viewer = app.browser();
    viewer.login("viewer@acme.test", hitch_tests::PASSWORD).await?;
    let page = viewer.get(&format!("/recipes/{recipe}")).await?;
    ensure!(page.status == 200 && page.contains("/hooks/wh_ui_viewer_test"), "viewer: {}", page.status);
    ensure!(!page.contains("Create endpoint") && !page.contains("webhooks/revoke"), "a viewer is offered forms");

    let created = create(&viewer, &recipe, &[("scheme", "stripe")]).await?;
    ensure!(created.status == 403, "viewer created an endpoint: {}", created.status);
    let revoke = format!("/recipes/{recipe}/webhooks/revoke");
    let revoked = viewer.submit(&format!("/recipes/{recipe}"), &revoke, &[("endpoint", "wh_ui_viewer_test")]).await?;
    ensure!(revoked.status == 403, "viewer revoked an endpoint: {}", revoked.status);
    // Without a CSRF token nothing happens either, whoever posts.
    let owner = app.browser();
    owner.login("owner@acme.test", hitch_tests::PASSWORD).await?;
    let forged = owner.post_raw(&revoke, "endpoint=wh_ui_viewer_test".into()).await?;
    ensure!(forged.status == 403, "revoke without a token: {}", forged.status);
    let forged = owner.post_raw(&format!("/recipes/{recipe}/webhooks"), "scheme=stripe".into()).await?;
    ensure!(forged.status == 403, "create without a token: {}", forged.status);
    let endpoints = scope.webhook_endpoints(&recipe).await?;
    ensure!(endpoints.len() == 1 && endpoints[0].revoked_at.is_none(), "a refused post changed endpoints");
    Ok(())
}
