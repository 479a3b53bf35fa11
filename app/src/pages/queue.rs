//! The job queue: runs that gave up after every retry (what broke and what to do), then the
//! runs waiting for a worker or running now.

use leptos::prelude::*;

use super::runs::{run_badge, status_words, time_or};
use crate::components::{Csrf, DataTable, EmptyState, Time};
use crate::models::{Chrome, DeadJobRow, JobRecipe, LaterRun, QueueView, Status, WaitingJobRow};
use crate::{shell, urls};

pub fn render(chrome: Chrome, view: QueueView) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let QueueView { dead, waiting, can_run } = view;
        let head = view! {
            <div class="page-head">
                <h1>"Queue"</h1>
                <p class="lead">
                    "Runs waiting for a worker, running now, and the ones that gave up after retrying a temporary failure. A run that gave up needs a person: read why, fix the cause, run it again."
                </p>
            </div>
        };
        if dead.is_empty() && waiting.is_empty() {
            let action = Some(("See recent runs".to_owned(), urls::RUNS.to_owned()));
            return view! {
                {head}
                <EmptyState
                    title="Nothing needs attention"
                    body="No run is waiting and none gave up. Finished runs, with what they read and wrote, are on the Runs page."
                    action=action
                />
            }
            .into_any();
        }
        view! {
            {head}
            <section aria-labelledby="dead-h">
                <h2 id="dead-h">"Gave up"</h2>
                {dead_section(dead, can_run, &csrf)}
            </section>
            <section aria-labelledby="waiting-h">
                <h2 id="waiting-h">"Waiting and running"</h2>
                {waiting_section(waiting)}
            </section>
        }
        .into_any()
    })
}

fn recipe_cell(recipe: JobRecipe) -> impl IntoView {
    match recipe.href {
        Some(href) => view! { <a class="cell-main" href=href>{recipe.name}</a> }.into_any(),
        None => view! { <span class="cell-main muted">{recipe.name}</span> }.into_any(),
    }
}

fn dead_section(rows: Vec<DeadJobRow>, can_run: bool, csrf: &str) -> AnyView {
    if rows.is_empty() {
        return view! {
            <p class="muted">"No run gave up. When one does, it shows here with the provider's last error."</p>
        }
        .into_any();
    }
    let hint = if can_run {
        "Each of these failed on every attempt, for the reason shown. Check the provider's status page and the connection, then press Run again."
    } else {
        "Each of these failed on every attempt, for the reason shown. An editor can run the recipe again once the cause is fixed."
    };
    let rows = rows.into_iter().map(|row| dead_row(row, can_run, csrf.to_owned())).collect_view();
    view! {
        <p class="muted">{hint}</p>
        <DataTable label="Runs that gave up">
            <thead>
                <tr>
                    <th scope="col">"Recipe"</th>
                    <th scope="col">"Why it stopped, and what next"</th>
                    <th scope="col">"Trigger"</th>
                    <th scope="col">"Gave up"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}

fn dead_row(row: DeadJobRow, can_run: bool, csrf: String) -> impl IntoView {
    let DeadJobRow { recipe, trigger, attempts, max_attempts, last_error, died, last_run_href, later_run, run_action } =
        row;
    let tries = format!("after {attempts} of {max_attempts} attempts");
    let error = if last_error.is_empty() { "No error was recorded.".to_owned() } else { last_error };
    let last_run = last_run_href.map(|href| view! { <a href=href>"Last run"</a> });
    let run_again = run_action.filter(|_| can_run).map(|action| {
        view! {
            <form class="row-form" method="post" action=action>
                <Csrf token=csrf />
                <button type="submit" class="btn btn-small btn-primary">"Run again"</button>
            </form>
        }
    });
    view! {
        <tr>
            <td>{recipe_cell(recipe)}</td>
            // The next step sits under the error, so a narrow screen shows it without scrolling.
            <td class="error-cell">
                <span class="error-message">{error}</span>
                <span class="cell-sub">{tries}</span>
                {later_run.map(later)}
                <div class="button-row">{last_run} {run_again}</div>
            </td>
            <td class="nowrap">{trigger}</td>
            <td class="nowrap">
                <Time ts=died />
            </td>
        </tr>
    }
}

/// "Ran again since: Succeeded" with the run linked, so a failure already over reads so.
fn later(run: LaterRun) -> impl IntoView {
    let LaterRun { status, label, href, at } = run;
    let (word, _) = status_words(status, &label);
    view! {
        <span class="cell-sub">
            "Ran again since: " <a href=href>{run_badge(status, word)}</a> " " <Time ts=at />
        </span>
    }
}

fn waiting_section(rows: Vec<WaitingJobRow>) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">"Nothing is waiting: every queued run has been picked up."</p> }.into_any();
    }
    let rows = rows.into_iter().map(waiting_row).collect_view();
    view! {
        <DataTable label="Runs waiting or running">
            <thead>
                <tr>
                    <th scope="col">"Recipe"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Trigger"</th>
                    <th scope="col" class="num">"Attempt"</th>
                    <th scope="col">"Next attempt"</th>
                    <th scope="col">"Queued"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}

fn waiting_row(row: WaitingJobRow) -> impl IntoView {
    let WaitingJobRow {
        recipe,
        trigger,
        status,
        status_label,
        attempts,
        max_attempts,
        next_attempt,
        last_error,
        queued,
        run_href,
    } = row;
    let (word, detail) = status_words(status, &status_label);
    let badge = match run_href {
        Some(href) => view! { <a href=href>{run_badge(status, word)}</a> }.into_any(),
        None => run_badge(status, word).into_any(),
    };
    let detail = detail.map(|d| view! { <span class="cell-sub">{d}</span> });
    let previous = (!last_error.is_empty()).then(|| {
        let text = format!("Last attempt: {last_error}");
        view! { <span class="cell-sub error-message">{text}</span> }
    });
    let attempt = format!("{attempts} of {max_attempts}");
    // A queued job with no later time may start as soon as a worker is free.
    let none = if status == Status::Running { "—" } else { "now" };
    view! {
        <tr>
            <td>{recipe_cell(recipe)}</td>
            <td class="cell-status">{badge} {detail} {previous}</td>
            <td class="nowrap">{trigger}</td>
            <td class="num nowrap">{attempt}</td>
            <td class="nowrap">{time_or(next_attempt, none)}</td>
            <td class="nowrap">
                <Time ts=queued />
            </td>
        </tr>
    }
}
