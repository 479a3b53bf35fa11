//! Request budgets: one token bucket per connection, shared by every run in every process
//! (the table's comment in migrations/*/20261127090000_connection_limits.sql says how).
//!
//! Taking a request is one conditional UPDATE, so two processes can never both take the last
//! token: the row lock (PostgreSQL) or the single writer (SQLite) orders them.

use super::{StoreResult, TenantStore, get_i64, now_ms};

/// Millionths of a request per request.
const ONE: i64 = 1_000_000;

/// A provider's documented rate: `requests` per `per_seconds`, with a burst of `requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRate {
    pub requests: u32,
    pub per_seconds: u32,
}

impl RequestRate {
    fn capacity(self) -> i64 {
        i64::from(self.requests) * ONE
    }

    /// Millionths of a request added per millisecond (at least 1).
    fn refill_per_ms(self) -> i64 {
        (self.capacity() / (i64::from(self.per_seconds.max(1)) * 1000)).max(1)
    }

    /// How long an empty bucket takes to fill; refills never count longer than this, which
    /// keeps the arithmetic far from overflow.
    fn window_ms(self) -> i64 {
        i64::from(self.per_seconds.max(1)) * 1000
    }
}

/// What a connection's budget has seen, for the people looking after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetUse {
    /// Requests available now (whole ones).
    pub available: i64,
    pub used: i64,
    /// Time runs spent waiting for the budget, in total.
    pub waited_ms: i64,
    /// Times the provider answered 429.
    pub limited: i64,
    /// The provider asked for a pause until then (ms), if it is still ahead.
    pub blocked_until: Option<i64>,
}

/// The bucket's level at `$3` (now), given the rate (`$4` per ms, capacity `$5`, window `$6`),
/// as SQL over the row's `tokens` and `refilled_at`.
const LEVEL: &str = "(CASE WHEN tokens + (CASE WHEN $3 - refilled_at > $6 THEN $6 WHEN $3 > refilled_at THEN $3 - refilled_at ELSE 0 END) * $4 > $5
      THEN $5 ELSE tokens + (CASE WHEN $3 - refilled_at > $6 THEN $6 WHEN $3 > refilled_at THEN $3 - refilled_at ELSE 0 END) * $4 END)";

impl TenantStore<'_> {
    /// `sql` (which uses [`LEVEL`]) with its parameters bound: tenant, connection, now, rate.
    fn level_query<'q>(
        &'q self,
        sql: &'q str,
        connection_id: &'q str,
        now: i64,
        rate: RequestRate,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        sqlx::query(sql)
            .bind(&self.tenant_id.0)
            .bind(connection_id)
            .bind(now)
            .bind(rate.refill_per_ms())
            .bind(rate.capacity())
            .bind(rate.window_ms())
    }

    /// Takes one request from the connection's budget. `None`: taken, go ahead. `Some(ms)`:
    /// none is free; one will be in about that long (or the provider's pause ends then).
    #[tracing::instrument(skip_all)]
    pub async fn take_request(&self, connection_id: &str, rate: RequestRate) -> StoreResult<Option<i64>> {
        for _ in 0..3 {
            let now = now_ms();
            let sql = format!(
                "UPDATE request_budgets SET tokens = {LEVEL} - {ONE}, used = used + 1,
                   refilled_at = CASE WHEN $3 > refilled_at THEN $3 ELSE refilled_at END
                 WHERE tenant_id = $1 AND connection_id = $2 AND blocked_until <= $3 AND {LEVEL} >= {ONE}"
            );
            let taken = self.level_query(&sql, connection_id, now, rate).execute(self.pool()).await?;
            if taken.rows_affected() == 1 {
                return Ok(None);
            }
            let sql = format!(
                "SELECT {LEVEL} AS level, blocked_until FROM request_budgets WHERE tenant_id = $1 AND connection_id = $2"
            );
            let row = self.level_query(&sql, connection_id, now, rate).fetch_optional(self.pool()).await?;
            match row {
                Some(row) => {
                    let (level, blocked_until) = (get_i64(&row, "level")?, get_i64(&row, "blocked_until")?);
                    let per_ms = rate.refill_per_ms();
                    let refill = ((ONE - level).max(0) + per_ms - 1) / per_ms;
                    return Ok(Some((blocked_until - now).max(refill).max(1)));
                }
                // First use: a full bucket (another process may create it at the same
                // moment; either way the UPDATE, again, takes from the one that exists).
                None => {
                    sqlx::query(
                        "INSERT INTO request_budgets (connection_id, tenant_id, tokens, refilled_at)
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(connection_id)
                    .bind(&self.tenant_id.0)
                    .bind(rate.capacity())
                    .bind(now)
                    .execute(self.pool())
                    .await?;
                }
            }
        }
        Ok(Some(1))
    }

    /// The provider refused for being over its limit and asked for a pause until `until`
    /// (ms): every run of this connection waits that long, and the bucket refills from empty.
    #[tracing::instrument(skip_all)]
    pub async fn pause_requests(&self, connection_id: &str, until: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE request_budgets SET tokens = 0, limited = limited + 1,
               blocked_until = CASE WHEN blocked_until < $3 THEN $3 ELSE blocked_until END,
               refilled_at = CASE WHEN refilled_at < $3 THEN $3 ELSE refilled_at END
             WHERE tenant_id = $1 AND connection_id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(connection_id)
        .bind(until)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The latest end of a provider's pause on any of `connection_ids`, if one is ahead.
    #[tracing::instrument(skip_all)]
    pub async fn paused_until(&self, connection_ids: [&str; 2]) -> StoreResult<Option<i64>> {
        let row = sqlx::query(
            "SELECT MAX(blocked_until) AS until FROM request_budgets
             WHERE tenant_id = $1 AND connection_id IN ($2, $3) AND blocked_until > $4",
        )
        .bind(&self.tenant_id.0)
        .bind(connection_ids[0])
        .bind(connection_ids[1])
        .bind(now_ms())
        .fetch_one(self.pool())
        .await?;
        Ok(super::get_opt_i64(&row, "until")?)
    }

    /// Adds to the time runs spent waiting for the budget.
    #[tracing::instrument(skip_all)]
    pub async fn record_budget_wait(&self, connection_id: &str, waited_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE request_budgets SET waited_ms = waited_ms + $3 WHERE tenant_id = $1 AND connection_id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(connection_id)
        .bind(waited_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The budget's state, if the connection has used it yet.
    #[tracing::instrument(skip_all)]
    pub async fn budget_use(&self, connection_id: &str, rate: RequestRate) -> StoreResult<Option<BudgetUse>> {
        let now = now_ms();
        let sql = format!(
            "SELECT {LEVEL} AS level, used, waited_ms, limited, blocked_until FROM request_budgets
             WHERE tenant_id = $1 AND connection_id = $2"
        );
        let row = self.level_query(&sql, connection_id, now, rate).fetch_optional(self.pool()).await?;
        let Some(row) = row else { return Ok(None) };
        let blocked_until = get_i64(&row, "blocked_until")?;
        Ok(Some(BudgetUse {
            available: if blocked_until > now { 0 } else { get_i64(&row, "level")? / ONE },
            used: get_i64(&row, "used")?,
            waited_ms: get_i64(&row, "waited_ms")?,
            limited: get_i64(&row, "limited")?,
            blocked_until: (blocked_until > now).then_some(blocked_until),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_in_millionths() {
        let hubspot = RequestRate { requests: 110, per_seconds: 10 };
        assert_eq!(hubspot.capacity(), 110_000_000);
        assert_eq!(hubspot.refill_per_ms(), 11_000, "11 requests a second");
        let daily = RequestRate { requests: 100_000, per_seconds: 86_400 };
        assert_eq!(daily.refill_per_ms(), 1_157);
        // The largest refill the SQL computes stays far inside i64.
        assert!(daily.window_ms().checked_mul(daily.refill_per_ms()).is_some());
    }
}
