//! A section that has nothing in it yet: what will appear here and what to do first.

use leptos::prelude::*;

use crate::components::EmptyState;
use crate::models::{Chrome, EmptySectionView};
use crate::shell;

pub fn render(chrome: Chrome, view: EmptySectionView) -> String {
    shell::document(chrome, move || {
        let EmptySectionView { heading, lead, empty_title, empty_body, next_step } = view;
        view! {
            <div class="page-head">
                <h1>{heading}</h1>
                <p class="lead">{lead}</p>
            </div>
            <EmptyState title=empty_title body=empty_body action=next_step />
        }
    })
}
