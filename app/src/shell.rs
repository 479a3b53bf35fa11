//! The document around every page: head, navigation, flash banner and `<main>`.

use leptos::prelude::*;

use crate::components::{Csrf, role_label};
use crate::models::{Chrome, ChromeUser, Flash, FlashKind, Nav};
use crate::urls;

const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' \
viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%234f46e5'/%3E%3Cpath \
d='M10 8v16M22 8v16M10 16h12' stroke='white' stroke-width='3.5' stroke-linecap='round'/%3E%3C/svg%3E";

const NAV: [(Nav, &str, &str); 8] = [
    (Nav::Overview, "Overview", urls::OVERVIEW),
    (Nav::Connections, "Connections", urls::CONNECTIONS),
    (Nav::Recipes, "Recipes", urls::RECIPES),
    (Nav::Runs, "Runs", urls::RUNS),
    (Nav::Queue, "Queue", urls::QUEUE),
    (Nav::Errors, "Errors", urls::ERRORS),
    (Nav::Alerts, "Alerts", urls::ALERTS),
    (Nav::Settings, "Settings", urls::SETTINGS),
];

/// Renders a whole HTML document: `body` goes inside `<main>`.
pub(crate) fn document<V: IntoView + 'static>(chrome: Chrome, body: impl FnOnce() -> V + 'static) -> String {
    crate::render(move || {
        // One text node: hydration markers inside <title> would show up as literal text.
        let title = format!("{} · Hitch", chrome.title);
        let frame = match chrome.user {
            Some(user) => signed_in(user, chrome.active, chrome.csrf, chrome.flash, body().into_any()),
            None => signed_out(chrome.flash, body().into_any()),
        };
        view! {
            <!DOCTYPE html>
            <html lang="en">
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <meta name="color-scheme" content="light dark" />
                    <title>{title}</title>
                    <link rel="icon" href=FAVICON />
                    <link rel="stylesheet" href=urls::STYLESHEET />
                    <script src=urls::SCRIPT defer></script>
                </head>
                {frame}
            </html>
        }
    })
}

fn signed_in(user: ChromeUser, active: Nav, csrf: String, flash: Option<Flash>, body: AnyView) -> AnyView {
    let ChromeUser { email, role, tenant_name, tenants, is_support_staff, time_zone, .. } = user;
    let email_title = email.clone();
    let switcher = (tenants.len() >= 2).then(|| {
        let csrf = csrf.clone();
        view! {
            <form class="switcher" method="post" action=urls::SWITCH_TENANT>
                <Csrf token=csrf />
                <label class="visually-hidden" for="tenant-switch">"Switch workspace"</label>
                <select id="tenant-switch" name="slug">
                    {tenants
                        .into_iter()
                        .map(|t| {
                            view! { <option value=t.slug selected=t.current>{t.name}</option> }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="btn btn-small">"Switch"</button>
            </form>
        }
    });
    let nav = NAV
        .into_iter()
        .map(|(item, label, href)| {
            let current = (item == active).then_some("page");
            view! { <li><a href=href aria-current=current>{label}</a></li> }
        })
        .collect_view();
    let support = is_support_staff.then(|| {
        view! { <a class="support-link" href=urls::SUPPORT>"Support"</a> }
    });
    let role = role_label(&role);
    view! {
        <body class="signed-in">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <div class="app">
                <header class="sidebar">
                    <a class="brand" href=urls::OVERVIEW>"Hitch"</a>
                    <div class="tenant">
                        <span class="tenant-name">{tenant_name}</span>
                        {switcher}
                    </div>
                    <nav class="nav" aria-label="Main">
                        <ul>{nav}</ul>
                    </nav>
                    <div class="account">
                        <span class="account-email" title=email_title>{email}</span>
                        <span class="account-role">{role}</span>
                        <span class="account-zone">"Times in " {time_zone}</span>
                        {support}
                        <form method="post" action=urls::LOGOUT>
                            <Csrf token=csrf />
                            <button type="submit" class="btn btn-small">"Sign out"</button>
                        </form>
                    </div>
                </header>
                <main id="main" class="main" tabindex="-1">
                    {flash_banner(flash)}
                    {body}
                </main>
            </div>
        </body>
    }
    .into_any()
}

fn signed_out(flash: Option<Flash>, body: AnyView) -> AnyView {
    view! {
        <body class="signed-out">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <main id="main" class="auth" tabindex="-1">
                <a class="brand" href=urls::HOME>"Hitch"</a>
                <div class="auth-card">
                    {flash_banner(flash)}
                    {body}
                </div>
            </main>
        </body>
    }
    .into_any()
}

fn flash_banner(flash: Option<Flash>) -> Option<impl IntoView> {
    flash.map(|f| {
        let (class, role) = match f.kind {
            FlashKind::Success => ("flash flash--success", "status"),
            FlashKind::Info => ("flash flash--info", "status"),
            FlashKind::Error => ("flash flash--error", "alert"),
        };
        view! { <div class=class role=role>{f.message}</div> }
    })
}
