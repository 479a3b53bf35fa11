//! Classifying database errors: what is the connection's fault, what is one record's.

use sqlx::postgres::PgDatabaseError;

use crate::sync::connector::SyncError;

/// The SQLSTATE of a database error, if it is one.
pub(super) fn sqlstate(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// Whether this error belongs to the row being written (bad value, constraint, trigger) rather
/// than to the connection or the statement: the batch is then retried row by row.
pub(super) fn is_per_record(err: &sqlx::Error) -> bool {
    sqlstate(err).is_some_and(|code| {
        // 21 cardinality (one key twice in a batch), 22 data exception, 23 integrity
        // constraint, 27 triggered data change, 44 WITH CHECK OPTION, 09 and P0 errors
        // raised by triggers.
        ["21", "22", "23", "27", "44", "09", "P0"].iter().any(|class| code.starts_with(class))
    })
}

/// A data exception (class 22): a value PostgreSQL cannot take as the column's type.
pub(super) fn is_data_exception(err: &sqlx::Error) -> bool {
    sqlstate(err).is_some_and(|code| code.starts_with("22"))
}

/// Classifies an error; messages are the database's own words and never contain the
/// connection URL (it holds the password).
pub(super) fn classify(err: &sqlx::Error) -> SyncError {
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let message = db.message().to_owned();
            // 28000 no such role or not allowed, 28P01 wrong password; 3D000 no such
            // database: the connection's settings are wrong, a person must fix them.
            if code.starts_with("28") || code == "3D000" {
                return SyncError::Auth { message };
            }
            // 08 connection exception, 53 insufficient resources, 57P0x shutting down,
            // 57014 cancelled (statement timeout), 40001/40P01 serialization failure or
            // deadlock, 55P03 lock not available: all pass with time.
            let transient = ["08", "53", "57P0", "57014", "40001", "40P01", "55P03", "58"];
            if transient.iter().any(|p| code.starts_with(p)) {
                return SyncError::Retryable { message };
            }
            let pg = db.try_downcast_ref::<PgDatabaseError>();
            let column = pg.and_then(PgDatabaseError::column).map(str::to_owned);
            // Unique and foreign-key violations say which value in the detail.
            let message = match pg.and_then(PgDatabaseError::detail) {
                Some(detail) if code == "23505" || code == "23503" => format!("{message}: {detail}"),
                _ => message,
            };
            let fields = column.map(|c| vec![(c, message.clone())]).unwrap_or_default();
            SyncError::Permanent { message, fields }
        }
        sqlx::Error::Io(e) => SyncError::retryable(format!("could not reach the database: {}", e.kind())),
        sqlx::Error::Tls(_) => SyncError::retryable("TLS negotiation with the database failed"),
        sqlx::Error::PoolTimedOut => SyncError::retryable("timed out waiting for a database connection"),
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            SyncError::retryable("the database connection pool is closed")
        }
        sqlx::Error::Protocol(_) => SyncError::retryable("the database connection broke off"),
        sqlx::Error::Configuration(_) => SyncError::permanent(
            "the connection URL is not valid: enter one like postgres://user:password@host:5432/database",
        ),
        other => SyncError::permanent(format!("database error: {other}")),
    }
}
