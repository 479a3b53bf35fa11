//! What the process-level tests share: spawning the real `hitch` binary, polling with a
//! deadline, throw-away PostgreSQL databases. Each test binary uses a part of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

pub const BIN: &str = env!("CARGO_BIN_EXE_hitch");
pub const MASTER_KEY: &str = "aGl0Y2gtdGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODk=";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A scratch folder for one test's processes; their logs land there as `{name}.log`.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hitch-{test}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A process the test started. Dropped while still running (a failed assertion), it is
/// killed, so no server outlives its test.
pub struct Proc(Child);

impl Proc {
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Sends `signal` (TERM, KILL) and waits for the process to exit.
    pub fn signal(&mut self, signal: &str) {
        Command::new("kill").args([&format!("-{signal}"), &self.0.id().to_string()]).status().unwrap();
        self.0.wait().unwrap();
    }

    pub fn is_running(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `hitch {args}` in `dir` with `env` (and no inherited database URL); stderr goes to
/// `dir/{name}.log`, for [`log_tail`] when something fails.
pub fn spawn(dir: &Path, name: &str, env: &[(&str, String)], args: &[&str]) -> Proc {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    let child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("HITCH_DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Proc(child)
}

/// The last lines a spawned process logged.
pub fn log_tail(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Runs `hitch {args}` to completion and returns its trimmed stdout.
pub fn output(dir: &Path, env: &[(&str, String)], args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("HITCH_DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Polls `probe` every 25 ms until it answers, or fails the test after `secs`.
pub async fn until<T>(what: &str, secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits for `url` to answer 200.
pub async fn ready(url: &str) {
    until(url, 30, async || reqwest::get(url).await.ok().filter(|r| r.status() == 200).map(|_| ())).await;
}

/// A throw-away PostgreSQL database on the server `HITCH_TEST_DATABASE_URL` names; `None`
/// (the test says it was skipped) when the variable is not set.
pub struct PgDatabase {
    admin: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(test: &str) -> Option<PgDatabase> {
        let Ok(admin) = std::env::var("HITCH_TEST_DATABASE_URL") else {
            eprintln!("note: {test} SKIPPED: set HITCH_TEST_DATABASE_URL to run it");
            return None;
        };
        let name = format!("hitch_{test}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
        Some(PgDatabase { admin, name, url })
    }

    /// The first column of the first row of `sql`, as i64.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut conn).await.unwrap();
        n
    }

    pub async fn drop_it(self) {
        let mut conn = sqlx::PgConnection::connect(&self.admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name)).execute(&mut conn).await.unwrap();
    }
}
