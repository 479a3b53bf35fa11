//! One run: what happened, in counts, log lines and the records that failed.

use leptos::prelude::*;

use super::super::overview::group_digits;
use super::{back_link, run_badge, status_words, time_or};
use crate::components::{DataTable, EmptyState, Time};
use crate::models::{Chrome, RecordErrorRow, RunCounts, RunLogRow, RunRow, RunView, Status};
use crate::shell;

pub fn render_run(chrome: Chrome, view: RunView) -> String {
    shell::document(chrome, move || {
        let RunView { run, error_message, logs, errors, recipe_href } = view;
        let RunRow { id: _, recipe_id: _, recipe_name, status, status_label, trigger, counts, started, duration } = run;
        let heading = format!("Run of {recipe_name}");
        let (word, detail) = status_words(status, &status_label);
        let callout = status_callout(status, error_message.or(detail), counts.failed, &recipe_href);
        let duration = (!duration.is_empty()).then(|| view! { <span>"Took " {duration}</span> });
        view! {
            <div class="page-head">
                {back_link(recipe_name, recipe_href.clone())}
                <h1>{heading}</h1>
                <p class="meta connection-meta">
                    {run_badge(status, word)}
                    <span>"Trigger: " {trigger}</span>
                    <span>"Started " {time_or(started, "not yet")}</span>
                    {duration}
                </p>
            </div>
            {callout}
            {stats(counts)}
            <section aria-labelledby="errors-h">
                <h2 id="errors-h">"Record errors"</h2>
                {errors_table(errors)}
            </section>
            <section aria-labelledby="log-h">
                <h2 id="log-h">"Log"</h2>
                {log_table(logs)}
            </section>
        }
    })
}

/// Why the run failed or what went partly wrong, and the next step. Nothing for a clean run.
fn status_callout(status: Status, message: Option<String>, failed: i64, recipe_href: &str) -> Option<AnyView> {
    let href = recipe_href.to_owned();
    match status {
        Status::Failing | Status::NeedsReconnect => {
            let message = message.unwrap_or_else(|| "The run stopped before it finished.".to_owned());
            Some(
                view! {
                    <div class="callout callout--error" role="alert">
                        <p class="callout-title">"The run failed"</p>
                        <p class="callout-reason">{message}</p>
                        <p class="muted">
                            "Nothing is lost: the next run picks up what this one didn't finish. Fix the cause, then "
                            <a href=href>"run the recipe again"</a>
                            "."
                        </p>
                    </div>
                }
                .into_any(),
            )
        }
        Status::SucceededWithErrors => {
            let summary = match failed {
                1 => "1 record failed; the others were written. It is listed below with the reason.".to_owned(),
                n => format!(
                    "{} records failed; the others were written. They are listed below with the reason.",
                    group_digits(n)
                ),
            };
            let message = message.map(|m| view! { <p class="callout-reason">{m}</p> });
            Some(
                view! {
                    <div class="callout callout--warn" role="status">
                        <p class="callout-title">"Succeeded with errors"</p>
                        <p>{summary}</p>
                        {message}
                    </div>
                }
                .into_any(),
            )
        }
        Status::Running | Status::Pending => Some(
            view! {
                <div class="callout callout--info" role="status">
                    <p>"This run is still going. Reload the page for the latest counts."</p>
                </div>
            }
            .into_any(),
        ),
        Status::Healthy | Status::Paused => message.map(|m| {
            view! {
                <div class="callout callout--info" role="status">
                    <p class="callout-reason">{m}</p>
                </div>
            }
            .into_any()
        }),
    }
}

fn stats(c: RunCounts) -> impl IntoView {
    let tiles = [
        ("Read", c.read, ""),
        ("Created", c.created, ""),
        ("Updated", c.updated, ""),
        ("Unchanged", c.unchanged, ""),
        ("Skipped", c.skipped, ""),
        ("Failed", c.failed, "stat--failed"),
    ]
    .into_iter()
    .map(|(label, n, extra)| {
        let class = if n > 0 && !extra.is_empty() { format!("stat {extra}") } else { "stat".to_owned() };
        view! {
            <div class=class>
                <dt>{label}</dt>
                <dd class="num">{group_digits(n)}</dd>
            </div>
        }
    })
    .collect_view();
    view! { <dl class="stats stats--run">{tiles}</dl> }
}

fn log_table(rows: Vec<RunLogRow>) -> AnyView {
    if rows.is_empty() {
        return view! {
            <EmptyState
                title="No log lines"
                body="The run hasn't written to its log yet. Runs log each page they read and each batch they write."
            />
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|l| {
            let level = l.level.to_lowercase();
            let class = format!("level level--{level}");
            view! {
                <tr>
                    <td class="nowrap"><Time ts=l.at /></td>
                    <td><span class=class>{level.clone()}</span></td>
                    <td class="mono log-message">{l.message}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Log">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Level"</th>
                    <th scope="col">"Message"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}

fn errors_table(rows: Vec<RecordErrorRow>) -> AnyView {
    if rows.is_empty() {
        return view! {
            <EmptyState
                title="No record errors"
                body="Every record this run handled was read, mapped and written, or skipped on purpose."
            />
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td><span class="tag tag--stage">{e.stage}</span></td>
                    <td class="mono nowrap">{e.source_id}</td>
                    <td class="error-cell">
                        <span class="error-message">{e.message}</span>
                        {super::errors::payload(e.payload)}
                    </td>
                    <td>{super::errors::error_status(e.status)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Record errors">
            <thead>
                <tr>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"Source record"</th>
                    <th scope="col">"What happened"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
    .into_any()
}
