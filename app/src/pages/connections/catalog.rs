//! Add a connection: every system Hitch can connect, with a search and category filter that
//! works as a plain GET form.

use leptos::prelude::*;

use super::back_link;
use crate::components::EmptyState;
use crate::models::{CatalogView, Chrome, ProviderTile};
use crate::{shell, urls};

pub fn render_catalog(chrome: Chrome, view: CatalogView) -> String {
    shell::document(chrome, move || {
        let CatalogView { tiles, categories, query, category } = view;
        let filtered = !query.is_empty() || !category.is_empty();
        let category_label = categories.iter().find(|(value, _)| *value == category).map(|(_, label)| label.clone());
        let body = if tiles.is_empty() {
            no_match(&query, category_label).into_any()
        } else {
            let count = match tiles.len() {
                1 => "1 system".to_owned(),
                n => format!("{n} systems"),
            };
            let tiles = tiles.into_iter().map(tile).collect_view();
            view! {
                <p class="result-count muted">{count}</p>
                <ul class="tiles">{tiles}</ul>
            }
            .into_any()
        };
        view! {
            <div class="page-head">
                {back_link("Connections", urls::CONNECTIONS.to_owned())}
                <h1>"Add a connection"</h1>
                <p class="lead">
                    "Pick the system to connect. You sign in with it or paste an API key; Hitch checks that the account works before saving it."
                </p>
            </div>
            {filter_form(query, category, categories, filtered)}
            {body}
        }
    })
}

fn filter_form(query: String, selected: String, categories: Vec<(String, String)>, filtered: bool) -> impl IntoView {
    let all_selected = selected.is_empty();
    let options = categories
        .into_iter()
        .map(|(value, label)| {
            let is_selected = value == selected;
            view! { <option value=value selected=is_selected>{label}</option> }
        })
        .collect_view();
    let clear = filtered.then(|| {
        view! { <a class="filter-clear" href=urls::CONNECTIONS_NEW>"Clear filters"</a> }
    });
    view! {
        <form class="filter-bar" method="get" action=urls::CONNECTIONS_NEW role="search">
            <div class="field filter-search">
                <label for="catalog-q">"Search"</label>
                <input
                    id="catalog-q"
                    name="q"
                    type="search"
                    value=query
                    placeholder="Name or description"
                />
            </div>
            <div class="field">
                <label for="catalog-category">"Category"</label>
                <select id="catalog-category" name="category">
                    <option value="" selected=all_selected>"All categories"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="btn">"Filter"</button>
            {clear}
        </form>
    }
}

fn no_match(query: &str, category: Option<String>) -> impl IntoView {
    let title = match (query.is_empty(), category) {
        (false, _) => format!("No system matches “{query}”"),
        (true, Some(label)) => format!("No systems in {label}"),
        (true, None) => "No systems to show".to_owned(),
    };
    let action = Some(("Clear filters".to_owned(), urls::CONNECTIONS_NEW.to_owned()));
    view! {
        <EmptyState
            title=title
            body="Check the spelling, try the provider's company name, or clear the filters to see every system Hitch can connect."
            action=action
        />
    }
}

fn tile(t: ProviderTile) -> impl IntoView {
    let ProviderTile {
        id,
        name,
        category: _,
        category_label,
        description,
        auth_label,
        docs_url,
        available,
        unavailable_reason,
    } = t;
    let heading_id = format!("tile-{id}");
    let docs_name = name.clone();
    let class = if available { "tile" } else { "tile tile--unavailable" };
    let action = if available {
        let href = urls::connect(&id);
        let hidden = format!(" {name}");
        view! {
            <a class="btn btn-small btn-primary" href=href>
                "Connect"
                <span class="visually-hidden">{hidden}</span>
            </a>
        }
        .into_any()
    } else {
        let reason = unavailable_reason.unwrap_or_else(|| "Not available on this server.".to_owned());
        view! { <p class="tile-unavailable">{reason}</p> }.into_any()
    };
    view! {
        <li class=class>
            <div class="tile-head">
                <h2 class="tile-name" id=heading_id>{name}</h2>
                <span class="tile-category">{category_label}</span>
            </div>
            <p class="tile-description">{description}</p>
            <p class="tile-auth">{auth_label}</p>
            <div class="tile-foot">
                {action}
                <a class="tile-docs" href=docs_url rel="noopener noreferrer" target="_blank">
                    "API docs"
                    <span class="visually-hidden">" for " {docs_name} " (opens in a new tab)"</span>
                </a>
            </div>
        </li>
    }
}
