//! Settings: code defaults, then an optional TOML file, then `HITCH_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: String) -> Self {
        Self(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Everything the server needs to start. Build with [`Settings::load`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: SecretString,
    pub bind: SocketAddr,
    /// The address users reach Hitch at; links in invitations use it. Cookies are `Secure`
    /// when it is https.
    pub public_url: url::Url,
    /// Base64 of 32 bytes; when missing, a key file in the data folder is used (made if needed).
    pub master_key: Option<SecretString>,
    /// Older keys still accepted for opening (during a rotation): `HITCH_PREVIOUS_MASTER_KEYS`,
    /// comma-separated.
    pub previous_master_keys: Vec<SecretString>,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub db_max_connections: u32,
    /// A run whose heartbeat is older than this is taken as abandoned (its process died) and
    /// marked interrupted (`HITCH_RUN_HEARTBEAT_TIMEOUT_SECS`, default 60).
    pub run_heartbeat_timeout: std::time::Duration,
    /// Deadline for one call to a provider (`HITCH_PROVIDER_TIMEOUT_SECS`).
    pub provider_timeout: std::time::Duration,
    /// Workers `hitch serve` runs (`HITCH_WORKERS`, default 2; 0 serves HTTP and schedules
    /// only, leaving runs to `hitch worker` processes).
    pub workers: usize,
    /// Webhook writer tasks (`HITCH_WEBHOOK_WRITERS`, 1 to 16; default 1 on SQLite, 2 on
    /// PostgreSQL): each stores a group of deliveries in one transaction while the next
    /// group gathers.
    pub webhook_writers: Option<usize>,
    /// The clock due times are read from: the wall clock, or a faster one for tests and demos
    /// (`HITCH_SCHEDULER_TIME_SCALE`, `HITCH_SCHEDULER_TIME_ANCHOR_MS`).
    pub scheduler_clock: crate::jobs::clock::SchedulerClock,
    /// `HITCH_PROVIDER_<ID>_*` and `HITCH_PROVIDERS_SANDBOX`, resolved by the provider catalog.
    pub provider_env: ProviderEnv,
}

/// Provider overrides as given; `Debug` names the keys only, since client secrets are among them.
#[derive(Clone, Default)]
pub struct ProviderEnv(pub Vec<(String, String)>);

impl std::fmt::Debug for ProviderEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(k, _)| k)).finish()
    }
}

/// The optional file's shape: every key optional, names as in the environment, lower-case.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<SecretString>,
    bind: Option<String>,
    public_url: Option<String>,
    master_key: Option<SecretString>,
    data_dir: Option<PathBuf>,
    log_format: Option<LogFormat>,
    db_max_connections: Option<u32>,
}

pub const EXAMPLE_CONFIG: &str = r#"# hitch.toml: every key is optional; HITCH_<KEY> in the environment wins over the file.
# database_url = "postgres://hitch@127.0.0.1:5432/hitch"   # default: SQLite in data_dir
# bind = "127.0.0.1:3000"
# public_url = "https://hitch.example.com"                 # default: http://<bind>
# master_key = "<base64 of 32 random bytes>"               # default: <data_dir>/master.key
# data_dir = "./hitch-data"
# log_format = "pretty"                                    # or "json"
# db_max_connections = 10
"#;

impl Settings {
    /// Loads settings from `HITCH_CONFIG` (or `./hitch.toml` when present) and the environment.
    pub fn load() -> anyhow::Result<Settings> {
        let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("HITCH_")).collect();
        Self::from_sources(&env, Path::new("hitch.toml"))
    }

    /// The merge itself, separated from the process environment for tests.
    pub fn from_sources(env: &[(String, String)], default_file: &Path) -> anyhow::Result<Settings> {
        let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
        let file_path = get("HITCH_CONFIG")
            .map(PathBuf::from)
            .or_else(|| default_file.exists().then(|| default_file.to_path_buf()));
        let file = match &file_path {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("read config file {}", path.display()))?;
                toml::from_str::<FileSettings>(&text)
                    .with_context(|| format!("parse config file {}", path.display()))?
            }
            None => FileSettings::default(),
        };

        let data_dir =
            get("HITCH_DATA_DIR").map(PathBuf::from).or(file.data_dir).unwrap_or_else(|| PathBuf::from("hitch-data"));
        let bind_raw = get("HITCH_BIND").or(file.bind).unwrap_or_else(|| "127.0.0.1:3000".into());
        let bind: SocketAddr = bind_raw
            .parse()
            .with_context(|| format!("HITCH_BIND must be an address like 127.0.0.1:3000, got {bind_raw:?}"))?;
        let public_raw = get("HITCH_PUBLIC_URL").or(file.public_url).unwrap_or_else(|| format!("http://{bind}"));
        let public_url = url::Url::parse(&public_raw).with_context(|| {
            format!("HITCH_PUBLIC_URL must be a URL like https://hitch.example.com, got {public_raw:?}")
        })?;
        if !matches!(public_url.scheme(), "http" | "https") {
            anyhow::bail!("HITCH_PUBLIC_URL must be http or https, got {public_raw:?}");
        }
        let database_url = match get("HITCH_DATABASE_URL").map(SecretString::new).or(file.database_url) {
            Some(url) => url,
            None => SecretString::new(format!("sqlite://{}?mode=rwc", data_dir.join("hitch.db").display())),
        };
        crate::storage::Backend::from_url(database_url.expose())
            .map_err(|e| anyhow::anyhow!("HITCH_DATABASE_URL: {e}"))?;
        let log_format = match get("HITCH_LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => anyhow::bail!("HITCH_LOG_FORMAT must be pretty or json, got {other:?}"),
            None => file.log_format.unwrap_or(LogFormat::Pretty),
        };
        let db_max_connections = match get("HITCH_DB_MAX_CONNECTIONS") {
            Some(raw) => {
                raw.parse().with_context(|| format!("HITCH_DB_MAX_CONNECTIONS must be a number, got {raw:?}"))?
            }
            None => file.db_max_connections.unwrap_or(10),
        };
        Ok(Settings {
            database_url,
            bind,
            public_url,
            master_key: get("HITCH_MASTER_KEY").map(SecretString::new).or(file.master_key),
            previous_master_keys: get("HITCH_PREVIOUS_MASTER_KEYS")
                .map(|raw| {
                    raw.split(',')
                        .map(str::trim)
                        .filter(|k| !k.is_empty())
                        .map(|k| SecretString::new(k.into()))
                        .collect()
                })
                .unwrap_or_default(),
            data_dir,
            log_format,
            db_max_connections,
            run_heartbeat_timeout: std::time::Duration::from_secs(match get("HITCH_RUN_HEARTBEAT_TIMEOUT_SECS") {
                Some(raw) => raw.parse::<u64>().ok().filter(|s| (2..=3600).contains(s)).with_context(|| {
                    format!("HITCH_RUN_HEARTBEAT_TIMEOUT_SECS must be 2 to 3600 seconds, got {raw:?}")
                })?,
                None => 60,
            }),
            provider_timeout: std::time::Duration::from_secs(match get("HITCH_PROVIDER_TIMEOUT_SECS") {
                Some(raw) => raw
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (1..=600).contains(s))
                    .with_context(|| format!("HITCH_PROVIDER_TIMEOUT_SECS must be 1 to 600 seconds, got {raw:?}"))?,
                None => 20,
            }),
            workers: match get("HITCH_WORKERS") {
                Some(raw) => raw
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n <= 64)
                    .with_context(|| format!("HITCH_WORKERS must be 0 to 64, got {raw:?}"))?,
                None => 2,
            },
            webhook_writers: match get("HITCH_WEBHOOK_WRITERS") {
                Some(raw) => Some(
                    raw.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=16).contains(n))
                        .with_context(|| format!("HITCH_WEBHOOK_WRITERS must be 1 to 16, got {raw:?}"))?,
                ),
                None => None,
            },
            scheduler_clock: scheduler_clock(&get)?,
            provider_env: ProviderEnv(
                env.iter()
                    .filter(|(k, _)| {
                        (k.starts_with("HITCH_PROVIDER_") && k != "HITCH_PROVIDER_TIMEOUT_SECS")
                            || k == "HITCH_PROVIDERS_SANDBOX"
                    })
                    .cloned()
                    .collect(),
            ),
        })
    }

    pub fn heartbeat_timeout_ms(&self) -> i64 {
        i64::try_from(self.run_heartbeat_timeout.as_millis()).unwrap_or(60_000)
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute link for a path, on the public URL.
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.public_url.as_str().trim_end_matches('/'), path)
    }
}

/// `HITCH_SCHEDULER_TIME_SCALE` (1 to 1000, default 1: real time) and
/// `HITCH_SCHEDULER_TIME_ANCHOR_MS` (default: now; give every process the same one).
fn scheduler_clock(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<crate::jobs::clock::SchedulerClock> {
    use crate::jobs::clock::{MAX_SCALE, SchedulerClock};
    let Some(raw) = get("HITCH_SCHEDULER_TIME_SCALE") else { return Ok(SchedulerClock::REAL) };
    let bad_scale = || format!("HITCH_SCHEDULER_TIME_SCALE must be 1 to {MAX_SCALE}, got {raw:?}");
    let scale = raw.parse::<u32>().with_context(bad_scale)?;
    let anchor = match get("HITCH_SCHEDULER_TIME_ANCHOR_MS") {
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|ms| *ms > 0)
            .with_context(|| format!("HITCH_SCHEDULER_TIME_ANCHOR_MS must be Unix milliseconds, got {raw:?}"))?,
        None => chrono::Utc::now().timestamp_millis(),
    };
    SchedulerClock::scaled(anchor, scale).with_context(bad_scale)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let s = Settings::from_sources(&[], Path::new("/nonexistent/hitch.toml")).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(s.database_url.expose(), "sqlite://hitch-data/hitch.db?mode=rwc");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:3000/");
        assert!(!s.secure_cookies());
    }

    #[test]
    fn env_beats_file() {
        let dir = std::env::temp_dir().join(format!("hitch-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("hitch.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:4000\"\npublic_url = \"https://file.example\"\n").unwrap();
        let s = Settings::from_sources(&env(&[("HITCH_PUBLIC_URL", "https://env.example")]), &file).unwrap();
        assert_eq!(s.bind.port(), 4000);
        assert_eq!(s.public_url.as_str(), "https://env.example/");
        assert!(s.secure_cookies());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_values_are_named() {
        let err = Settings::from_sources(&env(&[("HITCH_BIND", "nowhere")]), Path::new("/x")).unwrap_err();
        assert!(format!("{err:#}").contains("HITCH_BIND"));
        let err = Settings::from_sources(&env(&[("HITCH_DATABASE_URL", "mysql://x")]), Path::new("/x")).unwrap_err();
        assert!(format!("{err:#}").contains("HITCH_DATABASE_URL"));
    }

    #[test]
    fn the_scheduler_clock_is_real_unless_scaled() {
        let s = Settings::from_sources(&[], Path::new("/x")).unwrap();
        assert_eq!(s.scheduler_clock, crate::jobs::clock::SchedulerClock::REAL);
        let fast = env(&[("HITCH_SCHEDULER_TIME_SCALE", "60"), ("HITCH_SCHEDULER_TIME_ANCHOR_MS", "1000")]);
        let s = Settings::from_sources(&fast, Path::new("/x")).unwrap();
        assert_eq!(s.scheduler_clock.at(2000), 61_000);
        let err = Settings::from_sources(&env(&[("HITCH_SCHEDULER_TIME_SCALE", "0")]), Path::new("/x")).unwrap_err();
        assert!(format!("{err:#}").contains("HITCH_SCHEDULER_TIME_SCALE must be 1 to 1000"));
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Settings::from_sources(&env(&[("HITCH_MASTER_KEY", "c2VjcmV0")]), Path::new("/x")).unwrap();
        assert!(!format!("{s:?}").contains("c2VjcmV0"));
    }
}
