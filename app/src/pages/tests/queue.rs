//! The Queue page: jobs that gave up with what to do about them, jobs waiting or running, and
//! the empty state.

use super::super::queue;
use super::fixtures::*;
use super::{CSRF_INPUT, assert_forms_have_csrf, main_of};
use crate::models::*;
use crate::urls;

fn recipe(name: &str, id: &str) -> JobRecipe {
    JobRecipe { name: name.to_owned(), href: Some(urls::recipe(id)) }
}

fn dead_row() -> DeadJobRow {
    DeadJobRow {
        recipe: recipe("Stripe → HubSpot", "r1"),
        trigger: "schedule".to_owned(),
        attempts: 5,
        max_attempts: 5,
        last_error: "HubSpot answered 502 Bad Gateway: upstream connect error".to_owned(),
        died: ts("20 minutes ago"),
        last_run_href: Some(urls::run("run9")),
        later_run: None,
        run_action: Some(urls::recipe_action("r1", "run")),
    }
}

fn waiting_row(status: Status, label: &str, next: Option<Timestamp>) -> WaitingJobRow {
    WaitingJobRow {
        recipe: recipe("Nightly invoices", "r2"),
        trigger: "manual".to_owned(),
        status,
        status_label: label.to_owned(),
        attempts: 1,
        max_attempts: 5,
        next_attempt: next,
        last_error: "Stripe answered 429 Too Many Requests".to_owned(),
        queued: ts("2 minutes ago"),
        run_href: Some(urls::run("run10")),
    }
}

fn queue_view(can_run: bool) -> QueueView {
    QueueView {
        dead: vec![dead_row()],
        waiting: vec![
            waiting_row(Status::Running, "running", None),
            waiting_row(Status::Pending, "retrying", Some(ts("in 30 seconds"))),
        ],
        can_run,
    }
}

#[test]
fn dead_jobs_say_what_broke_and_what_to_do() {
    let html = queue::render(signed_in(Nav::Queue), queue_view(true));
    assert!(html.contains(r#"<a href="/queue" aria-current="page">Queue</a>"#));
    let main = main_of(&html);
    assert!(main.contains("<h2 id=\"dead-h\">Gave up</h2>"));
    assert!(main.contains(r#"<a href="/recipes/r1" class="cell-main">Stripe → HubSpot</a>"#));
    assert!(main.contains("HubSpot answered 502 Bad Gateway: upstream connect error"));
    assert!(main.contains("after 5 of 5 attempts"));
    assert!(main.contains(r#"<a href="/runs/run9">Last run</a>"#));
    assert!(main.contains(r#"action="/recipes/r1/run""#) && main.contains(">Run again</button>"));
    assert!(main.contains("Check the provider"));
    assert_forms_have_csrf(&html);
    assert!(main.contains(CSRF_INPUT));
}

#[test]
fn viewers_see_jobs_without_run_again() {
    let html = queue::render(signed_in(Nav::Queue), queue_view(false));
    let main = main_of(&html);
    assert!(main.contains("HubSpot answered 502"));
    assert!(!main.contains("Run again</button>") && !main.contains(r#"action="/recipes/r1/run""#));
    assert!(main.contains("An editor can run the recipe again"));
}

#[test]
fn a_later_run_is_shown_beside_the_failure() {
    let mut view = queue_view(true);
    view.dead[0].later_run = Some(LaterRun {
        status: Status::Healthy,
        label: "succeeded".to_owned(),
        href: urls::run("run11"),
        at: ts("1 minute ago"),
    });
    let html = queue::render(signed_in(Nav::Queue), view);
    let main = main_of(&html);
    assert!(main.contains("Ran again since: "));
    assert!(main.contains(r#"<a href="/runs/run11"><span class="status status--healthy">"#));
}

#[test]
fn waiting_jobs_show_status_attempt_and_next_attempt() {
    let html = queue::render(signed_in(Nav::Queue), queue_view(true));
    let main = main_of(&html);
    assert!(main.contains("Waiting and running"));
    assert!(main.contains("status--running") && main.contains("Running"));
    assert!(main.contains("Retrying") && main.contains("in 30 seconds"));
    assert!(main.contains("Last attempt: Stripe answered 429 Too Many Requests"));
    assert!(main.contains("1 of 5"));
    assert!(main.contains(r#"<a href="/runs/run10">"#));
}

#[test]
fn a_deleted_recipe_is_named_but_not_linked_or_run() {
    let mut view = queue_view(true);
    view.dead[0].recipe = JobRecipe { name: "(deleted recipe)".to_owned(), href: None };
    view.dead[0].run_action = None;
    view.waiting.clear();
    let main = queue::render(signed_in(Nav::Queue), view);
    let main = main_of(&main);
    assert!(main.contains("(deleted recipe)") && !main.contains("Run again</button>"));
    assert!(main.contains("Nothing is waiting"));
}

#[test]
fn empty_queue_says_nothing_needs_attention() {
    let html = queue::render(signed_in(Nav::Queue), QueueView { dead: vec![], waiting: vec![], can_run: true });
    let main = main_of(&html);
    assert!(main.contains("Nothing needs attention"));
    assert!(main.contains(r#"href="/runs""#));
    assert!(!main.contains("<table"));
}
