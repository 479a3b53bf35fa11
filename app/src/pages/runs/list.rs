//! Runs: every run of every recipe, newest first, with its counts.

use leptos::prelude::*;

use super::runs_table;
use crate::components::EmptyState;
use crate::models::{Chrome, RunsView};
use crate::{shell, urls};

pub fn render_list(chrome: Chrome, view: RunsView) -> String {
    shell::document(chrome, move || {
        let RunsView { rows } = view;
        let body = if rows.is_empty() {
            let action = Some(("Go to recipes".to_owned(), urls::RECIPES.to_owned()));
            view! {
                <EmptyState
                    title="No runs yet"
                    body="A run starts when a recipe's schedule is due, when a webhook arrives, or when someone presses Run now on a recipe's page."
                    action=action
                />
            }
            .into_any()
        } else {
            runs_table(rows, true).into_any()
        };
        view! {
            <div class="page-head">
                <h1>"Runs"</h1>
                <p class="lead">
                    "Every sync run, newest first: how many records were read and what happened to them. Open a run for its log and the records that failed."
                </p>
            </div>
            {body}
        }
    })
}
