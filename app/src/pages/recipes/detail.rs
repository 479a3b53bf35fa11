//! One recipe: where it reads and writes, how fields map, where the incremental sync stands,
//! its recent runs, its webhook endpoints, and (for editors) run now, edit and delete.

use leptos::prelude::*;

use super::super::runs::{back_link, runs_table};
use super::webhooks::webhooks_section;
use super::{delete_policy_label, mode_label};
use crate::components::{Csrf, DataTable, EmptyState};
use crate::models::{Chrome, RecipeView};
use crate::{shell, urls};

pub fn render_recipe(chrome: Chrome, view: RecipeView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let RecipeView {
            id: _,
            name,
            source,
            destination,
            mode,
            delete_policy,
            mapping_summary,
            cursor,
            schedule,
            next_runs,
            runs,
            can_edit,
            run_action,
            edit_href,
            delete_action,
            webhooks,
        } = view;
        let full = mode_label(&mode) == "Full refresh";
        let next_runs = (!next_runs.is_empty()).then(|| {
            let when = next_runs.join(", ");
            view! { <span class="field-hint">" · next: " {when}</span> }
        });
        let webhooks = webhooks_section(webhooks, csrf.clone());
        let actions = can_edit.then(|| {
            let csrf_delete = csrf.clone();
            let confirm =
                format!("Delete the recipe {name}? It stops syncing; records already written stay in the destination.");
            view! {
                <div class="page-actions">
                    <form class="row-form" method="post" action=run_action>
                        <Csrf token=csrf.clone() />
                        <button type="submit" class="btn btn-primary">"Run now"</button>
                    </form>
                    <a class="btn" href=edit_href>"Edit"</a>
                    <form class="row-form" method="post" action=delete_action data-confirm=confirm>
                        <Csrf token=csrf_delete />
                        <button type="submit" class="btn btn-danger">"Delete…"</button>
                    </form>
                </div>
            }
        });
        let cursor = match (cursor, full) {
            (Some(c), _) => view! { <span class="mono">{c}</span> }.into_any(),
            (None, true) => {
                view! { <span class="muted">"Not used: a full refresh reads every record"</span> }.into_any()
            }
            (None, false) => view! { <span class="muted">"Not run yet"</span> }.into_any(),
        };
        let flow_source = source.clone();
        let flow_destination = destination.clone();
        let runs = if runs.is_empty() {
            let body = if can_edit {
                "Press Run now to sync once, or wait for the schedule. Each run lists what it read, wrote and skipped."
            } else {
                "Runs appear here when the schedule is due or an editor runs the recipe."
            };
            view! { <EmptyState title="No runs yet" body=body /> }.into_any()
        } else {
            view! {
                {runs_table(runs, false)}
                <p class="table-foot">
                    <a href=urls::RUNS>"All runs"</a>
                </p>
            }
            .into_any()
        };
        view! {
            <div class="page-head page-head--split">
                <div>
                    {back_link("Recipes".to_owned(), urls::RECIPES.to_owned())}
                    <h1>{name}</h1>
                    <p class="meta flow">
                        <span>{flow_source}</span>
                        <span class="flow-arrow" aria-hidden="true">"→"</span>
                        <span class="visually-hidden">" to "</span>
                        <span>{flow_destination}</span>
                    </p>
                </div>
                {actions}
            </div>
            <section aria-labelledby="summary-h">
                <h2 id="summary-h" class="visually-hidden">"Summary"</h2>
                <dl class="details details--recipe">
                    <div>
                        <dt>"Source"</dt>
                        <dd>{source}</dd>
                    </div>
                    <div>
                        <dt>"Destination"</dt>
                        <dd>{destination}</dd>
                    </div>
                    <div>
                        <dt>"Mode"</dt>
                        <dd>{mode_label(&mode)}</dd>
                    </div>
                    <div>
                        <dt>"When a record is deleted in the source"</dt>
                        <dd>{delete_policy_label(&delete_policy)}</dd>
                    </div>
                    <div>
                        <dt>"Incremental position"</dt>
                        <dd>{cursor}</dd>
                    </div>
                    <div>
                        <dt>"Runs"</dt>
                        <dd>{schedule}{next_runs}</dd>
                    </div>
                </dl>
            </section>
            <section aria-labelledby="mapping-h">
                <h2 id="mapping-h">"Mapping"</h2>
                {mapping(mapping_summary)}
            </section>
            <section aria-labelledby="runs-h">
                <h2 id="runs-h">"Recent runs"</h2>
                {runs}
            </section>
            {webhooks}
        }
    })
}

fn mapping(rows: Vec<(String, String)>) -> AnyView {
    if rows.is_empty() {
        return view! {
            <p class="muted">"No fields are mapped yet. Edit the recipe to choose what fills each destination field."</p>
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|(field, how)| {
            view! {
                <tr>
                    <td><code>{field}</code></td>
                    <td>{how}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Mapping">
            <thead>
                <tr>
                    <th scope="col">"Destination field"</th>
                    <th scope="col">"Filled from"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}
