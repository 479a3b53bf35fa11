//! Errors: records that could not be read, mapped or written, across every recipe.

use leptos::prelude::*;

use crate::components::{DataTable, EmptyState, Time};
use crate::models::{Chrome, RecordErrorRow, RecordErrorsView};
use crate::{shell, urls};

pub fn render_errors(chrome: Chrome, view: RecordErrorsView) -> String {
    shell::document(chrome, move || {
        let RecordErrorsView { rows } = view;
        let body = if rows.is_empty() {
            view! {
                <EmptyState
                    title="No record errors"
                    body="When a destination rejects a record or a mapping can't be applied, it shows here with the reason."
                />
            }
            .into_any()
        } else {
            table(rows).into_any()
        };
        view! {
            <div class="page-head">
                <h1>"Record errors"</h1>
                <p class="lead">
                    "Records that a run couldn't read, map or write, with the reason in the provider's words. The rest of each run went on without them."
                </p>
            </div>
            {body}
        }
    })
}

/// The redacted record, folded away until asked for.
pub(super) fn payload(payload: String) -> Option<impl IntoView> {
    (!payload.trim().is_empty()).then(|| {
        view! {
            <details class="payload">
                <summary>"Record"</summary>
                <pre>{payload}</pre>
            </details>
        }
    })
}

/// open / retried / resolved / ignored as a small tag.
pub(super) fn error_status(status: String) -> impl IntoView {
    let class = format!("tag tag--{}", status.to_lowercase());
    view! { <span class=class>{status}</span> }
}

fn table(rows: Vec<RecordErrorRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|e| {
            let RecordErrorRow { id: _, run_id, recipe_name, source_id, stage, message, payload: data, status, at } = e;
            let run_href = urls::run(&run_id);
            let hidden = format!(" of {recipe_name}");
            view! {
                <tr>
                    <td class="nowrap"><Time ts=at /></td>
                    <td>{recipe_name}</td>
                    <td class="nowrap">
                        <a href=run_href>"View run" <span class="visually-hidden">{hidden}</span></a>
                    </td>
                    <td class="mono nowrap">{source_id}</td>
                    <td><span class="tag tag--stage">{stage}</span></td>
                    <td class="error-cell">
                        <span class="error-message">{message}</span>
                        {payload(data)}
                    </td>
                    <td>{error_status(status)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Record errors">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Recipe"</th>
                    <th scope="col">"Run"</th>
                    <th scope="col">"Source record"</th>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"What happened"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </DataTable>
    }
}
