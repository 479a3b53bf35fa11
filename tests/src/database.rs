//! A fresh database per test: a SQLite file in a temporary folder, or a new PostgreSQL
//! database created on the server named by `HITCH_TEST_DATABASE_URL` and dropped afterwards.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The PostgreSQL server URL tests create their databases on, if configured.
    pub fn postgres_admin_url() -> Option<String> {
        std::env::var("HITCH_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty())
    }
}

pub struct TestDatabase {
    url: String,
    dir: PathBuf,
    /// (admin URL, database name) for PostgreSQL, to drop it afterwards.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> anyhow::Result<TestDatabase> {
        let dir = std::env::temp_dir().join(format!("hitch-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", dir.join("hitch.db").display());
                Ok(TestDatabase { url, dir, postgres: None })
            }
            Backend::Postgres => {
                let admin = Backend::postgres_admin_url().context("HITCH_TEST_DATABASE_URL is not set")?;
                let name = format!("hitch_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .with_context(|| "connect to PostgreSQL at HITCH_TEST_DATABASE_URL (is it running?)")?;
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
                conn.close().await?;
                let url = replace_database(&admin, &name)?;
                Ok(TestDatabase { url, dir, postgres: Some((admin, name)) })
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// Drops the PostgreSQL database (closing any connection left) and the temporary folder.
    pub async fn destroy(self) -> anyhow::Result<()> {
        if let Some((admin, name)) = &self.postgres {
            let mut conn = sqlx::PgConnection::connect(admin).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
            conn.close().await?;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

/// The admin URL with its database path replaced by `name`.
fn replace_database(admin: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let scheme_end = base.find("://").context("PostgreSQL URL without scheme")? + 3;
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    Ok(url)
}
