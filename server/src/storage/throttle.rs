//! Failed sign-in bookkeeping for throttling. Kept in the database so that every process
//! behind a load balancer counts the same failures.

use super::{Store, StoreResult, get_i64};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn record_login_failure(&self, email: &str, ip: &str, at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(ip)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failures since `since` for this email and for this address: (by email, by ip), plus
    /// the time of the oldest failure by email in that window (for "try again in N minutes").
    #[tracing::instrument(skip_all)]
    pub async fn login_failures_since(
        &self,
        email: &str,
        ip: &str,
        since: i64,
    ) -> StoreResult<(i64, i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at >= $3) AS by_email,
               (SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at >= $3) AS by_ip,
               (SELECT MIN(at) FROM login_failures WHERE email = $1 AND at >= $3) AS oldest",
        )
        .bind(email)
        .bind(ip)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((get_i64(&row, "by_email")?, get_i64(&row, "by_ip")?, super::get_opt_i64(&row, "oldest")?))
    }

    /// Forgets an email's failures after it signs in successfully.
    #[tracing::instrument(skip_all)]
    pub async fn clear_login_failures(&self, email: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE email = $1").bind(email).execute(&self.pool).await?;
        Ok(())
    }

    /// Housekeeping: drops failures older than `before`.
    #[tracing::instrument(skip_all)]
    pub async fn prune_login_failures(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(before).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
