//! The Queue page in the browser: jobs that gave up, with the provider's last error and a
//! way to run the recipe again (editors), jobs still waiting, the empty state, and only the
//! workspace's own jobs. The server runs no workers, so jobs stay where the test puts them.

use anyhow::{Context, ensure};
use hitch::domain::Role;
use hitch_tests::TestApp;

use crate::members::add_member;
use crate::queue::{recipes, recipes_in};

const MANUAL: &str = "{\"kind\":\"manual\"}";
const PROVIDER_ERROR: &str = "HubSpot answered 502 Bad Gateway: upstream connect error";

pub async fn dead_jobs_are_listed_and_run_again(app: TestApp) -> anyhow::Result<()> {
    let owner = app.signup("Acme", "owner@acme.test").await?;
    let empty = owner.get("/queue").await?;
    ensure!(empty.status == 200 && empty.contains("Nothing needs attention"), "empty: {}", empty.status);

    let store = app.store().clone();
    let tenant = store.tenant_by_slug("acme").await?.id;
    let ids = recipes_in(&store, &tenant, 2, MANUAL).await?;
    let first = store.enqueue_recipe_run(&tenant, &ids[0], "schedule", None, 1, None).await?;
    let job = store.claim_job("w", 60_000).await?.context("nothing to claim")?;
    ensure!(job.id == first.job.id, "{job:?}");
    store.finish_job(&job.id, "w", "dead", PROVIDER_ERROR).await?;
    // Another workspace's failure must not show here.
    let (other, other_ids) = recipes(&store, 1, MANUAL).await?;
    store.enqueue_recipe_run(&other, &other_ids[0], "manual", None, 1, None).await?;
    let theirs = store.claim_job("w", 60_000).await?.context("nothing to claim")?;
    ensure!(theirs.tenant_id == other, "{theirs:?}");
    store.finish_job(&theirs.id, "w", "dead", "Another workspace's secret failure").await?;
    // Queued last, so it stays waiting.
    store.enqueue_recipe_run(&tenant, &ids[1], "manual", None, 5, None).await?;

    let page = owner.get("/queue").await?;
    ensure!(page.status == 200, "queue: {} {}", page.status, page.text_excerpt());
    ensure!(page.contains(PROVIDER_ERROR) && page.contains("after 1 of 1 attempts"), "no provider error");
    ensure!(page.contains(&format!("href=\"/recipes/{}\"", ids[0])), "recipe not linked");
    ensure!(page.contains(&format!("href=\"/runs/{}\"", first.run_id)), "last run not linked");
    ensure!(
        page.contains(&format!("action=\"/recipes/{}/run\"", ids[0])) && page.contains("Run again"),
        "no run again"
    );
    ensure!(page.contains(&format!("href=\"/recipes/{}\"", ids[1])) && page.contains("Queued"), "waiting job missing");
    ensure!(!page.contains("Another workspace"), "another workspace's job is listed");

    let again = owner.submit("/queue", &format!("/recipes/{}/run", ids[0]), &[]).await?;
    let to = again.location().unwrap_or_default().to_owned();
    ensure!(again.status == 303 && to.starts_with("/runs/") && to != format!("/runs/{}", first.run_id), "{to}");
    let page = owner.get("/queue").await?;
    ensure!(page.contains("Ran again since") && page.contains(&format!("href=\"{to}\"")), "the new run is not shown");
    let queued = store.tenant(&tenant).jobs(Some("queued"), 10).await?;
    ensure!(queued.iter().any(|j| j.recipe_id.as_deref() == Some(&ids[0])), "run again queued nothing: {queued:?}");
    Ok(())
}

pub async fn viewers_see_the_queue_but_cannot_run_again(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "owner@acme.test").await?;
    let store = app.store().clone();
    let tenant = store.tenant_by_slug("acme").await?.id;
    let ids = recipes_in(&store, &tenant, 1, MANUAL).await?;
    store.enqueue_recipe_run(&tenant, &ids[0], "manual", None, 1, None).await?;
    let job = store.claim_job("w", 60_000).await?.context("nothing to claim")?;
    store.finish_job(&job.id, "w", "dead", PROVIDER_ERROR).await?;

    add_member(&app, "acme", "viewer@acme.test", Role::Viewer).await?;
    let viewer = app.browser();
    viewer.login("viewer@acme.test", hitch_tests::PASSWORD).await?;
    let page = viewer.get("/queue").await?;
    ensure!(page.status == 200 && page.contains(PROVIDER_ERROR), "viewer: {}", page.status);
    ensure!(!page.contains("Run again</button>"), "a viewer is offered Run again");
    // Posting anyway (with the viewer's own valid token) is refused and queues nothing.
    let refused = viewer.submit("/queue", &format!("/recipes/{}/run", ids[0]), &[]).await?;
    ensure!(refused.status == 403, "viewer ran the recipe: {}", refused.status);
    ensure!(store.tenant(&tenant).jobs(Some("queued"), 10).await?.is_empty(), "a refused run was queued");
    Ok(())
}
