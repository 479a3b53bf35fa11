//! Runs: every run across the recipes, one run with its log and record errors, and the record
//! errors of every recipe. The runs table is shared with a recipe's page.

use leptos::prelude::*;

use super::overview::group_digits;
use crate::components::{DataTable, Time};
use crate::models::{RunCounts, RunRow, Status, Timestamp};
use crate::urls;

mod detail;
mod errors;
mod list;

pub use detail::render_run;
pub use errors::render_errors;
pub use list::render_list;

/// "← Recipes" above a heading.
pub(crate) fn back_link(label: String, href: String) -> impl IntoView {
    let text = format!("← {label}");
    view! { <a class="back-link" href=href>{text}</a> }
}

/// "failed: HubSpot said 429" -> ("Failed", Some("HubSpot said 429")). A run that succeeded with
/// errors always reads "Succeeded with errors", whatever the label says, so it is never mistaken
/// for a plain success.
pub(crate) fn status_words(status: Status, label: &str) -> (String, Option<String>) {
    let (word, detail) = match label.split_once(':') {
        Some((word, detail)) => (word.trim(), Some(detail.trim()).filter(|d| !d.is_empty())),
        None => (label.trim(), None),
    };
    let word = if status == Status::SucceededWithErrors || word.is_empty() {
        status.label().to_owned()
    } else {
        capitalize(word)
    };
    (word, detail.map(str::to_owned))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A run's status as a dot plus the run's own word ("Succeeded", "Failed", "Succeeded with
/// errors"), the same dot colours as [`crate::components::StatusBadge`].
pub(crate) fn run_badge(status: Status, word: String) -> impl IntoView {
    let class = format!("status status--{}", status.slug());
    view! {
        <span class=class>
            <span class="status-dot" aria-hidden="true"></span>
            {word}
        </span>
    }
}

/// A right-aligned count: zero muted, failures in red.
fn count_cell(n: i64, failed: bool) -> impl IntoView {
    let class = match (n, failed) {
        (0, _) => "num count-zero",
        (_, true) => "num count-failed",
        _ => "num",
    };
    view! { <td class=class>{group_digits(n)}</td> }
}

/// A time, or a muted word when there is none.
pub(crate) fn time_or(ts: Option<Timestamp>, none: &'static str) -> AnyView {
    match ts {
        Some(ts) => view! { <Time ts=ts /> }.into_any(),
        None => view! { <span class="muted">{none}</span> }.into_any(),
    }
}

/// Runs, newest first as given. `show_recipe` adds the recipe column (the runs list; a recipe's
/// own page leaves it out). The start time links to the run, with the duration under it; the
/// script makes the whole row a link.
pub(crate) fn runs_table(rows: Vec<RunRow>, show_recipe: bool) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|r| {
            let RunRow { id, recipe_id, recipe_name, status, status_label, trigger, counts, started, duration } = r;
            let href = urls::run(&id);
            let row_href = href.clone();
            let recipe = show_recipe.then(|| {
                let recipe_href = urls::recipe(&recipe_id);
                view! {
                    <td class="run-recipe">
                        <a class="cell-main" href=recipe_href>{recipe_name}</a>
                    </td>
                }
            });
            let (word, detail) = status_words(status, &status_label);
            let detail = detail.map(|d| view! { <span class="cell-sub">{d}</span> });
            let started = match started {
                Some(ts) => view! { <Time ts=ts /> }.into_any(),
                None => view! { <span>"Not started"</span> }.into_any(),
            };
            let duration = (!duration.is_empty()).then(|| {
                let text = format!("took {duration}");
                view! { <span class="cell-sub">{text}</span> }
            });
            let RunCounts { read, created, updated, unchanged, skipped, failed } = counts;
            view! {
                <tr data-href=row_href>
                    {recipe}
                    <td class="cell-status">{run_badge(status, word)} {detail}</td>
                    <td class="nowrap">{trigger}</td>
                    {count_cell(read, false)}
                    {count_cell(created, false)}
                    {count_cell(updated, false)}
                    {count_cell(unchanged, false)}
                    {count_cell(skipped, false)}
                    {count_cell(failed, true)}
                    <td class="nowrap">
                        <a href=href>{started} <span class="visually-hidden">" — open run"</span></a>
                        {duration}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let recipe_head = show_recipe.then(|| view! { <th scope="col">"Recipe"</th> });
    view! {
        <DataTable label="Runs">
            <thead class="runs">
                <tr>
                    {recipe_head}
                    <th scope="col">"Status"</th>
                    <th scope="col">"Trigger"</th>
                    <th scope="col" class="num">"Read"</th>
                    <th scope="col" class="num">"Created"</th>
                    <th scope="col" class="num">"Updated"</th>
                    <th scope="col" class="num">"Unchanged"</th>
                    <th scope="col" class="num">"Skipped"</th>
                    <th scope="col" class="num">"Failed"</th>
                    <th scope="col">"Started"</th>
                </tr>
            </thead>
            <tbody class="runs">{rows}</tbody>
        </DataTable>
    }
}
