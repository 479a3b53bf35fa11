//! Recipes: what copies records where, and how its last run went.

use leptos::prelude::*;

use super::super::runs::{run_badge, status_words};
use super::mode_label;
use crate::components::{DataTable, EmptyState, Time};
use crate::models::{Chrome, RecipeRow, RecipesView};
use crate::{shell, urls};

const EXPLAIN: &str = "A recipe copies records from one connection to another: what to read, how \
each field maps, and how to write it without creating duplicates.";

const NEEDS_CONNECTIONS: &str = "A recipe needs two connections: one to read records from and one \
to write them to.";

pub fn render_list(chrome: Chrome, view: RecipesView) -> String {
    shell::document(chrome, move || {
        let RecipesView { rows, can_edit, has_connections } = view;
        let add = (can_edit && has_connections).then(|| {
            view! {
                <div class="page-actions">
                    <a class="btn btn-primary" href=urls::RECIPES_NEW>"New recipe"</a>
                </div>
            }
        });
        let body = if rows.is_empty() {
            empty(can_edit, has_connections)
        } else {
            let note = (!has_connections).then(|| {
                view! {
                    <p class="notice">
                        {NEEDS_CONNECTIONS} " " <a href=urls::CONNECTIONS_NEW>"Add a connection"</a>
                        " to create another recipe."
                    </p>
                }
            });
            view! {
                {note}
                {table(rows)}
            }
            .into_any()
        };
        view! {
            <div class="page-head page-head--split">
                <div>
                    <h1>"Recipes"</h1>
                    <p class="lead">{EXPLAIN}</p>
                </div>
                {add}
            </div>
            {body}
        }
    })
}

fn empty(can_edit: bool, has_connections: bool) -> AnyView {
    let (body, action) = match (has_connections, can_edit) {
        (false, _) => (
            format!("{NEEDS_CONNECTIONS} Add them first, then come back to create a recipe."),
            Some(("Add a connection".to_owned(), urls::CONNECTIONS_NEW.to_owned())),
        ),
        (true, true) => (
            "Create one to start copying records between your connections. Preview shows what it would write before anything is written.".to_owned(),
            Some(("New recipe".to_owned(), urls::RECIPES_NEW.to_owned())),
        ),
        (true, false) => ("Editors of this workspace create recipes; they show up here.".to_owned(), None),
    };
    view! { <EmptyState title="No recipes yet" body=body action=action /> }.into_any()
}

fn table(rows: Vec<RecipeRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|r| {
            let RecipeRow { id, name, source, destination, mode, enabled, last_run_status, last_run_label, last_run } =
                r;
            let href = urls::recipe(&id);
            let row_href = href.clone();
            let (word, detail) = status_words(last_run_status, &last_run_label);
            let detail = detail.map(|d| view! { <span class="cell-sub">{d}</span> });
            let time = last_run.map(|ts| view! { <span class="cell-sub"><Time ts=ts /></span> });
            let (enabled_class, enabled_text) = if enabled { ("tag tag--on", "On") } else { ("tag tag--off", "Off") };
            view! {
                <tr data-href=row_href>
                    <td>
                        <a class="cell-main" href=href>{name}</a>
                    </td>
                    <td>
                        <span class="flow">
                            <span>{source}</span>
                            <span class="flow-arrow" aria-hidden="true">"→"</span>
                            <span class="visually-hidden">" to "</span>
                            <span>{destination}</span>
                        </span>
                    </td>
                    <td class="nowrap">{mode_label(&mode)}</td>
                    <td class="cell-status">
                        {run_badge(last_run_status, word)}
                        {time}
                        {detail}
                    </td>
                    <td><span class=enabled_class>{enabled_text}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Recipes">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Source → Destination"</th>
                    <th scope="col">"Mode"</th>
                    <th scope="col">"Last run"</th>
                    <th scope="col">"Enabled"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
}
