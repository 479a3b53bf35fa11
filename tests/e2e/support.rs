//! Platform support staff: read-only access to any tenant, every access audited.

use anyhow::ensure;
use hitch::domain::{Email, Password};
use hitch_tests::{PASSWORD, TestApp};

pub async fn support_staff_read_any_tenant_and_are_audited(app: TestApp) -> anyhow::Result<()> {
    app.signup("Acme", "owner@acme.test").await?;
    let hash = hitch::auth::password::hash(&Password::parse(PASSWORD.into()).map_err(anyhow::Error::msg)?).await?;
    app.store().create_user(&Email::parse("help@hitch.test").map_err(anyhow::Error::msg)?, &hash, true).await?;

    let support = app.browser();
    let signed_in = support.login("help@hitch.test", PASSWORD).await?;
    ensure!(signed_in.location() == Some("/support"), "support lands on {:?}", signed_in.location());
    let list = support.get("/support").await?;
    ensure!(list.status == 200 && list.contains("Acme"), "tenant list: {}", list.status);
    // Support staff have no workspace of their own: tenant pages send them to the console.
    ensure!(support.get("/overview").await?.location() == Some("/support"), "overview for support staff");

    let tenant_page = support.get("/support/tenants/acme").await?;
    ensure!(
        tenant_page.status == 200 && tenant_page.contains("owner@acme.test"),
        "tenant page: {}",
        tenant_page.status
    );
    ensure!(
        !tenant_page.contains("<form") || !tenant_page.contains("/settings/members/"),
        "support page offers changes"
    );
    let tenant = app.store().tenant_by_slug("acme").await?;
    let audit = app.store().tenant(&tenant.id).audit_log(5).await?;
    ensure!(
        audit.iter().any(|e| e.action == "support.viewed" && e.actor == "support:help@hitch.test"),
        "support access not in the tenant's audit log: {audit:?}"
    );
    ensure!(support.get("/support/tenants/nope").await?.status == 404, "unknown tenant");

    let owner = app.browser();
    owner.login("owner@acme.test", PASSWORD).await?;
    ensure!(owner.get("/support").await?.status == 403, "support console open to a tenant owner");
    Ok(())
}
