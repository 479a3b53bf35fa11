//! The connection pages: list, catalog, connect, detail, delete and the OAuth result card.

use super::super::connections;
use super::fixtures::*;
use super::{CSRF_INPUT, assert_forms_have_csrf, main_of};
use crate::models::*;

fn s(v: &str) -> String {
    v.to_owned()
}

fn field(value: &str) -> FieldState {
    FieldState { value: s(value), error: None }
}

/// Each `<form …>…</form>` inside `<main>`, opening tag included.
fn main_forms(html: &str) -> Vec<&str> {
    main_of(html).split("<form").skip(1).map(|f| &f[..f.find("</form>").unwrap()]).collect()
}

/// Each POST form in `<main>` carries the CSRF token (the sidebar's sign-out form is checked by
/// `assert_forms_have_csrf`).
fn assert_post_forms_have_csrf(html: &str) {
    assert_forms_have_csrf_where(html, |f| f.contains(r#"method="post""#));
}

fn assert_forms_have_csrf_where(html: &str, pick: impl Fn(&str) -> bool) {
    let forms: Vec<&str> = main_forms(html).into_iter().filter(|f| pick(f)).collect();
    assert!(!forms.is_empty(), "no POST forms in main");
    for form in forms {
        assert!(form.contains(CSRF_INPUT), "POST form without csrf: {form}");
    }
}

pub(super) fn connection_row(id: &str, label: &str, status: Status) -> ConnectionRow {
    ConnectionRow {
        id: s(id),
        label: s(label),
        provider_name: s("HubSpot"),
        status,
        status_reason: if status == Status::Healthy {
            String::new()
        } else {
            s("HubSpot refused the refresh token: invalid_grant")
        },
        account: s("Portal 4815162342"),
        last_checked: (status == Status::Healthy).then(|| ts("5 minutes ago")),
    }
}

pub(super) fn connections_view() -> ConnectionsView {
    ConnectionsView {
        rows: vec![
            connection_row("c1", "HubSpot (sales)", Status::Healthy),
            connection_row("c2", "HubSpot (support)", Status::NeedsReconnect),
        ],
        can_manage: true,
    }
}

fn provider_tile(id: &str, name: &str, available: bool) -> ProviderTile {
    ProviderTile {
        id: s(id),
        name: s(name),
        category: s("crm"),
        category_label: s("CRM"),
        description: format!("Contacts, companies and deals in {name}."),
        auth_label: s(if available { "OAuth sign-in" } else { "Client ID and secret" }),
        docs_url: format!("https://developers.example.com/{id}"),
        available,
        unavailable_reason: (!available)
            .then(|| s("No OAuth app is configured on this server. Ask your Hitch operator.")),
    }
}

pub(super) fn catalog_view() -> CatalogView {
    CatalogView {
        tiles: vec![
            provider_tile("hubspot", "HubSpot", true),
            provider_tile("salesforce", "Salesforce", false),
            ProviderTile {
                category: s("payments"),
                category_label: s("Payments"),
                auth_label: s("API key"),
                ..provider_tile("stripe", "Stripe", true)
            },
        ],
        categories: vec![(s("crm"), s("CRM")), (s("payments"), s("Payments")), (s("accounting"), s("Accounting"))],
        query: String::new(),
        category: String::new(),
    }
}

pub(super) fn connect_view() -> ConnectView {
    ConnectView {
        provider_id: s("hubspot"),
        provider_name: s("HubSpot"),
        description: s("Contacts, companies and deals in your HubSpot portal."),
        docs_url: s("https://developers.hubspot.com/docs/api/overview"),
        label: field("HubSpot"),
        oauth: true,
        oauth_action: crate::urls::connect_oauth("hubspot"),
        scopes: vec![s("crm.objects.contacts.read"), s("crm.objects.contacts.write")],
        inputs: vec![CredentialInput {
            name: s("access_token"),
            label: s("Private app access token"),
            placeholder: s("pat-eu1-…"),
            secret: true,
            optional: false,
            state: FieldState {
                value: s("pat-eu1-SUPERSECRET"),
                error: Some(s("HubSpot says: This access token is expired.")),
            },
        }],
        credentials_action: crate::urls::connect("hubspot"),
        credentials_title: s("Private app access token"),
        error: None,
        reconnecting: None,
        rate_limit: Some(s("100 requests per 10 seconds per app")),
    }
}

pub(super) fn connection_view() -> ConnectionView {
    let id = "c2";
    let act = |a: &str| crate::urls::connection_action(id, a);
    ConnectionView {
        id: s(id),
        label: field("HubSpot (support)"),
        provider_id: s("hubspot"),
        provider_name: s("HubSpot"),
        status: Status::NeedsReconnect,
        status_reason: s("HubSpot refused the refresh token: invalid_grant (the app was uninstalled from the portal)."),
        auth_label: s("OAuth sign-in"),
        identity: Some((s("HubSpot portal ID"), s("4815162342"))),
        account_name: s("Acme Support"),
        secret_hint: s("…a1b2"),
        access_expires: Some(ts("in 23 minutes")),
        last_checked: Some(ts("2 minutes ago")),
        last_check: Some(s("401 Unauthorized: authentication credentials not found")),
        last_check_ok: false,
        created: ts("3 weeks ago"),
        runs_at_once: s("4 (the default)"),
        runs_limit: s("4"),
        request_budget: Some(s("110 requests per 10 s, shared by every run; 37 free now · 2140 used")),
        events: vec![
            ConnectionEventRow {
                at: ts("2 minutes ago"),
                kind: s("needs_reauth"),
                detail: s("Refresh failed: invalid_grant"),
            },
            ConnectionEventRow {
                at: ts("3 weeks ago"),
                kind: s("connected"),
                detail: s("Signed in as ada@example.com"),
            },
        ],
        can_manage: true,
        disabled: false,
        test_action: act("test"),
        rename_action: act("rename"),
        limit_action: act("limit"),
        toggle_action: act("toggle"),
        reconnect_href: act("reconnect"),
        delete_href: act("delete"),
    }
}

pub(super) fn delete_view() -> DeleteConnectionView {
    DeleteConnectionView {
        id: s("c2"),
        label: s("HubSpot (support)"),
        provider_name: s("HubSpot"),
        dependents: vec![s("Contacts → Mailchimp"), s("Deals → Xero invoices")],
        delete_action: crate::urls::connection_action("c2", "delete"),
        cancel_href: crate::urls::connection("c2"),
    }
}

fn nav() -> Chrome {
    signed_in(Nav::Connections)
}

#[test]
fn list_shows_status_reason_and_add_button_for_admins() {
    let html = connections::render(nav(), connections_view());
    assert!(html.contains(r#"<a href="/connections" aria-current="page">Connections</a>"#));
    assert!(html.contains("<h1>Connections</h1>"));
    let main = main_of(&html);
    assert!(main.contains(r#"<a href="/connections/new" class="btn btn-primary">Add connection</a>"#));
    assert!(main.contains(r#"<a href="/connections/c1" class="cell-main">HubSpot (sales)</a>"#));
    assert!(main.contains("status--healthy") && main.contains("status--reconnect"));
    // The reason only for the unhealthy row.
    assert_eq!(main.matches("invalid_grant").count(), 1);
    assert!(main.contains(">5 minutes ago</time>"));
    assert!(main.contains(">never</span>"));
}

#[test]
fn list_for_viewers_has_no_add_button() {
    let mut view = connections_view();
    view.can_manage = false;
    let html = connections::render(nav(), view);
    assert!(!main_of(&html).contains("/connections/new"));
}

#[test]
fn empty_list_says_what_to_do() {
    let view = ConnectionsView { rows: vec![], can_manage: true };
    let html = connections::render(nav(), view.clone());
    assert!(html.contains("No connections yet"));
    // One "Add connection" button: the empty state's, not a second one in the header.
    assert_eq!(main_of(&html).matches(r#"href="/connections/new""#).count(), 1);

    let html = connections::render(nav(), ConnectionsView { can_manage: false, ..view });
    assert!(html.contains("An admin of this workspace adds connections"));
    assert!(!main_of(&html).contains("/connections/new"));
}

#[test]
fn catalog_filter_is_a_get_form_that_keeps_its_values() {
    let mut view = catalog_view();
    view.query = s("hub\"spot");
    view.category = s("crm");
    let html = connections::render_catalog(nav(), view);
    let forms = main_forms(&html);
    assert_eq!(forms.len(), 1);
    let form = forms[0];
    assert!(form.contains(r#"method="get" action="/connections/new""#));
    assert!(!form.contains(r#"name="csrf""#), "a GET form must not leak the token in URLs");
    assert!(form.contains(r#"name="q" type="search" value="hub&quot;spot""#));
    assert!(form.contains(r#"<select id="catalog-category" name="category">"#));
    assert!(form.contains(r#"<option value="">All categories</option>"#));
    assert!(form.contains(r#"<option value="crm" selected>CRM</option>"#));
    assert!(form.contains(r#"<option value="payments">Payments</option>"#));
    assert!(form.contains(">Filter</button>"));
    assert!(main_of(&html).contains("Clear filters"));

    let html = connections::render_catalog(nav(), catalog_view());
    assert!(html.contains(r#"<option value="" selected>All categories</option>"#));
    assert!(!html.contains("Clear filters"));
}

#[test]
fn catalog_tiles_link_only_when_available() {
    let html = connections::render_catalog(nav(), catalog_view());
    assert!(html.contains(r#"href="/connections/new/hubspot""#));
    assert!(html.contains(r#"href="/connections/new/stripe""#));
    assert!(!html.contains("/connections/new/salesforce"));
    assert!(html.contains("No OAuth app is configured on this server. Ask your Hitch operator."));
    assert!(
        html.contains(r#"href="https://developers.example.com/salesforce" rel="noopener noreferrer" target="_blank""#)
    );
    assert!(html.contains("3 systems"));
}

#[test]
fn catalog_without_matches_offers_to_clear() {
    let mut view = catalog_view();
    view.tiles.clear();
    view.query = s("<zoho>");
    let html = connections::render_catalog(nav(), view);
    assert!(html.contains("No system matches “&lt;zoho&gt;”"));
    assert!(!html.contains("<zoho>"));
    assert!(html.contains(r#"<a href="/connections/new" class="btn btn-primary">Clear filters</a>"#));

    let mut view = catalog_view();
    view.tiles.clear();
    view.category = s("accounting");
    let html = connections::render_catalog(nav(), view);
    assert!(html.contains("No systems in Accounting"));
}

#[test]
fn connect_offers_oauth_and_credentials_with_csrf() {
    let html = connections::render_connect(nav(), connect_view());
    assert_forms_have_csrf(&html);
    assert_post_forms_have_csrf(&html);
    let forms = main_forms(&html);
    assert_eq!(forms.len(), 2);
    assert!(forms[0].contains(r#"action="/connections/new/hubspot/oauth""#));
    assert!(forms[0].contains(r#"name="label" type="text" value="HubSpot""#));
    assert!(forms[0].contains("Sign in with HubSpot</button>"));
    assert!(forms[1].contains(r#"action="/connections/new/hubspot""#));
    assert!(forms[1].contains(r#"name="label""#));
    assert!(forms[1].contains(r#"name="access_token""#));
    assert!(forms[1].contains(">Connect</button>"));
    assert!(html.contains("<h1>Connect HubSpot</h1>"));
    assert!(html.contains("<code>crm.objects.contacts.read</code>"));
    assert!(html.contains("100 requests per 10 seconds per app"));
    assert!(html.contains(r#"class="or-divider""#));
    assert!(html.contains("Credentials are encrypted at rest and never shown again after saving."));
    assert!(html.contains(r#"href="/connections/new""#));
    // Ids are unique even though both forms have a label field.
    assert!(html.contains(r#"id="oauth-label""#) && html.contains(r#"id="cred-label""#));
}

#[test]
fn secret_inputs_are_never_filled_in() {
    let html = connections::render_connect(nav(), connect_view());
    assert!(!html.contains("SUPERSECRET"), "a secret was echoed into the page");
    let start = html.find(r#"name="access_token""#).unwrap();
    let input = &html[html[..start].rfind("<input").unwrap()..];
    let input = &input[..input.find('>').unwrap()];
    assert!(input.contains(r#"type="password""#), "{input}");
    assert!(input.contains(r#"autocomplete="off""#), "{input}");
    assert!(input.contains(r#"spellcheck="false""#), "{input}");
    assert!(!input.contains("value="), "{input}");
    assert!(input.contains(r#"placeholder="pat-eu1-…""#), "{input}");
    // The provider's words reach the user, tied to the input.
    assert!(input.contains(r#"aria-invalid="true" aria-describedby="cred-access_token-error""#));
    assert!(html.contains(
        r#"<p id="cred-access_token-error" class="field-error">HubSpot says: This access token is expired.</p>"#
    ));
}

#[test]
fn plain_credential_inputs_keep_their_value_and_mark_optional() {
    let mut view = connect_view();
    view.oauth = false;
    view.inputs.push(CredentialInput {
        name: s("subdomain"),
        label: s("Subdomain"),
        placeholder: String::new(),
        secret: false,
        optional: true,
        state: field("acme"),
    });
    view.error = Some(s("HubSpot rejected the token: 401 Unauthorized. Check it was copied whole."));
    let html = connections::render_connect(nav(), view);
    assert_post_forms_have_csrf(&html);
    assert_eq!(main_forms(&html).len(), 1);
    assert!(!html.contains("oauth"), "no OAuth form or divider without OAuth");
    assert!(!html.contains("or-divider"));
    assert!(html.contains(r#"name="subdomain" type="text" value="acme""#));
    assert!(html.contains(">Subdomain (optional)</label>"));
    let start = html.find(r#"name="subdomain""#).unwrap();
    let input = &html[start..];
    let input = &input[..input.find('>').unwrap()];
    assert!(!input.contains("required"), "optional inputs are not required: {input}");
    let start = html.find(r#"name="access_token""#).unwrap();
    let input = &html[start..];
    assert!(input[..input.find('>').unwrap()].contains("required"));
    assert!(html.contains(r#"<div role="alert" class="form-error">HubSpot rejected the token"#));
    assert!(html.contains(r#"<button type="submit" class="btn btn-primary">Connect</button>"#));
}

#[test]
fn reconnect_heading_and_label_kept() {
    let mut view = connect_view();
    view.inputs.clear();
    view.reconnecting = Some(s("HubSpot <support>"));
    view.label = field("HubSpot <support>");
    view.oauth_action = crate::urls::connection_action("c2", "reconnect/oauth");
    let html = connections::render_connect(nav(), view);
    assert_post_forms_have_csrf(&html);
    assert!(html.contains("<h1>Reconnect HubSpot &lt;support&gt;</h1>"));
    assert!(html.contains(r#"action="/connections/c2/reconnect/oauth""#));
    assert!(html.contains(r#"<input type="hidden" name="label" value="HubSpot &lt;support&gt;">"#));
    assert!(!html.contains("HubSpot <support>"));
}

#[test]
fn connection_page_for_admins() {
    let html = connections::render_connection(nav(), connection_view());
    assert_forms_have_csrf(&html);
    assert_post_forms_have_csrf(&html);
    let main = main_of(&html);
    assert!(main.contains("<h1>HubSpot (support)</h1>"));
    assert!(main.contains("status--reconnect"));
    assert!(main.contains("the app was uninstalled from the portal"));
    assert!(main.contains("<dt>Runs at once</dt><dd>4 (the default)</dd>"), "{main}");
    assert!(main.contains("<dt>Request budget</dt><dd>110 requests per 10 s, shared by every run; 37 free now"));
    assert!(main.contains(r#"<a href="/connections/c2/reconnect" class="btn btn-primary">Reconnect</a>"#));
    assert!(main.contains(r#"action="/connections/c2/test""#));
    assert!(main.contains(r#"action="/connections/c2/rename""#));
    assert!(main.contains(r#"name="label" type="text" value="HubSpot (support)""#));
    assert!(main.contains(r#"action="/connections/c2/limit""#));
    assert!(main.contains(r#"name="max_concurrent_runs" type="number" value="4""#), "{main}");
    assert!(main.contains(r#"action="/connections/c2/toggle""#));
    assert!(main.contains(">Disable</button>"));
    assert!(main.contains(r#"<a href="/connections/c2/delete" class="btn btn-danger">Delete…</a>"#));
    assert!(main.contains("HubSpot portal ID"));
    assert!(main.contains("4815162342"));
    assert!(main.contains("…a1b2"));
    assert!(main.contains(">in 23 minutes</time>"));
    assert!(main.contains("check-result--err"));
    assert!(main.contains("<code>needs_reauth</code>"));

    let mut view = connection_view();
    view.disabled = true;
    view.status = Status::Paused;
    view.status_reason.clear();
    view.last_check_ok = true;
    view.last_check = Some(s("OK in 84 ms"));
    view.events.clear();
    view.secret_hint.clear();
    view.access_expires = None;
    let html = connections::render_connection(nav(), view);
    let main = main_of(&html);
    assert!(main.contains(">Enable</button>"));
    assert!(!main.contains(r#"class="btn btn-primary""#));
    assert!(main.contains("check-result--ok") && main.contains("OK in 84 ms"));
    assert!(main.contains("No events yet"));
}

#[test]
fn reconnect_button_only_for_admins() {
    let mut view = connection_view();
    view.can_manage = false;
    let html = connections::render_connection(nav(), view);
    let main = main_of(&html);
    assert!(!main.contains("<form"));
    assert!(!main.contains("/connections/c2/reconnect"));
    assert!(!main.contains("/connections/c2/delete"));
    assert!(main.contains("status--reconnect"));
    assert!(main.contains("Ask an admin of this workspace to reconnect it."));

    let mut view = connection_view();
    view.status = Status::Healthy;
    view.status_reason.clear();
    let html = connections::render_connection(nav(), view);
    let main = main_of(&html);
    assert!(!main.contains(r#"class="btn btn-primary""#), "no prominent reconnect when healthy");
    // The plain Reconnect action stays available to admins.
    assert!(main.contains(r#"<a href="/connections/c2/reconnect" class="btn">Reconnect</a>"#));
}

#[test]
fn delete_page_lists_dependents() {
    let html = connections::render_delete(nav(), delete_view());
    assert_forms_have_csrf(&html);
    assert_post_forms_have_csrf(&html);
    assert!(html.contains("<h1>Delete HubSpot (support)?</h1>"));
    assert!(html.contains("<li>Contacts → Mailchimp</li>"));
    assert!(html.contains("<li>Deals → Xero invoices</li>"));
    assert!(html.contains("can't be recovered"));
    assert!(html.contains(r#"action="/connections/c2/delete""#));
    assert!(html.contains(">Delete connection"));
    assert!(html.contains(r#"<a href="/connections/c2" class="btn">Cancel</a>"#));

    let mut view = delete_view();
    view.dependents.clear();
    let html = connections::render_delete(nav(), view);
    assert!(html.contains("Nothing uses this connection yet."));
}

#[test]
fn oauth_done_card() {
    let view = OAuthDoneView { ok: true, title: s("HubSpot connected"), message: s("You can close this tab.") };
    let html = connections::render_oauth_done(chrome(Nav::None, None), view);
    assert!(!html.contains("class=\"sidebar\""));
    assert!(html.contains("result--ok"));
    assert!(html.contains("<h1>HubSpot connected</h1>"));
    let html = connections::render_oauth_done(
        chrome(Nav::None, None),
        OAuthDoneView { ok: false, title: s("Sign-in failed"), message: s("HubSpot said: access_denied.") },
    );
    assert!(html.contains("result--err"));
    assert!(html.contains(r#"role="alert""#));
}

#[test]
fn labels_and_provider_words_are_escaped() {
    let x = "<script>alert(1)</script>";
    let mut list = connections_view();
    list.rows[0].label = s(x);
    list.rows[1].status_reason = s(x);
    list.rows[1].account = s(x);
    let mut detail = connection_view();
    detail.label = field(x);
    detail.status_reason = s(x);
    detail.last_check = Some(s(x));
    detail.events[0].detail = s(x);
    detail.identity = Some((s(x), s(x)));
    let mut delete = delete_view();
    delete.label = s(x);
    delete.dependents = vec![s(x)];
    let mut connect = connect_view();
    connect.error = Some(s(x));
    connect.description = s(x);
    connect.inputs[0].label = s(x);
    let mut catalog = catalog_view();
    catalog.tiles[0].name = s(x);
    catalog.tiles[0].description = s(x);
    catalog.tiles[1].unavailable_reason = Some(s(x));
    catalog.query = s(x);
    let pages = [
        connections::render(nav(), list),
        connections::render_connection(nav(), detail),
        connections::render_delete(nav(), delete),
        connections::render_connect(nav(), connect),
        connections::render_catalog(nav(), catalog),
    ];
    for html in pages {
        assert!(!html.contains("<script>alert"), "unescaped: {html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}

/// Writes every page to /tmp/hitch-pages for a look in a browser:
/// `cargo test -p hitch-app -- --ignored write_connection_pages`.
#[test]
#[ignore = "writes files for screenshots"]
fn write_connection_pages() {
    let dir = std::path::Path::new("/tmp/hitch-pages");
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    let css = concat!(env!("CARGO_MANIFEST_DIR"), "/../style/hitch.css");
    std::fs::copy(css, dir.join("assets/hitch.css")).unwrap();
    let write = |name: &str, html: String| {
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    };
    let mut admin = nav();
    admin.title = s("Connections");
    write("list", connections::render(admin.clone(), connections_view()));
    write("list-empty", connections::render(admin.clone(), ConnectionsView { rows: vec![], can_manage: false }));
    write("catalog", connections::render_catalog(admin.clone(), catalog_view()));
    let mut none = catalog_view();
    none.tiles.clear();
    none.query = s("zoho");
    write("catalog-empty", connections::render_catalog(admin.clone(), none));
    let mut connect = connect_view();
    connect.error = Some(s(
        "HubSpot refused the access token: 401 Unauthorized (“The OAuth token used to make this call expired”). Create a new private app token and paste it again.",
    ));
    write("connect", connections::render_connect(admin.clone(), connect));
    let mut only_key = connect_view();
    only_key.oauth = false;
    only_key.provider_name = s("Stripe");
    only_key.credentials_title = s("API key");
    only_key.inputs[0].state = FieldState::default();
    only_key.inputs.push(CredentialInput {
        name: s("account"),
        label: s("Connected account ID"),
        placeholder: s("acct_…"),
        secret: false,
        optional: true,
        state: FieldState::default(),
    });
    write("connect-key", connections::render_connect(admin.clone(), only_key));
    write("connection", connections::render_connection(admin.clone(), connection_view()));
    let mut viewer = connection_view();
    viewer.can_manage = false;
    write("connection-viewer", connections::render_connection(admin.clone(), viewer));
    let mut healthy = connection_view();
    healthy.status = Status::Healthy;
    healthy.status_reason.clear();
    healthy.last_check_ok = true;
    healthy.last_check = Some(s("OK in 84 ms"));
    healthy.events.clear();
    write("connection-healthy", connections::render_connection(admin.clone(), healthy));
    write("delete", connections::render_delete(admin, delete_view()));
    let done = OAuthDoneView {
        ok: true,
        title: s("HubSpot connected"),
        message: s("The connection “HubSpot (sales)” works. You can close this tab."),
    };
    write("oauth-done", connections::render_oauth_done(chrome(Nav::None, None), done.clone()));
    write(
        "oauth-failed",
        connections::render_oauth_done(
            chrome(Nav::None, None),
            OAuthDoneView {
                ok: false,
                title: s("Sign-in failed"),
                message: s("HubSpot said: access_denied (the user declined). Start again from your application."),
            },
        ),
    );
}
