//! Connections, Recipes, Runs, Errors and Alerts before their features land: each page says
//! what will appear there and what to do first.

use axum::response::Html;
use hitch_app::models::{EmptySectionView, Nav};
use hitch_app::{pages, urls};

use crate::error::AppError;
use crate::http::chrome;
use crate::http::extractors::Member;

struct Section {
    nav: Nav,
    title: &'static str,
    lead: &'static str,
    empty_title: &'static str,
    empty_body: &'static str,
    next: Option<(&'static str, &'static str)>,
}

async fn render(member: Member, s: Section) -> Result<Html<String>, AppError> {
    let chrome = chrome::for_user(&member.me, s.title, s.nav).await?;
    let view = EmptySectionView {
        heading: s.title.into(),
        lead: s.lead.into(),
        empty_title: s.empty_title.into(),
        empty_body: s.empty_body.into(),
        next_step: s.next.map(|(label, href)| (label.to_owned(), href.to_owned())),
    };
    Ok(Html(pages::section::render(chrome, view)))
}

pub async fn alerts_get(member: Member) -> Result<Html<String>, AppError> {
    render(member, Section {
        nav: Nav::Alerts,
        title: "Alerts",
        lead: "Rules that tell a person when something needs them: a run failing, a connection needing reconnection, records piling up in errors.",
        empty_title: "No alert rules yet",
        empty_body: "Alert rules and the alerts they raised show here. They watch recipes and connections, so start by connecting an account.",
        next: Some(("See connections", urls::CONNECTIONS)),
    })
    .await
}
