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

pub async fn recipes_get(member: Member) -> Result<Html<String>, AppError> {
    render(member, Section {
        nav: Nav::Recipes,
        title: "Recipes",
        lead: "A recipe moves records from one system to another: one-way or two-way, on a schedule or the moment a webhook arrives, with your field mapping.",
        empty_title: "No recipes yet",
        empty_body: "Recipes need two connections to move data between. Once you have them, each recipe shows here with its trigger, its last run and its next scheduled run.",
        next: Some(("See connections", urls::CONNECTIONS)),
    })
    .await
}

pub async fn runs_get(member: Member) -> Result<Html<String>, AppError> {
    render(member, Section {
        nav: Nav::Runs,
        title: "Runs",
        lead: "Every execution of every recipe: when it started, how long it took, and how many records were read, created, updated, skipped or failed.",
        empty_title: "No runs yet",
        empty_body: "Runs appear here when a recipe runs on its schedule, from a webhook, or when someone presses Run now. Create a recipe first.",
        next: Some(("See recipes", urls::RECIPES)),
    })
    .await
}

pub async fn errors_get(member: Member) -> Result<Html<String>, AppError> {
    render(member, Section {
        nav: Nav::Errors,
        title: "Errors",
        lead: "Records a run could not move, with the provider's own words, the stage that failed and what to do. Nothing fails silently.",
        empty_title: "No record errors",
        empty_body: "When a destination rejects a record or a mapping can't be applied, the record shows here with the reason, and you can retry or ignore it once fixed.",
        next: Some(("See runs", urls::RUNS)),
    })
    .await
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
