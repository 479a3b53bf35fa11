//! The recipe and run pages: the recipes list, the editor with its preview, a recipe's page,
//! the runs list, a run, and the record errors.

use super::super::{recipes, runs};
use super::fixtures::*;
use super::{CSRF_INPUT, assert_forms_have_csrf, main_of};
use crate::models::*;
use crate::urls;

fn s(v: &str) -> String {
    v.to_owned()
}

fn field(value: &str) -> FieldState {
    FieldState { value: s(value), error: None }
}

fn choice(value: &str, label: &str) -> Choice {
    (s(value), s(label))
}

/// Each `<form …>…</form>` inside `<main>`, opening tag included.
fn main_forms(html: &str) -> Vec<&str> {
    main_of(html).split("<form").skip(1).map(|f| &f[..f.find("</form>").unwrap()]).collect()
}

/// Every POST form in `<main>` carries the token; returns how many there are.
fn post_forms_with_csrf(html: &str) -> usize {
    let forms: Vec<&str> = main_forms(html).into_iter().filter(|f| f.contains(r#"method="post""#)).collect();
    for form in &forms {
        assert!(form.contains(CSRF_INPUT), "POST form without csrf: {form}");
    }
    forms.len()
}

/// The opening tag of the element whose `name` attribute is `name` (the first one).
fn tag_named<'a>(html: &'a str, name: &str) -> &'a str {
    let needle = format!(r#"name="{name}""#);
    let at = html.find(&needle);
    assert!(at.is_some(), "no element named {name}");
    let at = at.unwrap();
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// The `<select name=name>…</select>` element.
fn select_named<'a>(html: &'a str, name: &str) -> &'a str {
    let open = tag_named(html, name);
    let start = html.find(open).unwrap();
    let end = start + html[start..].find("</select>").unwrap();
    &html[start..end]
}

fn counts(read: i64, failed: i64) -> RunCounts {
    RunCounts { read, created: 3, updated: 1250, unchanged: 0, skipped: 2, failed }
}

pub(super) fn run_row(id: &str, status: Status, label: &str) -> RunRow {
    RunRow {
        id: s(id),
        recipe_id: s("r1"),
        recipe_name: s("HubSpot contacts → Mailchimp"),
        status,
        status_label: s(label),
        trigger: s("schedule"),
        counts: counts(1312, if status == Status::SucceededWithErrors { 7 } else { 0 }),
        started: Some(ts("12 minutes ago")),
        duration: s("4.2 s"),
    }
}

fn recipe_row(id: &str, name: &str, status: Status, label: &str) -> RecipeRow {
    RecipeRow {
        id: s(id),
        name: s(name),
        source: s("HubSpot · contacts"),
        destination: s("Mailchimp · audience members"),
        mode: s("incremental"),
        enabled: true,
        last_run_status: status,
        last_run_label: s(label),
        last_run: (status != Status::Pending).then(|| ts("12 minutes ago")),
    }
}

pub(super) fn recipes_view() -> RecipesView {
    RecipesView {
        rows: vec![
            recipe_row("r1", "HubSpot contacts → Mailchimp", Status::SucceededWithErrors, "succeeded with errors"),
            RecipeRow {
                mode: s("full refresh"),
                enabled: false,
                source: s("Stripe · customers"),
                destination: s("PostgreSQL · customers"),
                ..recipe_row(
                    "r2",
                    "Stripe customers → warehouse",
                    Status::Failing,
                    "failed: PostgreSQL said: relation \"customers\" does not exist",
                )
            },
            recipe_row("r3", "Deals → Xero invoices", Status::Pending, "never run"),
            recipe_row("r4", "Calendar → CRM", Status::Healthy, "succeeded"),
        ],
        can_edit: true,
        has_connections: true,
    }
}

fn mapping_row(target: &str, label: &str, kind: &str, value: &str) -> MappingRowView {
    MappingRowView {
        target: s(target),
        target_label: s(label),
        kind: s(kind),
        value: s(value),
        on_missing: s("error"),
        ..MappingRowView::default()
    }
}

pub(super) fn form_view() -> RecipeFormView {
    let fields = [
        ("email", "Email"),
        ("firstname", "First name"),
        ("lastname", "Last name"),
        ("lifecyclestage", "Lifecycle stage"),
        ("createdate", "Create date"),
        ("hs_object_id", "Record ID"),
        ("phone", "Phone number"),
    ];
    RecipeFormView {
        id: Some(s("r1")),
        action: urls::recipe_action("r1", "edit"),
        name: field("HubSpot contacts → Mailchimp"),
        connections: vec![
            choice("c1", "HubSpot (sales)"),
            choice("c2", "Mailchimp"),
            choice("c3", "PostgreSQL warehouse"),
        ],
        source_connection: s("c1"),
        source_objects: vec![choice("contacts", "Contacts"), choice("companies", "Companies")],
        source_object: s("contacts"),
        destination_connection: s("c2"),
        destination_objects: vec![choice("members", "Audience members")],
        destination_object: s("members"),
        source_fields: fields.iter().map(|(v, l)| choice(v, l)).collect(),
        mode: s("incremental"),
        delete_policy: s("archive"),
        upsert_key: field("email_address"),
        upsert_keys: vec![choice("email_address", "Email address"), choice("id", "Member ID")],
        filter: field("lifecyclestage eq customer"),
        rows: vec![
            MappingRowView {
                target_required: true,
                transforms: vec![s("trim"), s("lower")],
                ..mapping_row("email_address", "Email address", "field", "email")
            },
            MappingRowView {
                target_required: false,
                ..mapping_row("full_name", "Full name", "template", "{{firstname}} {{lastname}}")
            },
            MappingRowView {
                transforms: vec![s("lookup")],
                lookup: s("lead=Prospect\ncustomer=Customer"),
                on_missing: s("default"),
                default_value: s("Other"),
                ..mapping_row("status", "Status", "field", "lifecyclestage")
            },
            MappingRowView {
                transforms: vec![s("date")],
                date_format: s("%d.%m.%Y"),
                error: Some(s(
                    "“createdate” is not a field of HubSpot contacts. Press Load fields to refresh the list.",
                )),
                ..mapping_row("signup_date", "Signup date", "field", "createdate")
            },
            mapping_row("source", "Source", "constant", "hubspot"),
        ],
        errors: vec![],
        preview: None,
        can_edit: true,
        trigger: TriggerFormView {
            kind: s("cron"),
            cron: field("0 0 * * *"),
            time_zone: field("Europe/Berlin"),
            every_minutes: field(""),
            next_runs: vec![s("2026-11-28 00:00 CET")],
        },
    }
}

fn preview_rows() -> Vec<PreviewRow> {
    vec![
        PreviewRow {
            source_id: s("101"),
            values: vec![
                (s("email_address"), s("\"ada@example.com\"")),
                (s("full_name"), s("\"Ada Lovelace\"")),
                (s("status"), s("\"Customer\"")),
            ],
            outcome: s("ok"),
            ok: true,
        },
        PreviewRow {
            source_id: s("102"),
            values: vec![(s("email_address"), s("null"))],
            outcome: s("email_address is required but the source field email is empty"),
            ok: false,
        },
        PreviewRow { source_id: s("103"), values: vec![], outcome: s("skipped by the filter"), ok: false },
    ]
}

pub(super) fn recipe_view() -> RecipeView {
    RecipeView {
        id: s("r1"),
        name: s("HubSpot contacts → Mailchimp"),
        source: s("HubSpot (sales) · contacts"),
        destination: s("Mailchimp · audience members"),
        mode: s("incremental"),
        delete_policy: s("archive"),
        mapping_summary: vec![
            (s("email_address"), s("field email, trim, lowercase")),
            (s("full_name"), s("template {{firstname}} {{lastname}}")),
        ],
        cursor: Some(s("lastmodifieddate ≥ 2026-11-27T19:02:11Z")),
        schedule: s("every day at 00:00 (Europe/Berlin)"),
        next_runs: vec![s("2026-11-28 00:00 CET")],
        runs: vec![
            run_row("run2", Status::SucceededWithErrors, "succeeded with errors"),
            run_row("run1", Status::Healthy, "succeeded"),
        ],
        can_edit: true,
        run_action: urls::recipe_action("r1", "run"),
        edit_href: urls::recipe_action("r1", "edit"),
        delete_action: urls::recipe_action("r1", "delete"),
        webhooks: super::webhooks::webhooks_view(),
    }
}

fn record_error(id: &str, stage: &str, message: &str) -> RecordErrorRow {
    RecordErrorRow {
        id: s(id),
        run_id: s("run2"),
        recipe_name: s("HubSpot contacts → Mailchimp"),
        source_id: s("5012"),
        stage: s(stage),
        message: s(message),
        payload: s("{\n  \"email\": \"a•••@example.com\",\n  \"firstname\": \"Ada\"\n}"),
        status: s("open"),
        at: ts("11 minutes ago"),
    }
}

pub(super) fn run_view() -> RunView {
    RunView {
        run: run_row("run2", Status::SucceededWithErrors, "succeeded with errors"),
        error_message: None,
        logs: vec![
            RunLogRow {
                at: ts("12 minutes ago"),
                level: s("info"),
                message: s("Read page 1 of contacts (100 records)"),
            },
            RunLogRow {
                at: ts("11 minutes ago"),
                level: s("warn"),
                message: s("Mailchimp answered 429 Too Many Requests; retrying in 2 s (Retry-After)"),
            },
        ],
        errors: vec![
            record_error(
                "e1",
                "write",
                "Mailchimp rejected the member: 400 Invalid Resource: “a•••@example.com” looks fake or invalid, please enter a real email address.",
            ),
            record_error("e2", "mapping", "Lookup has no entry for “evangelist” in status."),
        ],
        recipe_href: urls::recipe("r1"),
    }
}

fn recipes_nav() -> Chrome {
    signed_in(Nav::Recipes)
}

#[test]
fn recipes_list_links_and_statuses() {
    let html = recipes::render_list(recipes_nav(), recipes_view());
    assert!(html.contains(r#"<a href="/recipes" aria-current="page">Recipes</a>"#));
    let main = main_of(&html);
    assert!(main.contains("<h1>Recipes</h1>"));
    assert!(main.contains(r#"<a href="/recipes/new" class="btn btn-primary">New recipe</a>"#));
    assert!(main.contains(r#"<a href="/recipes/r1" class="cell-main">HubSpot contacts → Mailchimp</a>"#));
    assert!(main.contains("Mailchimp · audience members"));
    assert!(main.contains("Full refresh") && main.contains("Incremental"));
    // The partial run is never shown as plain success.
    assert!(main.contains("status--partial"));
    assert!(main.contains("Succeeded with errors"));
    assert!(main.contains("status--failing") && main.contains(r#"relation "customers" does not exist"#));
    assert!(main.contains("Never run"));
    assert!(main.contains(">12 minutes ago</time>"));
    assert!(main.contains(">Off</span>") && main.contains(">On</span>"));
}

#[test]
fn recipes_list_without_connections_points_to_connecting() {
    let view = RecipesView { rows: vec![], can_edit: true, has_connections: false };
    let html = recipes::render_list(recipes_nav(), view);
    let main = main_of(&html);
    assert!(main.contains("No recipes yet"));
    assert!(main.contains("A recipe needs two connections"));
    assert!(main.contains(r#"href="/connections/new""#));
    assert!(!main.contains("/recipes/new"), "no New recipe without connections");

    let html = recipes::render_list(recipes_nav(), RecipesView { rows: vec![], can_edit: true, has_connections: true });
    assert_eq!(main_of(&html).matches(r#"href="/recipes/new""#).count(), 2);

    let html =
        recipes::render_list(recipes_nav(), RecipesView { rows: vec![], can_edit: false, has_connections: true });
    assert!(!main_of(&html).contains("/recipes/new"));
    assert!(main_of(&html).contains("Editors of this workspace create recipes"));

    let mut view = recipes_view();
    view.has_connections = false;
    let html = recipes::render_list(recipes_nav(), view);
    assert!(!main_of(&html).contains("/recipes/new"));
    assert!(main_of(&html).contains(r#"<a href="/connections/new">Add a connection</a>"#));
}

#[test]
fn editor_posts_every_documented_field() {
    let html = recipes::render_form(recipes_nav(), form_view());
    assert_forms_have_csrf(&html);
    assert_eq!(post_forms_with_csrf(&html), 1);
    let main = main_of(&html);
    let form = main_forms(&html)[0];
    assert!(form.contains(r#"method="post" action="/recipes/r1/edit""#));
    assert!(main.contains("<h1>Edit HubSpot contacts → Mailchimp</h1>"));

    assert!(tag_named(form, "name").contains(r#"value="HubSpot contacts → Mailchimp""#));
    assert!(
        select_named(form, "source_connection").contains(r#"<option value="c1" selected>HubSpot (sales)</option>"#)
    );
    assert!(select_named(form, "source_object").contains(r#"<option value="contacts" selected>"#));
    assert!(select_named(form, "destination_connection").contains(r#"<option value="c2" selected>"#));
    assert!(select_named(form, "destination_object").contains(r#"<option value="members" selected>"#));
    assert!(tag_named(form, "mode").contains(r#"value="incremental" checked"#));
    assert!(form.contains(r#"<input type="radio" name="mode" value="full">"#));
    assert!(form.contains("Incremental (only what changed since the last run)"));
    assert!(select_named(form, "delete_policy").contains(r#"<option value="archive" selected>"#));
    assert!(select_named(form, "upsert_key").contains(r#"<option value="email_address" selected>"#));
    assert!(form.contains("so a retried run never creates duplicates"));
    assert!(form.contains(">lifecyclestage eq customer</textarea>"));

    // Row 0: a source field with two transforms.
    assert!(tag_named(form, "rule-0-target").contains(r#"type="hidden""#));
    assert!(tag_named(form, "rule-0-target").contains(r#"value="email_address""#));
    assert!(select_named(form, "rule-0-kind").contains(r#"<option value="field" selected>Source field</option>"#));
    assert!(select_named(form, "rule-0-field").contains(r#"<option value="email" selected>Email (email)</option>"#));
    assert!(tag_named(form, "rule-0-text").contains(r#"value="""#));
    let boxes: Vec<&str> = form.match_indices(r#"name="rule-0-transforms""#).map(|(i, _)| &form[i..i + 80]).collect();
    assert_eq!(boxes.len(), 6);
    for (value, checked) in
        [("trim", true), ("lower", true), ("upper", false), ("number", false), ("date", false), ("lookup", false)]
    {
        let tag = format!(r#"name="rule-0-transforms" value="{value}""#);
        let at = form.find(&tag).unwrap();
        let rest = &form[at + tag.len()..];
        let rest = &rest[..rest.find('>').unwrap()];
        assert_eq!(rest.contains("checked"), checked, "{value}: {rest}");
    }
    assert!(form.contains(r#"name="rule-0-date_format""#));
    assert!(form.contains(r#"placeholder="%Y-%m-%d""#));
    assert!(form.contains(r#"name="rule-0-lookup""#));
    assert!(select_named(form, "rule-0-on_missing").contains(r#"<option value="error" selected>"#));
    assert!(form.contains(r#"name="rule-0-default""#));
    assert!(form.contains(">required</span>"));

    // Row 1: a template goes in the text box, the field select stays on its placeholder.
    assert!(select_named(form, "rule-1-kind").contains(r#"<option value="template" selected>"#));
    assert!(tag_named(form, "rule-1-text").contains(r#"value="{{firstname}} {{lastname}}""#));
    assert!(select_named(form, "rule-1-field").contains(r#"<option value="" selected>Choose a field</option>"#));
    // Row 2: lookup with its table and fallback.
    assert!(form.contains("lead=Prospect\ncustomer=Customer</textarea>"));
    assert!(select_named(form, "rule-2-on_missing").contains(r#"<option value="default" selected>"#));
    assert!(tag_named(form, "rule-2-default").contains(r#"value="Other""#));
    // Row 3: its error is tied to its controls.
    assert!(form.contains(r#"<p id="rule-3-error" class="field-error">"#));
    assert!(tag_named(form, "rule-3-field").contains(r#"aria-invalid="true" aria-describedby="rule-3-error""#));
    assert!(tag_named(form, "rule-3-date_format").contains(r#"value="%d.%m.%Y""#));
    // Row 4: a constant.
    assert!(tag_named(form, "rule-4-text").contains(r#"value="hubspot""#));

    // The intents: Enter saves (the first submit button), then Load fields, Save, Preview.
    let intents: Vec<&str> = form
        .match_indices(r#"name="intent" value=""#)
        .map(|(i, m)| {
            let rest = &form[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(intents, ["save", "load_fields", "save", "preview"]);
    assert!(form.contains(">Save recipe</button>") && form.contains(">Preview</button>"));
    assert!(form.contains(">Load fields</button>"));
    assert!(!form.contains("<fieldset class=\"bare\" disabled"));
    // The reference list of source fields.
    assert!(main.contains("<code>lifecyclestage</code>"));
}

#[test]
fn editor_keeps_values_it_cannot_list_and_hints_to_load_fields() {
    let mut view = form_view();
    view.id = None;
    view.action = s(urls::RECIPES_NEW);
    view.source_objects.clear();
    view.source_object.clear();
    view.destination_objects.clear();
    view.destination_object = s("members");
    view.source_fields.clear();
    view.upsert_keys.clear();
    view.rows.truncate(1);
    let html = recipes::render_form(recipes_nav(), view);
    let form = main_forms(&html)[0];
    assert!(main_of(&html).contains("<h1>New recipe</h1>"));
    assert!(form.contains(r#"action="/recipes/new""#));
    assert!(form.contains("Choose a connection and press Load fields."));
    assert!(!form.contains(r#"name="source_object""#));
    // Not listed, but chosen: kept so the next post doesn't lose it.
    assert!(select_named(form, "destination_object").contains(r#"<option value="members" selected>members</option>"#));
    assert!(select_named(form, "rule-0-field").contains(r#"<option value="email" selected>email</option>"#));
    assert!(select_named(form, "upsert_key").contains(r#"<option value="email_address" selected>"#));
    assert!(form.contains("Load fields to list the source's fields."));
}

#[test]
fn editor_errors_are_announced_at_the_top() {
    let mut view = form_view();
    view.errors = vec![s("Map the required field “Email address”."), s("Choose how to match existing records.")];
    view.upsert_key.error = Some(s("Choose a field."));
    view.filter.error = Some(s("Line 1: “eqq” is not an operator."));
    let html = recipes::render_form(recipes_nav(), view);
    let main = main_of(&html);
    let alert = main.find(r#"role="alert""#).unwrap();
    assert!(alert < main.find("<form").unwrap());
    assert!(main.contains("2 problems to fix"));
    assert!(main.contains("<li>Map the required field “Email address”.</li>"));
    assert!(tag_named(main, "upsert_key").contains(r#"aria-describedby="upsert_key-hint upsert_key-error""#));
    assert!(main.contains(r#"<p id="filter-error" class="field-error">Line 1: “eqq” is not an operator.</p>"#));
}

#[test]
fn read_only_editor_has_no_buttons() {
    let mut view = form_view();
    view.can_edit = false;
    let html = recipes::render_form(recipes_nav(), view);
    let main = main_of(&html);
    assert!(!main.contains("<button"), "viewers get no submit buttons");
    assert!(!main.contains(r#"name="intent""#));
    assert!(main.contains(r#"<fieldset disabled class="bare">"#));
    assert!(main.contains("your role can't change it"));
    assert!(main.contains("<h1>HubSpot contacts → Mailchimp</h1>"));
    // Still shows what the recipe does.
    assert!(select_named(main, "rule-0-field").contains(r#"<option value="email" selected>"#));
}

#[test]
fn preview_shows_what_would_be_written_and_what_not() {
    let mut view = form_view();
    view.preview = Some(preview_rows());
    let html = recipes::render_form(recipes_nav(), view);
    let main = main_of(&html);
    assert!(main.contains("Preview — nothing was written"));
    assert!(main.contains("3 sample records: 1 would be written, 2 would not."));
    assert!(main.contains(r#"<dt>full_name</dt><dd>"Ada Lovelace"</dd>"#));
    assert!(main.contains("would write</span>"));
    assert!(main.contains(r#"<tr class="preview-row--err">"#));
    assert!(main.contains("email_address is required but the source field email is empty"));
    assert!(main.contains("outcome--err"));
    assert!(main.contains(r#"<span class="outcome outcome--skip">skipped by the filter</span>"#));
    // Shown above the form, so it is seen after the page reloads.
    assert!(main.find("Preview — nothing was written").unwrap() < main.find("<form").unwrap());

    let mut view = form_view();
    view.preview = Some(vec![]);
    let html = recipes::render_form(recipes_nav(), view);
    assert!(html.contains("The source returned no records."));
    let html = recipes::render_form(recipes_nav(), form_view());
    assert!(!html.contains("nothing was written"));
}

#[test]
fn recipe_page_actions_and_runs() {
    let html = recipes::render_recipe(recipes_nav(), recipe_view());
    assert_forms_have_csrf(&html);
    // Run now, delete, and the webhooks section's create and (one active endpoint) revoke.
    assert_eq!(post_forms_with_csrf(&html), 4);
    let main = main_of(&html);
    assert!(main.contains("<h1>HubSpot contacts → Mailchimp</h1>"));
    assert!(main.contains(r#"action="/recipes/r1/run""#));
    assert!(main.contains(">Run now</button>"));
    assert!(main.contains(r#"<a href="/recipes/r1/edit" class="btn">Edit</a>"#));
    let delete = main_forms(&html).into_iter().find(|f| f.contains("/recipes/r1/delete")).unwrap();
    assert!(delete.contains("data-confirm=\"Delete the recipe HubSpot contacts → Mailchimp?"));
    assert!(main.contains("Archive it in the destination"));
    assert!(main.contains("lastmodifieddate ≥ 2026-11-27T19:02:11Z"));
    assert!(main.contains("<td><code>full_name</code></td><td>template {{firstname}} {{lastname}}</td>"));
    assert!(main.contains(r#"href="/runs/run2""#) && main.contains(r#"href="/runs/run1""#));
    assert!(main.contains("Succeeded with errors") && main.contains(">Succeeded</span>"));
    // The recipe's own page doesn't repeat the recipe in every run row.
    assert!(!main.contains(">Recipe</th>"));

    let mut view = recipe_view();
    view.can_edit = false;
    view.webhooks.can_edit = false;
    view.cursor = None;
    view.runs.clear();
    let html = recipes::render_recipe(recipes_nav(), view);
    let main = main_of(&html);
    assert!(!main.contains("<form"));
    assert!(!main.contains("/recipes/r1/edit"));
    assert!(main.contains("Not run yet"));
    assert!(main.contains("No runs yet"));
}

#[test]
fn runs_list_counts_and_partial_success() {
    let rows = vec![
        run_row("run3", Status::Failing, "failed: HubSpot answered 401 Unauthorized"),
        run_row("run2", Status::SucceededWithErrors, "succeeded with errors"),
        run_row("run1", Status::Healthy, "succeeded"),
    ];
    let html = runs::render_list(signed_in(Nav::Runs), RunsView { rows });
    assert!(html.contains(r#"<a href="/runs" aria-current="page">Runs</a>"#));
    let main = main_of(&html);
    assert!(main.contains(r#"<a href="/recipes/r1" class="cell-main">"#));
    assert!(main.contains(r#"<a href="/runs/run2">"#));
    assert!(main.contains(r#"<tr data-href="/runs/run2">"#));
    assert!(main.contains(r#"<td class="num">1,312</td>"#));
    assert!(main.contains(r#"<td class="num">1,250</td>"#));
    assert!(main.contains(r#"<td class="num count-zero">0</td>"#));
    assert!(main.contains(r#"<td class="num count-failed">7</td>"#));
    assert!(main.contains(r#"<th scope="col" class="num">Unchanged</th>"#));
    assert!(main.contains(r#"<span class="cell-sub">took 4.2 s</span>"#));
    assert!(main.contains(">Failed</span>") && main.contains("HubSpot answered 401 Unauthorized"));
    assert!(main.contains(">Succeeded</span>"));

    // Succeeded with errors is never shown as plain success, whatever the label says.
    let html = runs::render_list(
        signed_in(Nav::Runs),
        RunsView { rows: vec![run_row("run2", Status::SucceededWithErrors, "succeeded")] },
    );
    let main = main_of(&html);
    assert!(main.contains("status--partial"));
    assert!(main.contains("Succeeded with errors</span>"));
    assert!(!main.contains(">Succeeded</span>"));

    let html = runs::render_list(signed_in(Nav::Runs), RunsView { rows: vec![] });
    assert!(html.contains("No runs yet"));
    assert!(html.contains(r#"<a href="/recipes" class="btn btn-primary">Go to recipes</a>"#));
}

#[test]
fn run_page_shows_counts_log_and_record_errors() {
    let html = runs::render_run(signed_in(Nav::Runs), run_view());
    let main = main_of(&html);
    assert!(!main.contains("<form"));
    assert!(main.contains("<h1>Run of HubSpot contacts → Mailchimp</h1>"));
    assert!(main.contains(r#"<a href="/recipes/r1" class="back-link">"#));
    assert!(main.contains("callout--warn"));
    assert!(main.contains("7 records failed; the others were written."));
    assert!(main.contains(r#"<dd class="num">1,312</dd>"#));
    assert!(main.contains(r#"<div class="stat stat--failed"><dt>Failed</dt><dd class="num">7</dd></div>"#));
    assert!(main.contains("Mailchimp answered 429 Too Many Requests"));
    assert!(main.contains(r#"class="level level--warn""#));
    assert!(main.contains("looks fake or invalid, please enter a real email address."));
    assert!(main.contains("<summary>Record</summary><pre>{\n  \"email\""));
    assert!(main.contains(r#"<span class="tag tag--stage">mapping</span>"#));

    let mut view = run_view();
    view.run = run_row("run3", Status::Failing, "failed: HubSpot answered 401 Unauthorized");
    view.error_message = Some(s(
        "HubSpot answered 401 Unauthorized: the access token expired and refreshing it failed (invalid_grant). Reconnect HubSpot (sales).",
    ));
    view.logs.clear();
    view.errors.clear();
    let html = runs::render_run(signed_in(Nav::Runs), view);
    let main = main_of(&html);
    assert!(main.contains(r#"<div role="alert" class="callout callout--error">"#));
    assert!(main.contains("Reconnect HubSpot (sales)."));
    assert!(main.contains("No log lines") && main.contains("No record errors"));
}

#[test]
fn errors_page_lists_record_errors_across_recipes() {
    let rows = run_view().errors;
    let html = runs::render_errors(signed_in(Nav::Errors), RecordErrorsView { rows });
    assert!(html.contains(r#"<a href="/errors" aria-current="page">Errors</a>"#));
    let main = main_of(&html);
    assert!(main.contains("<h1>Record errors</h1>"));
    assert!(main.contains(r#"<a href="/runs/run2">View run"#));
    assert!(main.contains(r#"<span class="tag tag--open">open</span>"#));
    assert!(main.contains(">11 minutes ago</time>"));
    assert!(main.contains("<td class=\"mono nowrap\">5012</td>"));

    let html = runs::render_errors(signed_in(Nav::Errors), RecordErrorsView { rows: vec![] });
    assert!(html.contains("No record errors"));
    assert!(
        html.contains(
            "When a destination rejects a record or a mapping can't be applied, it shows here with the reason."
        )
    );
}

#[test]
fn names_messages_and_payloads_are_escaped() {
    let x = "<script>alert(1)</script>";
    let mut list = recipes_view();
    list.rows[0].name = s(x);
    list.rows[1].last_run_label = format!("failed: {x}");
    list.rows[2].source = s(x);
    let mut form = form_view();
    form.name = field(x);
    form.errors = vec![s(x)];
    form.rows[0].target_label = s(x);
    form.rows[0].error = Some(s(x));
    form.rows[1].value = s(x);
    form.source_fields[0].1 = s(x);
    form.filter = field(x);
    form.rows[2].lookup = s("a=b\n</textarea><script>alert(1)</script>");
    let mut preview = preview_rows();
    preview[0].values[0].1 = s(x);
    preview[1].outcome = s(x);
    form.preview = Some(preview);
    let mut recipe = recipe_view();
    recipe.name = s(x);
    recipe.mapping_summary[0].1 = s(x);
    recipe.cursor = Some(s(x));
    let mut run = run_view();
    run.run.recipe_name = s(x);
    run.error_message = Some(s(x));
    run.logs[0].message = s(x);
    run.errors[0].message = s(x);
    run.errors[0].payload = s(x);
    run.errors[1].source_id = s(x);
    let mut errors = run_view().errors;
    errors[0].recipe_name = s(x);
    errors[0].message = s(x);
    let pages = [
        recipes::render_list(recipes_nav(), list),
        recipes::render_form(recipes_nav(), form),
        recipes::render_recipe(recipes_nav(), recipe),
        runs::render_run(signed_in(Nav::Runs), run),
        runs::render_errors(signed_in(Nav::Errors), RecordErrorsView { rows: errors }),
    ];
    for html in pages {
        assert!(!html.contains("<script>alert"), "unescaped: {html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}

/// Writes the recipe and run pages to /tmp/hitch-pages-recipes for a look in a browser:
/// `cargo test -p hitch-app -- --ignored write_recipe_pages`.
#[test]
#[ignore = "writes files for screenshots"]
fn write_recipe_pages() {
    let dir = std::path::Path::new("/tmp/hitch-pages-recipes");
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    std::fs::copy(format!("{root}/style/hitch.css"), dir.join("assets/hitch.css")).unwrap();
    std::fs::copy(format!("{root}/public/hitch.js"), dir.join("assets/hitch.js")).unwrap();
    let write = |name: &str, html: String| {
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    };
    let mut c = recipes_nav();
    c.title = s("Recipes");
    write("recipes", recipes::render_list(c.clone(), recipes_view()));
    write(
        "recipes-empty",
        recipes::render_list(c.clone(), RecipesView { rows: vec![], can_edit: true, has_connections: false }),
    );
    write("form", recipes::render_form(c.clone(), form_view()));
    let mut new = form_view();
    new.id = None;
    new.name = FieldState::default();
    new.source_objects.clear();
    new.source_object.clear();
    new.destination_connection.clear();
    new.destination_objects.clear();
    new.destination_object.clear();
    new.source_fields.clear();
    new.upsert_keys.clear();
    new.upsert_key = FieldState::default();
    new.filter = FieldState::default();
    new.rows.clear();
    write("form-new", recipes::render_form(c.clone(), new));
    let mut errs = form_view();
    errs.errors = vec![s("Map the required field “Email address”."), s("Choose how to match existing records.")];
    errs.preview = Some(preview_rows());
    write("form-preview", recipes::render_form(c.clone(), errs));
    let mut ro = form_view();
    ro.can_edit = false;
    write("form-readonly", recipes::render_form(c.clone(), ro));
    write("recipe", recipes::render_recipe(c.clone(), recipe_view()));
    let mut runs_c = signed_in(Nav::Runs);
    runs_c.title = s("Runs");
    let rows = vec![
        RunRow {
            status: Status::Running,
            status_label: s("running"),
            duration: String::new(),
            ..run_row("run4", Status::Running, "")
        },
        run_row("run3", Status::Failing, "failed: HubSpot answered 401 Unauthorized"),
        run_row("run2", Status::SucceededWithErrors, "succeeded with errors"),
        run_row("run1", Status::Healthy, "succeeded"),
    ];
    write("runs", runs::render_list(runs_c.clone(), RunsView { rows }));
    write("runs-empty", runs::render_list(runs_c.clone(), RunsView { rows: vec![] }));
    write("run", runs::render_run(runs_c.clone(), run_view()));
    let mut failed = run_view();
    failed.run = run_row("run3", Status::Failing, "failed: HubSpot answered 401 Unauthorized");
    failed.error_message = Some(s(
        "HubSpot answered 401 Unauthorized: the access token expired and refreshing it failed (invalid_grant). Reconnect HubSpot (sales) on its connection page.",
    ));
    failed.errors.clear();
    write("run-failed", runs::render_run(runs_c, failed));
    let mut err_c = signed_in(Nav::Errors);
    err_c.title = s("Errors");
    write("errors", runs::render_errors(err_c.clone(), RecordErrorsView { rows: run_view().errors }));
    write("errors-empty", runs::render_errors(err_c, RecordErrorsView { rows: vec![] }));
}
