//! Test helpers: start the real server on a random port against a fresh database, and drive
//! it over HTTP like a browser (cookie jar, forms with their CSRF token) or an API client.

mod browser;
mod database;
pub mod oauth;

use std::time::Duration;

use anyhow::Context;
pub use browser::{Browser, Page, encode as browser_encode};
pub use database::{Backend, TestDatabase};
use hitch::config::Settings;
use hitch::startup::Application;
use hitch::state::AppState;
use hitch::storage::Store;

/// A fixed master key for tests (base64 of 32 bytes); tests never touch real credentials.
pub const TEST_MASTER_KEY: &str = "aGl0Y2gtdGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODk=";

/// A running server and what a test needs to reach it.
pub struct TestApp {
    pub base: String,
    db_url: String,
    data_dir: std::path::PathBuf,
    pub state: AppState,
    pub settings: Settings,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts a server on 127.0.0.1:0 against `db`, with optional extra `HITCH_*` settings.
    pub async fn spawn(db: &TestDatabase, extra_env: &[(&str, &str)]) -> anyhow::Result<TestApp> {
        Self::spawn_on(db.url(), db.data_dir(), extra_env).await
    }

    /// Another server process sharing this one's database (as `hitch serve` on a second host).
    pub async fn sibling(&self, extra_env: &[(&str, &str)]) -> anyhow::Result<TestApp> {
        Self::spawn_on(&self.db_url, &self.data_dir, extra_env).await
    }

    async fn spawn_on(db_url: &str, data_dir: &std::path::Path, extra_env: &[(&str, &str)]) -> anyhow::Result<TestApp> {
        if std::env::var_os("TEST_LOG").is_some() {
            hitch::telemetry::init(hitch::config::LogFormat::Pretty);
        }
        let mut env: Vec<(String, String)> = vec![
            ("HITCH_BIND".into(), "127.0.0.1:0".into()),
            ("HITCH_DATABASE_URL".into(), db_url.into()),
            ("HITCH_DATA_DIR".into(), data_dir.display().to_string()),
            ("HITCH_MASTER_KEY".into(), TEST_MASTER_KEY.into()),
            ("HITCH_DB_MAX_CONNECTIONS".into(), "5".into()),
        ];
        // Extra settings replace the defaults above.
        env.retain(|(k, _)| !extra_env.iter().any(|(extra, _)| extra == k));
        env.extend(extra_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let settings = Settings::from_sources(&env, std::path::Path::new("/nonexistent/hitch.toml"))?;
        let app = Application::build(settings).await?;
        let addr = app.local_addr()?;
        let state = app.state().clone();
        let settings = (*state.settings).clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = rx.await;
        }));
        let test_app = TestApp {
            base: format!("http://{addr}"),
            db_url: db_url.to_owned(),
            data_dir: data_dir.to_path_buf(),
            state,
            settings,
            shutdown: Some(tx),
            task: Some(task),
        };
        test_app.wait_ready().await?;
        Ok(test_app)
    }

    /// Polls /readyz until it answers 200, with a deadline (never a fixed sleep).
    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(resp) = client.get(format!("{}/readyz", self.base)).send().await
                && resp.status().is_success()
            {
                return Ok(());
            }
            anyhow::ensure!(tokio::time::Instant::now() < deadline, "server at {} not ready within 10 s", self.base);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The database this server uses (tests read it raw to prove what is not in it).
    pub fn db_url(&self) -> &str {
        &self.db_url
    }

    /// Runs one statement straight on this server's database (what no API may do: move a
    /// job's time, break a table on purpose).
    pub async fn sql(&self, statement: &str) -> anyhow::Result<()> {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db_url).await?;
        sqlx::query(statement).execute(&pool).await?;
        pool.close().await;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// A second server on this database that talks to `hitch sandbox` (running at `sandbox`)
    /// instead of the real providers, with short provider timeouts.
    pub async fn with_sandbox(&self, sandbox: &str) -> anyhow::Result<TestApp> {
        self.sibling(&[("HITCH_PROVIDERS_SANDBOX", sandbox), ("HITCH_PROVIDER_TIMEOUT_SECS", "3")]).await
    }

    /// A fresh browser (its own cookie jar) pointed at this server.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// A plain HTTP client for API calls (no cookies, no redirects followed).
    pub fn api(&self) -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.context("server task panicked")??;
        }
        Ok(())
    }

    /// Creates a workspace through the sign-up form and returns the signed-in browser.
    pub async fn signup(&self, company: &str, email: &str) -> anyhow::Result<Browser> {
        let browser = self.browser();
        let page = browser
            .submit("/signup", "/signup", &[("company", company), ("email", email), ("password", PASSWORD)])
            .await?;
        anyhow::ensure!(
            page.status == 303 && page.location() == Some("/overview"),
            "sign-up failed: {} {}",
            page.status,
            page.text_excerpt()
        );
        Ok(browser)
    }

    /// An API token for a tenant, made the way scripts make one (through storage).
    pub async fn token(&self, tenant_slug: &str, role: hitch::domain::Role) -> anyhow::Result<String> {
        use hitch::auth::tokens;
        let tenant = self.store().tenant_by_slug(tenant_slug).await?;
        let secret = tokens::generate(tokens::API_TOKEN_PREFIX);
        self.store()
            .tenant(&tenant.id)
            .create_api_token("test", role, &tokens::hash(&secret), &tokens::last_four(&secret), None)
            .await?;
        Ok(secret)
    }
}

/// The password every test user signs up with.
pub const PASSWORD: &str = "correct horse battery";
