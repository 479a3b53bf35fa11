//! HubSpot contacts -> a PostgreSQL table: the first run, an unchanged re-run, a few changes,
//! and a lookup with no match. Needs a PostgreSQL server (`HITCH_TEST_DATABASE_URL`) for the
//! destination table, whichever backend Hitch itself runs on.

use anyhow::{Context, ensure};
use hitch_tests::{Backend, TestApp};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::sync::{HUBSPOT_TOKEN, setup};

/// A fresh database holding the destination table, dropped after the test.
pub struct Destination {
    pub url: String,
    admin: String,
    name: String,
}

impl Destination {
    pub async fn create(table_sql: &str) -> anyhow::Result<Destination> {
        let admin = Backend::postgres_admin_url().context("HITCH_TEST_DATABASE_URL is not set")?;
        let name = format!("hitch_dest_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        conn.close().await?;
        let base = admin.split('?').next().unwrap_or(&admin);
        let url = format!("{}/{name}", &base[..base.rfind('/').context("database URL without a path")?]);
        // A pool, not a bare connection: sqlx's `&mut PgConnection` executor trips the
        // Send checker inside boxed test futures.
        let db = sqlx::PgPool::connect(&url).await?;
        sqlx::raw_sql(table_sql).execute(&db).await?;
        db.close().await;
        Ok(Destination { url, admin, name })
    }

    pub async fn scalar(&self, sql: &str) -> anyhow::Result<i64> {
        let db = sqlx::PgPool::connect(&self.url).await?;
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db).await?;
        db.close().await;
        Ok(n)
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn).await?;
        conn.close().await?;
        Ok(())
    }
}

fn count(run: &Value, what: &str) -> i64 {
    run["counts"][what].as_i64().unwrap_or(-1)
}

pub const TABLE: &str = "CREATE TABLE contacts_copy (
    hubspot_id text PRIMARY KEY,
    email text,
    full_name text NOT NULL,
    stage text,
    synced_at timestamptz NOT NULL DEFAULT now()
)";

pub async fn hubspot_contacts_to_a_postgres_table(app: TestApp) -> anyhow::Result<()> {
    let dest = Destination::create(TABLE).await?;
    let outcome = run_scenario(app, &dest).await;
    dest.drop().await?;
    outcome
}

async fn run_scenario(app: TestApp, dest: &Destination) -> anyhow::Result<()> {
    let s = setup(app).await?;
    s.control("/_sandbox/hubspot/reset", json!({"seed": 3, "counts": {"contacts": 450}})).await?;
    let hubspot = s.connect("hubspot", json!({"access_token": HUBSPOT_TOKEN})).await?;
    let postgres = s.connect("postgres", json!({"url": dest.url})).await?;
    let recipe = json!({
        "name": "HubSpot contacts to the warehouse",
        "source_connection_id": hubspot, "source_object": "contacts",
        "destination_connection_id": postgres, "destination_object": "contacts_copy",
        "mapping": {"rules": [
            {"target": "hubspot_id", "source": {"field": "_id"}},
            {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "trim"}, {"op": "lower"}]},
            {"target": "full_name", "source": {"template": "{{firstname}} {{lastname}}"}, "transforms": [{"op": "trim"}], "default": "(no name)"},
            {"target": "stage", "source": {"field": "lifecyclestage"},
             "transforms": [{"op": "lookup", "table": {"lead": "Lead", "customer": "Customer", "subscriber": "Subscriber"}, "on_missing": "keep"}]}
        ]},
        "mode": "incremental", "upsert_key": "hubspot_id"
    });
    let (status, created) = s.post("/api/v1/recipes", recipe).await?;
    ensure!(status == 201, "create: {status} {created}");
    let id = created["id"].as_str().context("id")?.to_owned();

    let first = s.run(&id).await?;
    ensure!(
        first["status"] == "succeeded" && count(&first, "read") == 450 && count(&first, "created") == 450,
        "{first}"
    );
    ensure!(dest.scalar("SELECT count(*) FROM contacts_copy").await? == 450, "rows after the first run");
    ensure!(dest.scalar("SELECT count(DISTINCT hubspot_id) FROM contacts_copy").await? == 450, "duplicate keys");
    ensure!(dest.scalar("SELECT count(*) FROM contacts_copy WHERE stage = 'Lead'").await? > 0, "lookup not applied");

    let second = s.run(&id).await?;
    ensure!(
        second["status"] == "succeeded" && count(&second, "created") + count(&second, "updated") == 0,
        "unchanged re-run wrote: {second}"
    );

    s.control("/_sandbox/hubspot/contacts/touch", json!({"count": 5})).await?;
    let third = s.run(&id).await?;
    ensure!(count(&third, "read") >= 5 && count(&third, "updated") <= 5 && count(&third, "created") == 0, "{third}");
    ensure!(dest.scalar("SELECT count(*) FROM contacts_copy").await? == 450, "rows after the changes");

    // A full refresh of unchanged data rewrites nothing: the identity map's hashes match.
    let spec = s.get(&format!("/api/v1/recipes/{id}")).await?;
    let mut full = spec.clone();
    if let Some(obj) = full.as_object_mut() {
        for k in ["id", "cursor", "next_run_at", "created_at", "updated_at"] {
            obj.remove(k);
        }
        obj.insert("mode".into(), json!("full"));
    }
    let resp =
        s.app.api().put(s.app.url(&format!("/api/v1/recipes/{id}"))).bearer_auth(&s.token).json(&full).send().await?;
    ensure!(resp.status() == 200, "switch to full: {}", resp.status());
    let fourth = s.run(&id).await?;
    ensure!(count(&fourth, "read") == 450 && count(&fourth, "unchanged") == 450, "{fourth}");
    s.app.stop().await
}
