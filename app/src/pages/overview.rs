//! Overview: the workspace at a glance and the getting-started checklist.

use leptos::prelude::*;

use crate::models::{ChecklistItem, Chrome, OverviewView};
use crate::{shell, urls};

pub fn render(chrome: Chrome, view: OverviewView) -> String {
    shell::document(chrome, move || {
        let tiles = [
            ("Connections", view.connections, urls::CONNECTIONS),
            ("Recipes", view.recipes, urls::RECIPES),
            ("Runs in last 24 h", view.runs_last_24h, urls::RUNS),
            ("Open record errors", view.open_errors, urls::ERRORS),
            ("Members", view.members, urls::MEMBERS),
        ]
        .into_iter()
        .map(|(label, n, href)| {
            let n = group_digits(n);
            view! {
                <div class="stat">
                    <dt><a href=href>{label}</a></dt>
                    <dd class="num">{n}</dd>
                </div>
            }
        })
        .collect_view();
        let checklist = (!view.checklist.is_empty()).then(|| {
            let items = view.checklist.into_iter().map(checklist_item).collect_view();
            view! {
                <section class="panel" aria-labelledby="getting-started">
                    <h2 id="getting-started">"Getting started"</h2>
                    <ol class="checklist">{items}</ol>
                </section>
            }
        });
        view! {
            <div class="page-head">
                <h1>"Overview"</h1>
            </div>
            <dl class="stats">{tiles}</dl>
            {checklist}
        }
    })
}

fn checklist_item(item: ChecklistItem) -> impl IntoView {
    let ChecklistItem { title, detail, done, href } = item;
    let title = match href {
        Some(href) => view! { <a href=href>{title}</a> }.into_any(),
        None => view! { <span>{title}</span> }.into_any(),
    };
    let class = if done { "check-item check-item--done" } else { "check-item" };
    let mark = done.then_some("✓");
    view! {
        <li class=class>
            <span class="check-mark" aria-hidden="true">{mark}</span>
            <div class="check-text">
                <span class="check-title">{title}</span>
                {done.then(|| view! { <span class="tag tag--done">"Done"</span> })}
                <p class="check-detail">{detail}</p>
            </div>
        </li>
    }
}

/// 12345 -> "12,345": large counts stay readable.
pub(crate) fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
