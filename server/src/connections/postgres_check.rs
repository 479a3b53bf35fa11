//! The PostgreSQL connector's check: connect with the given URL and run one query.

use std::time::Instant;

use sqlx::Connection;

use super::ConnectError;
use super::check::{Account, Checked, DB_CHECK_TIMEOUT};
use super::credentials::Credentials;

/// Parses and validates a connection URL; returns (url, "user@host:port/db" for display).
pub fn validate_url(raw: &str) -> Result<(String, String), ConnectError> {
    let bad =
        || ConnectError::Invalid("Enter a connection URL like postgres://user:password@host:5432/database.".into());
    let parsed = url::Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") || parsed.host_str().is_none() {
        return Err(bad());
    }
    let db = parsed.path().trim_start_matches('/');
    let shown = format!(
        "{}@{}:{}/{}",
        parsed.username(),
        parsed.host_str().unwrap_or_default(),
        parsed.port().unwrap_or(5432),
        if db.is_empty() { parsed.username() } else { db }
    );
    Ok((raw.trim().to_owned(), shown))
}

pub async fn check_postgres(provider: &str, creds: &Credentials, sql: &str) -> Result<Checked, ConnectError> {
    let raw = creds.field("url").ok_or_else(|| ConnectError::Invalid("The connection URL is missing.".into()))?;
    let (url, shown) = validate_url(raw)?;
    let started = Instant::now();
    let attempt = async {
        let mut conn = sqlx::PgConnection::connect(&url).await?;
        let row: (String,) = sqlx::query_as(sql).fetch_one(&mut conn).await?;
        conn.close().await?;
        Ok::<String, sqlx::Error>(row.0)
    };
    let id = match tokio::time::timeout(DB_CHECK_TIMEOUT, attempt).await {
        Err(_) => {
            return Err(ConnectError::Timeout { provider: provider.into(), what: "connecting to the database".into() });
        }
        Ok(Err(err)) => return Err(db_error(provider, &err)),
        Ok(Ok(id)) => id,
    };
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    Ok(Checked { account: Account { id, name: shown }, millis })
}

/// The database's own words, without the URL (it holds the password).
fn db_error(provider: &str, err: &sqlx::Error) -> ConnectError {
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            // 28P01 wrong password, 28000 no such role or not allowed: credentials problems.
            if code.starts_with("28") || code == "3D000" {
                ConnectError::Auth { provider: provider.into(), message: db.message().to_owned() }
            } else {
                ConnectError::Provider { provider: provider.into(), status: 0, message: db.message().to_owned() }
            }
        }
        sqlx::Error::Io(e) => ConnectError::Network { provider: provider.into(), message: e.kind().to_string() },
        sqlx::Error::Tls(_) => {
            ConnectError::Network { provider: provider.into(), message: "TLS negotiation failed".into() }
        }
        _ => ConnectError::Network { provider: provider.into(), message: "the database connection failed".into() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_without_password() {
        let (_, shown) = validate_url("postgres://app:s3cret@db.internal:6543/sales").unwrap_or_default();
        assert_eq!(shown, "app@db.internal:6543/sales");
        assert!(validate_url("mysql://x@y/z").is_err());
        assert!(validate_url("not a url").is_err());
    }
}
