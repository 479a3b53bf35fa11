//! The Webhooks section of a recipe's page: endpoints, the create form with its errors, the
//! secret shown once, revoke, and received events.

use super::super::recipes;
use super::fixtures::*;
use super::main_of;
use crate::models::*;
use crate::urls;

pub(super) fn webhooks_view() -> WebhooksView {
    WebhooksView {
        endpoints: vec![
            WebhookRow {
                id: "wh_active".to_owned(),
                url: "https://hitch.example.com/hooks/wh_active".to_owned(),
                scheme: "Stripe".to_owned(),
                created: ts("3 days ago"),
                revoked: None,
            },
            WebhookRow {
                id: "wh_old".to_owned(),
                url: "https://hitch.example.com/hooks/wh_old".to_owned(),
                scheme: "Generic HMAC, event id at /id".to_owned(),
                created: ts("9 days ago"),
                revoked: Some(ts("4 days ago")),
            },
        ],
        events: vec![WebhookEventRow {
            received: ts("5 minutes ago"),
            kind: "customer.updated".to_owned(),
            event_id: "evt_123".to_owned(),
            run_href: Some(urls::run("run7")),
        }],
        can_edit: true,
        create_action: urls::recipe_action("r1", "webhooks"),
        revoke_action: urls::recipe_action("r1", "webhooks/revoke"),
        form: WebhookFormView {
            scheme: FieldState::default(),
            schemes: vec![
                (String::new(), "Same as the source: Stripe".to_owned()),
                ("stripe".to_owned(), "Stripe".to_owned()),
                ("hubspot_v3".to_owned(), "HubSpot (v3 signature)".to_owned()),
                ("generic".to_owned(), "Generic HMAC (X-Hitch-Signature)".to_owned()),
            ],
            event_id_pointer: FieldState::default(),
            secret_error: None,
        },
        created: None,
    }
}

fn page(webhooks: WebhooksView) -> String {
    let mut view = super::recipes::recipe_view();
    view.webhooks = webhooks;
    recipes::render_recipe(signed_in(Nav::Recipes), view)
}

/// The Webhooks section of a rendered recipe page.
fn section(html: &str) -> &str {
    let main = main_of(html);
    &main[main.find(r#"<section id="webhooks""#).unwrap()..]
}

#[test]
fn endpoints_list_url_scheme_status_and_revoke() {
    let html = page(webhooks_view());
    let section = section(&html);
    assert!(section.contains("https://hitch.example.com/hooks/wh_active"));
    assert!(section.contains("Generic HMAC, event id at /id"));
    assert!(section.contains(">Active</span>") && section.contains(">Revoked</span>"));
    // Only the active endpoint can be revoked, through a form with the token.
    assert_eq!(section.matches(r#"action="/recipes/r1/webhooks/revoke""#).count(), 1);
    assert!(section.contains(r#"<input type="hidden" name="endpoint" value="wh_active">"#));
    assert!(section.contains("customer.updated") && section.contains("evt_123"));
    assert!(section.contains(r#"<a href="/runs/run7">Open run</a>"#));
    for form in section.split("<form").skip(1) {
        assert!(form.contains(super::CSRF_INPUT), "form without csrf: {form}");
    }
}

#[test]
fn create_form_offers_schemes_and_a_secret_that_is_never_echoed() {
    let mut view = webhooks_view();
    view.form.scheme = FieldState { value: "generic".to_owned(), error: None };
    view.form.event_id_pointer = FieldState {
        value: "id".to_owned(),
        error: Some("The event id pointer must be a JSON pointer starting with '/', e.g. /id.".to_owned()),
    };
    view.form.secret_error = Some("secret must be a string of 16 to 512 characters.".to_owned());
    let html = page(view);
    let section = section(&html);
    assert!(section.contains(r#"action="/recipes/r1/webhooks#webhooks""#));
    assert!(section.contains(r#"<option value="generic" selected>"#));
    assert!(section.contains(r#"<option value="">Same as the source: Stripe</option>"#));
    assert!(section.contains("must be a JSON pointer") && section.contains(r#"aria-invalid="true""#));
    assert!(section.contains("16 to 512 characters"));
    assert!(section.contains(r#"type="password""#) && !section.contains(r#"name="secret" type="password" value"#));
}

#[test]
fn new_secret_is_shown_in_the_answer() {
    let mut view = webhooks_view();
    view.created = Some(NewWebhookView {
        url: "https://hitch.example.com/hooks/wh_new".to_owned(),
        secret: Some("whsec_ONCE".to_owned()),
    });
    let html = page(view);
    let section = section(&html);
    assert!(section.contains(r#"value="whsec_ONCE""#) && section.contains("shown once"));
    assert!(section.contains(r#"value="https://hitch.example.com/hooks/wh_new""#));

    let mut own = webhooks_view();
    own.created = Some(NewWebhookView { url: "https://hitch.example.com/hooks/wh_new".to_owned(), secret: None });
    let html = page(own);
    let section = self::section(&html);
    assert!(section.contains("checked with the secret you gave") && !section.contains("new-webhook-secret"));
}

#[test]
fn viewers_see_endpoints_but_no_forms() {
    let mut view = webhooks_view();
    view.can_edit = false;
    let mut recipe = super::recipes::recipe_view();
    recipe.can_edit = false;
    recipe.webhooks = view;
    let html = recipes::render_recipe(signed_in(Nav::Recipes), recipe);
    let section = section(&html);
    assert!(section.contains("https://hitch.example.com/hooks/wh_active"));
    assert!(!section.contains("<form"));
}

#[test]
fn no_endpoints_says_how_to_add_one() {
    let mut view = webhooks_view();
    view.endpoints.clear();
    view.events.clear();
    let html = page(view);
    let section = section(&html);
    assert!(section.contains("No webhook endpoints yet."));
    assert!(section.contains("Add an endpoint"));
    assert!(!section.contains("Latest events received"));
}
