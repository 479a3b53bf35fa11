//! The recipe editor: where to read and write, how to match and map fields, what to filter, and
//! a preview of sample records that writes nothing. One form; every button posts it with an
//! `intent`, so "Load fields" and "Preview" work without JavaScript.

use leptos::prelude::*;

use super::super::runs::back_link;
use super::{DELETE_POLICIES, delete_policy_label};
use crate::components::{Csrf, DataTable, Field};
use crate::models::{Choice, Chrome, FieldState, MappingRowView, PreviewRow, RecipeFormView, TriggerFormView};
use crate::{shell, urls};

const TRANSFORMS: [(&str, &str); 6] = [
    ("trim", "trim"),
    ("lower", "lowercase"),
    ("upper", "uppercase"),
    ("number", "number"),
    ("date", "date"),
    ("lookup", "lookup"),
];

const KINDS: [(&str, &str); 3] = [("field", "Source field"), ("constant", "Constant"), ("template", "Template")];

const ON_MISSING: [(&str, &str); 3] =
    [("error", "Fail the record"), ("keep", "Keep the value as it is"), ("default", "Use the default value")];

const UPSERT_HINT: &str =
    "How Hitch finds an existing record in the destination, so a retried run never creates duplicates.";

pub fn render_form(chrome: Chrome, view: RecipeFormView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let RecipeFormView {
            id,
            action,
            name,
            connections,
            source_connection,
            source_objects,
            source_object,
            destination_connection,
            destination_objects,
            destination_object,
            source_fields,
            mode,
            delete_policy,
            upsert_key,
            upsert_keys,
            filter,
            rows,
            errors,
            preview,
            can_edit,
            trigger,
        } = view;
        let (heading, back, cancel_href) = match &id {
            Some(id) => {
                let heading = if !can_edit {
                    name.value.clone()
                } else if name.value.is_empty() {
                    "Edit recipe".to_owned()
                } else {
                    format!("Edit {}", name.value)
                };
                let href = urls::recipe(id);
                (heading, back_link("Back to the recipe".to_owned(), href.clone()), href)
            }
            None => (
                "New recipe".to_owned(),
                back_link("Recipes".to_owned(), urls::RECIPES.to_owned()),
                urls::RECIPES.to_owned(),
            ),
        };
        let lead = can_edit.then(|| {
            view! {
                <p class="lead">
                    "Choose where records come from and where they go, then map each destination field. Preview shows what would be written before anything is."
                </p>
            }
        });
        let read_only = (!can_edit).then(|| {
            view! {
                <p class="notice">
                    "You can look at this recipe, but your role can't change it. Ask an admin or editor of this workspace."
                </p>
            }
        });
        let errors = (!errors.is_empty()).then(|| errors_box(errors));
        let preview = preview.map(preview_section);
        // Enter in a text box submits the form with its first submit button: make that "save",
        // not "Load fields", which comes first in the visible order.
        let default_submit = can_edit.then(|| {
            view! {
                <button
                    type="submit"
                    name="intent"
                    value="save"
                    class="visually-hidden"
                    tabindex="-1"
                    aria-hidden="true"
                >
                    "Save recipe"
                </button>
            }
        });
        let load_fields = can_edit.then(|| {
            view! {
                <div class="load-fields">
                    <button type="submit" name="intent" value="load_fields" class="btn" formnovalidate=true>
                        "Load fields"
                    </button>
                    <p class="field-hint">
                        "Reloads this form with the objects and fields of the chosen connections. Nothing is saved; your other changes are kept."
                    </p>
                </div>
            }
        });
        let actions = can_edit.then(|| {
            view! {
                <div class="form-actions">
                    <button type="submit" name="intent" value="save" class="btn btn-primary">
                        "Save recipe"
                    </button>
                    <button type="submit" name="intent" value="preview" class="btn" formnovalidate=true>
                        "Preview"
                    </button>
                    <a class="form-cancel" href=cancel_href>"Cancel"</a>
                    <span class="field-hint form-actions-note">
                        "Preview maps a few sample records from the source and writes nothing."
                    </span>
                </div>
            }
        });
        let source_end = End {
            legend: "From",
            prefix: "source",
            connections: connections.clone(),
            connection: source_connection,
            objects: source_objects,
            object: source_object,
        };
        let destination_end = End {
            legend: "To",
            prefix: "destination",
            connections,
            connection: destination_connection,
            objects: destination_objects,
            object: destination_object,
        };
        view! {
            <div class="page-head">
                {back}
                <h1>{heading}</h1>
                {lead}
            </div>
            {read_only}
            {errors}
            {preview}
            <form class="recipe-form" method="post" action=action>
                <Csrf token=csrf />
                {default_submit}
                <fieldset class="bare" disabled=!can_edit>
                    <legend class="visually-hidden">"Recipe"</legend>
                    <section class="panel form-section" aria-labelledby="basics-h">
                        <h2 id="basics-h">"What it copies"</h2>
                        <div class="recipe-name">
                            <Field
                                id="name"
                                name="name"
                                label="Name"
                                state=name
                                required=true
                                autocomplete="off"
                                hint="Shown in lists, alerts and run logs, e.g. “HubSpot contacts → Mailchimp”."
                            />
                        </div>
                        <div class="ends">
                            {end(source_end)}
                            <span class="ends-arrow" aria-hidden="true">"→"</span>
                            {end(destination_end)}
                        </div>
                        {load_fields}
                    </section>
                    {sync_section(mode, delete_policy, upsert_key, upsert_keys)}
                    {schedule_section(trigger)}
                    {mapping_section(rows, source_fields)}
                    {filter_section(filter)}
                </fieldset>
                {actions}
            </form>
        }
    })
}

/// The problems with the whole recipe, at the top, announced.
fn errors_box(errors: Vec<String>) -> impl IntoView {
    let title = match errors.len() {
        1 => "1 problem to fix".to_owned(),
        n => format!("{n} problems to fix"),
    };
    let items = errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view();
    view! {
        <div class="form-error" role="alert">
            <p class="callout-title">{title}</p>
            <ul class="error-list">{items}</ul>
        </div>
    }
}

/// `<option>`s of `choices` with `selected` chosen, after a placeholder that is chosen when
/// nothing is. A value that isn't among the choices (fields not loaded yet) is kept as an extra
/// option, so posting the form again never drops it.
fn options(choices: Vec<Choice>, selected: &str, placeholder: &'static str, show_value: Show) -> AnyView {
    let missing = !selected.is_empty() && !choices.iter().any(|(value, _)| value == selected);
    let extra = missing.then(|| {
        let value = selected.to_owned();
        let text = selected.to_owned();
        view! { <option value=value selected=true>{text}</option> }
    });
    let choices = choices
        .into_iter()
        .map(|(value, label)| {
            let is_selected = value == selected;
            let text = match show_value {
                _ if label.is_empty() => value.clone(),
                Show::Value if label != value => format!("{label} ({value})"),
                _ => label,
            };
            view! { <option value=value selected=is_selected>{text}</option> }
        })
        .collect_view();
    let none = selected.is_empty();
    view! {
        <option value="" selected=none>{placeholder}</option>
        {extra}
        {choices}
    }
    .into_any()
}

/// Whether an option shows its value after its label: field names are what templates and filters
/// use, so they are shown; connection ids are not.
#[derive(Clone, Copy)]
enum Show {
    Label,
    Value,
}

/// One end of the recipe: a connection and an object in it.
struct End {
    legend: &'static str,
    prefix: &'static str,
    connections: Vec<Choice>,
    connection: String,
    objects: Vec<Choice>,
    object: String,
}

fn end(e: End) -> impl IntoView {
    let End { legend, prefix, connections, connection, objects, object } = e;
    let connection_name = format!("{prefix}_connection");
    let object_name = format!("{prefix}_object");
    let object_control = if objects.is_empty() && object.is_empty() {
        view! {
            <span class="field-label">"Object"</span>
            <p class="field-hint object-hint">"Choose a connection and press Load fields."</p>
        }
        .into_any()
    } else {
        let id = object_name.clone();
        view! {
            <label for=id.clone()>"Object"</label>
            <select id=id name=object_name>
                {options(objects, &object, "Choose an object", Show::Label)}
            </select>
        }
        .into_any()
    };
    view! {
        <fieldset class="end">
            <legend>{legend}</legend>
            <div class="field">
                <label for=connection_name.clone()>"Connection"</label>
                <select id=connection_name.clone() name=connection_name>
                    {options(connections, &connection, "Choose a connection", Show::Label)}
                </select>
            </div>
            <div class="field">{object_control}</div>
        </fieldset>
    }
}

/// A field's error tied to its control: (class, aria-invalid, aria-describedby, error paragraph).
fn error_parts(id: &str, state: &FieldState, hint: bool) -> (&'static str, Option<&'static str>, Option<String>) {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = [hint.then_some(hint_id), state.error.is_some().then_some(error_id)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let class = if state.error.is_some() { "field field--error" } else { "field" };
    (class, state.error.is_some().then_some("true"), (!described.is_empty()).then_some(described))
}

fn schedule_section(t: TriggerFormView) -> impl IntoView {
    let kind = if t.kind.is_empty() { "manual".to_owned() } else { t.kind };
    let radio = |value: &'static str, label: &'static str| {
        let checked = kind == value;
        view! {
            <label class="radio">
                <input type="radio" name="trigger_kind" value=value checked=checked />
                <span>{label}</span>
            </label>
        }
    };
    let field = |id: &'static str, label: &'static str, hint: &'static str, state: FieldState| {
        let (class, invalid, described) = error_parts(id, &state, true);
        let FieldState { value, error } = state;
        let hint_id = format!("{id}-hint");
        view! {
            <div class=class>
                <label for=id>{label}</label>
                <input id=id name=id type="text" value=value aria-invalid=invalid aria-describedby=described />
                <p class="field-hint" id=hint_id>{hint}</p>
                {error.map(|e| view! { <p class="field-error" id=format!("{id}-error")>{e}</p> })}
            </div>
        }
    };
    let next = (!t.next_runs.is_empty()).then(|| {
        let items = t.next_runs.into_iter().map(|r| view! { <li>{r}</li> }).collect_view();
        view! {
            <div class="next-runs">
                <p class="field-hint">"Next runs:"</p>
                <ul>{items}</ul>
            </div>
        }
    });
    view! {
        <section class="panel form-section" aria-labelledby="schedule-h">
            <h2 id="schedule-h">"When it runs"</h2>
            <div class="form-grid">
                <fieldset class="field radio-group">
                    <legend>"Trigger"</legend>
                    {radio("manual", "Only when someone presses Run now (or the API asks)")}
                    {radio("cron", "On a schedule (cron, in a time zone)")}
                    {radio("interval", "Every few minutes")}
                    {radio("webhook", "When its webhook receives an event")}
                </fieldset>
                {field("cron", "Schedule (cron)", "Five fields: minute hour day month weekday. 0 0 * * * is every night at midnight.", t.cron)}
                {field("time_zone", "Time zone", "An IANA name such as Europe/Berlin; daylight saving is handled.", t.time_zone)}
                {field("every_minutes", "Every (minutes)", "From 1 minute to 31 days.", t.every_minutes)}
            </div>
            {next}
        </section>
    }
}

fn sync_section(
    mode: String,
    delete_policy: String,
    upsert_key: FieldState,
    upsert_keys: Vec<Choice>,
) -> impl IntoView {
    let full = mode == "full";
    let policy = if delete_policy.is_empty() { "ignore".to_owned() } else { delete_policy };
    let policies = DELETE_POLICIES
        .into_iter()
        .map(|p| {
            let text = delete_policy_label(p);
            view! { <option value=p selected=p == policy>{text}</option> }
        })
        .collect_view();
    let (class, invalid, described) = error_parts("upsert_key", &upsert_key, true);
    let FieldState { value: key, error } = upsert_key;
    view! {
        <section class="panel form-section" aria-labelledby="sync-h">
            <h2 id="sync-h">"How it syncs"</h2>
            <div class="form-grid">
                <fieldset class="field radio-group">
                    <legend>"Mode"</legend>
                    <label class="radio">
                        <input type="radio" name="mode" value="incremental" checked=!full />
                        <span>"Incremental (only what changed since the last run)"</span>
                    </label>
                    <label class="radio">
                        <input type="radio" name="mode" value="full" checked=full />
                        <span>
                            "Full refresh"
                            <span class="field-hint">" reads every record on each run"</span>
                        </span>
                    </label>
                </fieldset>
                <div class="field">
                    <label for="delete_policy">"When a record is deleted in the source"</label>
                    <select id="delete_policy" name="delete_policy">{policies}</select>
                </div>
                <div class=class>
                    <label for="upsert_key">"Match existing records on"</label>
                    <select
                        id="upsert_key"
                        name="upsert_key"
                        aria-invalid=invalid
                        aria-describedby=described
                    >
                        {options(upsert_keys, &key, "Choose a destination field", Show::Value)}
                    </select>
                    <p class="field-hint" id="upsert_key-hint">{UPSERT_HINT}</p>
                    {error.map(|e| view! { <p class="field-error" id="upsert_key-error">{e}</p> })}
                </div>
            </div>
        </section>
    }
}

fn mapping_section(rows: Vec<MappingRowView>, source_fields: Vec<Choice>) -> impl IntoView {
    let editor = if rows.is_empty() {
        view! {
            <div class="empty empty--compact">
                <p class="empty-body">
                    "Choose the destination object and press Load fields: each of its fields gets a row here."
                </p>
            </div>
        }
        .into_any()
    } else {
        let rows = rows.into_iter().enumerate().map(|(i, row)| rule_row(i, row, &source_fields)).collect_view();
        view! {
            <div class="table-wrap mapping-wrap" role="region" aria-label="Mapping" tabindex="0">
                <table class="data mapping">
                    <caption class="visually-hidden">"Mapping: one row per destination field"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Destination field"</th>
                            <th scope="col">"Value from"</th>
                            <th scope="col">"Transforms"</th>
                        </tr>
                    </thead>
                    {rows}
                </table>
            </div>
        }
        .into_any()
    };
    let reference = if source_fields.is_empty() {
        view! { <p class="field-hint">"Load fields to list the source's fields."</p> }.into_any()
    } else {
        let items = source_fields
            .into_iter()
            .map(|(name, label)| {
                let label = (!label.is_empty() && label != name).then(|| view! { <span class="muted">{label}</span> });
                view! {
                    <li>
                        <code>{name}</code>
                        {label}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="field-list">{items}</ul> }.into_any()
    };
    view! {
        <section class="form-section" aria-labelledby="mapping-h">
            <h2 id="mapping-h">"Mapping"</h2>
            <p class="section-lead">
                "Choose where each destination field's value comes from: a source field, a constant, or a template such as "
                <code>"{{firstname}} {{lastname}}"</code>
                ". Hitch uses the field list when “Value from” is a source field, and the text box otherwise. Transforms run in the order shown."
            </p>
            <div class="mapping-layout">
                {editor}
                <aside class="source-fields" aria-labelledby="source-fields-h">
                    <h3 id="source-fields-h">"Source fields"</h3>
                    {reference}
                </aside>
            </div>
        </section>
    }
}

/// One destination field: a `<tbody>` of two rows, the controls and then the error and the
/// advanced options, which span the whole table so the columns stay narrow.
fn rule_row(i: usize, row: MappingRowView, fields: &[Choice]) -> impl IntoView {
    let MappingRowView {
        target,
        target_label,
        target_required,
        kind,
        value,
        transforms,
        date_format,
        lookup,
        on_missing,
        default_value,
        error,
    } = row;
    let n = |s: &str| format!("rule-{i}-{s}");
    let label = if target_label.is_empty() { target.clone() } else { target_label };
    let kind = if kind.is_empty() { "field".to_owned() } else { kind };
    let (field_value, text_value) = if kind == "field" { (value, String::new()) } else { (String::new(), value) };
    let error_id = n("error");
    let invalid = error.is_some().then_some("true");
    let described = error.is_some().then(|| error_id.clone());
    let class = if error.is_some() { "rule rule--error" } else { "rule" };

    let kinds = KINDS
        .into_iter()
        .map(|(value, text)| view! { <option value=value selected=value == kind>{text}</option> })
        .collect_view();
    let placeholder = match kind.as_str() {
        "template" => "{{firstname}} {{lastname}}",
        "constant" => "A fixed value",
        _ => "Constant or template",
    };
    let transform_boxes = TRANSFORMS
        .into_iter()
        .map(|(value, text)| {
            let id = format!("rule-{i}-t-{value}");
            let for_id = id.clone();
            let checked = transforms.iter().any(|t| t == value);
            view! {
                <label class="check" for=for_id>
                    <input type="checkbox" id=id name=n("transforms") value=value checked=checked />
                    {text}
                </label>
            }
        })
        .collect_view();
    let on_missing = if on_missing.is_empty() { "error".to_owned() } else { on_missing };
    let missing_options = ON_MISSING
        .into_iter()
        .map(|(value, text)| view! { <option value=value selected=value == on_missing>{text}</option> })
        .collect_view();
    let set: Vec<&str> = [
        (!date_format.is_empty()).then_some("date format"),
        (!lookup.trim().is_empty()).then_some("lookup table"),
        (!default_value.is_empty()).then_some("default"),
        (on_missing != "error").then_some("fallback"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let set = (!set.is_empty()).then(|| {
        let text = format!(" · {} set", set.join(", "));
        view! { <span class="muted">{text}</span> }
    });
    let required = target_required.then(|| view! { <span class="tag tag--required">"required"</span> });
    let error = error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> });
    let more_label = format!(" options for {label}");
    view! {
        <tbody class=class>
            <tr>
                <th scope="row" class="rule-target">
                    <input type="hidden" name=n("target") value=target.clone() />
                    <span class="cell-main">{label.clone()}</span>
                    {required}
                    <code class="cell-sub">{target}</code>
                </th>
                <td>
                    <div class="rule-source">
                    <select
                        id=n("kind")
                        name=n("kind")
                        class="rule-kind"
                        aria-label=format!("How {label} is filled")
                        aria-invalid=invalid
                        aria-describedby=described.clone()
                    >
                        {kinds}
                    </select>
                    <select
                        id=n("field")
                        name=n("field")
                        class="rule-field"
                        data-kind="field"
                        aria-label=format!("Source field for {label}")
                        aria-invalid=invalid
                        aria-describedby=described.clone()
                    >
                        {options(fields.to_vec(), &field_value, "Choose a field", Show::Value)}
                    </select>
                    <input
                        type="text"
                        id=n("text")
                        name=n("text")
                        class="rule-text"
                        data-kind="constant template"
                        value=text_value
                        placeholder=placeholder
                        autocomplete="off"
                        spellcheck="false"
                        aria-label=format!("Constant or template for {label}")
                        aria-invalid=invalid
                        aria-describedby=described
                    />
                    </div>
                </td>
                <td class="rule-transforms">
                    <fieldset class="transforms">
                        <legend class="visually-hidden">{format!("Transforms for {label}")}</legend>
                        {transform_boxes}
                    </fieldset>
                </td>
            </tr>
            <tr class="rule-more">
                <td colspan="3">
                    {error}
                    <details class="rule-details">
                        <summary>"More" <span class="visually-hidden">{more_label}</span> {set}</summary>
                        <div class="rule-advanced">
                            <div class="field">
                                <label for=n("date_format")>"Date format"</label>
                                <input
                                    type="text"
                                    id=n("date_format")
                                    name=n("date_format")
                                    value=date_format
                                    placeholder="%Y-%m-%d"
                                    autocomplete="off"
                                    spellcheck="false"
                                />
                                <p class="field-hint">"For the date transform."</p>
                            </div>
                            <div class="field">
                                <label for=n("lookup")>"Lookup table"</label>
                                <textarea
                                    id=n("lookup")
                                    name=n("lookup")
                                    rows="3"
                                    placeholder="lead=Lead\ncustomer=Customer"
                                    spellcheck="false"
                                >
                                    {textarea_text(lookup)}
                                </textarea>
                                <p class="field-hint">"For the lookup transform: one " <code>"from=to"</code> " per line."</p>
                            </div>
                            <div class="field">
                                <label for=n("on_missing")>"When the lookup has no match"</label>
                                <select id=n("on_missing") name=n("on_missing")>{missing_options}</select>
                            </div>
                            <div class="field">
                                <label for=n("default")>"Default value"</label>
                                <input
                                    type="text"
                                    id=n("default")
                                    name=n("default")
                                    value=default_value
                                    autocomplete="off"
                                />
                                <p class="field-hint">"Written when there is no value to write."</p>
                            </div>
                        </div>
                    </details>
                </td>
            </tr>
        </tbody>
    }
}

/// The text of a `<textarea>`. Leptos writes a textarea's children unescaped (as raw text, like a
/// script's), so escape them here: a value holding `</textarea>` must not end the element. A
/// leading newline is doubled because the HTML parser drops the first one.
fn textarea_text(text: String) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    if escaped.starts_with('\n') { format!("\n{escaped}") } else { escaped }
}

fn filter_section(filter: FieldState) -> impl IntoView {
    let (class, invalid, described) = error_parts("filter", &filter, true);
    let FieldState { value, error } = filter;
    view! {
        <section class="panel form-section" aria-labelledby="filter-h">
            <h2 id="filter-h">"Filter"</h2>
            <div class=class>
                <label for="filter">"Only sync records where (optional)"</label>
                <textarea
                    id="filter"
                    name="filter"
                    rows="3"
                    class="mono"
                    spellcheck="false"
                    placeholder="lifecyclestage eq customer"
                    aria-invalid=invalid
                    aria-describedby=described
                >
                    {textarea_text(value)}
                </textarea>
                <p class="field-hint" id="filter-hint">
                    "One condition per line: field, operator, value. Operators: " <code>"eq"</code> ", "
                    <code>"ne"</code> ", " <code>"contains"</code> ", " <code>"exists"</code> ", "
                    <code>"gt"</code> ", " <code>"lt"</code> ". Example: "
                    <code>"lifecyclestage eq customer"</code>
                    ". A record must match every line; leave it empty to sync every record."
                </p>
                {error.map(|e| view! { <p class="field-error" id="filter-error">{e}</p> })}
            </div>
        </section>
    }
}

/// Sample records mapped, and what would happen to each. Nothing was written.
fn preview_section(rows: Vec<PreviewRow>) -> impl IntoView {
    let body = if rows.is_empty() {
        view! {
            <p class="muted">
                "The source returned no records. Check the source object, or add a record there and preview again."
            </p>
        }
        .into_any()
    } else {
        let ok = rows.iter().filter(|r| r.ok).count();
        let not = rows.len() - ok;
        let summary = match (rows.len(), not) {
            (1, 0) => "1 sample record: it would be written.".to_owned(),
            (1, _) => "1 sample record: it would not be written.".to_owned(),
            (n, 0) => format!("{n} sample records: all would be written."),
            (n, k) => format!("{n} sample records: {ok} would be written, {k} would not."),
        };
        let rows = rows.into_iter().map(preview_row).collect_view();
        view! {
            <p class="muted">{summary}</p>
            <DataTable label="Preview">
                <thead>
                    <tr>
                        <th scope="col">"Source record"</th>
                        <th scope="col">"Mapped values"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="panel preview" id="preview" aria-labelledby="preview-h">
            <h2 id="preview-h">"Preview — nothing was written"</h2>
            {body}
        </section>
    }
}

fn preview_row(r: PreviewRow) -> impl IntoView {
    let PreviewRow { source_id, values, outcome, ok } = r;
    let values = if values.is_empty() {
        view! { <span class="muted">"—"</span> }.into_any()
    } else {
        let items = values
            .into_iter()
            .map(|(field, value)| {
                view! {
                    <div>
                        <dt>{field}</dt>
                        <dd>{value}</dd>
                    </div>
                }
            })
            .collect_view();
        view! { <dl class="kv">{items}</dl> }.into_any()
    };
    let skipped = !ok && outcome.starts_with("skipped");
    let (row_class, outcome) = if ok {
        (
            "",
            view! { <span class="outcome outcome--ok"><span aria-hidden="true">"✓ "</span>"would write"</span> }
                .into_any(),
        )
    } else if skipped {
        ("", view! { <span class="outcome outcome--skip">{outcome}</span> }.into_any())
    } else {
        (
            "preview-row--err",
            view! { <span class="outcome outcome--err"><span aria-hidden="true">"✕ "</span>{outcome}</span> }
                .into_any(),
        )
    };
    view! {
        <tr class=row_class>
            <td class="mono nowrap">{source_id}</td>
            <td>{values}</td>
            <td class="preview-outcome">{outcome}</td>
        </tr>
    }
}
