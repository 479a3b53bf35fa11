//! Webhook deliveries stored in groups: one transaction for many deliveries (group commit).
//!
//! For every delivery of a group the transaction checks that its endpoint is not revoked and
//! that its recipe exists and is enabled, joins the run waiting for each recipe (or queues
//! one), and inserts the events with that run (an event id already stored for the endpoint
//! inserts nothing). A run queued for events that all turn out to be stored already is taken
//! back. Either all of it commits or none of it does, so a failed group leaves nothing
//! behind for the providers' retries to trip over.
//!
//! On PostgreSQL several groups can be written at once. Each takes its locks in one global
//! order: queued jobs first, by tenant and recipe, then the events by endpoint and event id.
//! Two groups may wait for each other, but never in a cycle.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::AnyConnection;

use super::jobs::{RunRequest, enqueue_run_on, join_queued_run_on, unqueue_on};
use super::{
    Backend, Enqueued, NewWebhookEvent, Store, StoreResult, TenantId, get_i64, get_opt_i64, get_str, now_ms,
    placeholders,
};

/// Rows per multi-row statement: well under the bind-parameter limits (SQLite 32,766,
/// PostgreSQL 65,535) at six parameters a row.
const CHUNK: usize = 512;

/// A verified delivery to store: the endpoint it came to (as the caller read it) and its
/// events.
#[derive(Debug, Clone)]
pub struct HookDelivery {
    pub tenant_id: TenantId,
    pub endpoint_id: String,
    pub recipe_id: String,
    pub events: Vec<NewWebhookEvent>,
}

/// What became of one delivery of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutcome {
    /// New events were stored and queued `run_id` (or joined it, when `joined`).
    Accepted { run_id: String, joined: bool, fresh: usize },
    /// Every event had been stored before: nothing stored, nothing queued.
    Duplicate,
    /// The endpoint is revoked or gone, or its recipe is: nothing stored.
    Gone,
    /// The recipe is disabled: nothing stored, so the events still count as new once it
    /// is enabled again.
    Disabled,
}

/// An endpoint's row and its recipe's, as the transaction read them.
struct EndpointState {
    tenant_id: String,
    recipe_id: String,
    revoked: bool,
    /// The recipe's `enabled` flag and cursor; `None` when the recipe is gone.
    recipe: Option<(bool, Option<String>)>,
}

impl Store {
    /// Stores a group of deliveries in one transaction and answers each (same order).
    /// `max_attempts` is that of the runs queued. An error means nothing was stored.
    #[tracing::instrument(skip_all, fields(n = deliveries.len()))]
    pub async fn ingest_webhook_deliveries(
        &self,
        deliveries: &[HookDelivery],
        max_attempts: i64,
    ) -> StoreResult<Vec<HookOutcome>> {
        // SQLite: take the write lock first. A transaction that reads and only then writes
        // fails at once (SQLITE_BUSY_SNAPSHOT) when another connection wrote in between.
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        let outcomes = ingest_on(&mut tx, self.backend, deliveries, max_attempts).await?;
        tx.commit().await?;
        Ok(outcomes)
    }
}

async fn ingest_on(
    conn: &mut AnyConnection,
    backend: Backend,
    deliveries: &[HookDelivery],
    max_attempts: i64,
) -> StoreResult<Vec<HookOutcome>> {
    let states = endpoint_states(conn, deliveries).await?;
    let mut outcomes: Vec<Option<HookOutcome>> = deliveries
        .iter()
        .map(|d| match states.get(&d.endpoint_id) {
            Some(s) if s.revoked || s.tenant_id != d.tenant_id.0 || s.recipe_id != d.recipe_id => {
                Some(HookOutcome::Gone)
            }
            Some(EndpointState { recipe: Some((true, _)), .. }) => None,
            Some(EndpointState { recipe: Some((false, _)), .. }) => Some(HookOutcome::Disabled),
            Some(EndpointState { recipe: None, .. }) | None => Some(HookOutcome::Gone),
        })
        .collect();
    let open: Vec<bool> = outcomes.iter().map(Option::is_none).collect();
    let rows = insert_plan(deliveries, &open);

    // The run of each recipe is known before its events are inserted, so the insert writes
    // it: updating the rows afterwards doubled the writes and, the updates being rarely HOT,
    // bloated every index of the table. Usually a run already waits and is joined.
    let mut wanted: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for &(i, _) in &rows {
        wanted.entry((deliveries[i].tenant_id.as_str(), deliveries[i].recipe_id.as_str())).or_insert(i);
    }
    let mut runs: BTreeMap<(&str, &str), Enqueued> = BTreeMap::new();
    for (key, i) in wanted {
        let d = &deliveries[i];
        let run = match join_queued_run_on(conn, &d.recipe_id).await? {
            Some(joined) => joined,
            None => {
                let cursor = states.get(&d.endpoint_id).and_then(|s| s.recipe.as_ref()).and_then(|r| r.1.as_deref());
                let request = RunRequest {
                    tenant_id: &d.tenant_id,
                    recipe_id: &d.recipe_id,
                    trigger: "webhook",
                    dedupe_key: None,
                    max_attempts,
                    cursor_before: cursor,
                };
                enqueue_run_on(conn, backend, request).await?
            }
        };
        runs.insert(key, run);
    }
    let run_of = |i: usize| runs.get(&(deliveries[i].tenant_id.as_str(), deliveries[i].recipe_id.as_str()));
    let fresh = insert_events(conn, deliveries, &rows, &run_of).await?;

    let mut fresh_count = vec![0; deliveries.len()];
    for (&(i, _), new) in rows.iter().zip(fresh) {
        if new {
            fresh_count[i] += 1;
        }
    }
    for (i, outcome) in outcomes.iter_mut().enumerate() {
        if outcome.is_none() {
            *outcome = Some(match (fresh_count[i], run_of(i)) {
                (0, _) | (_, None) => HookOutcome::Duplicate,
                (n, Some(run)) => HookOutcome::Accepted { run_id: run.run_id.clone(), joined: run.coalesced, fresh: n },
            });
        }
    }
    // A run queued for events that all turned out to be stored already is not needed.
    for ((tenant, recipe), run) in &runs {
        let used = deliveries
            .iter()
            .zip(&fresh_count)
            .any(|(d, n)| *n > 0 && d.tenant_id.as_str() == *tenant && d.recipe_id.as_str() == *recipe);
        if !used && !run.coalesced {
            unqueue_on(conn, run).await?;
        }
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(HookOutcome::Duplicate)).collect())
}

/// The endpoints of the group and their recipes, read inside the transaction.
async fn endpoint_states(
    conn: &mut AnyConnection,
    deliveries: &[HookDelivery],
) -> StoreResult<HashMap<String, EndpointState>> {
    let ids: Vec<&str> = deliveries
        .iter()
        .map(|d| d.endpoint_id.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut states = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!(
            "SELECT w.id, w.tenant_id, w.recipe_id, w.revoked_at, r.enabled, r.cursor, r.id AS recipe
             FROM webhook_endpoints w LEFT JOIN recipes r ON r.tenant_id = w.tenant_id AND r.id = w.recipe_id
             WHERE w.id IN ({})",
            placeholders(n, 1)
        );
        let mut query = sqlx::query(&sql);
        for i in 0..n {
            query = query.bind(chunk[i.min(chunk.len() - 1)]);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let recipe = match sqlx::Row::try_get::<Option<String>, _>(&row, "recipe")? {
                Some(_) => {
                    Some((get_i64(&row, "enabled")? != 0, sqlx::Row::try_get::<Option<String>, _>(&row, "cursor")?))
                }
                None => None,
            };
            let state = EndpointState {
                tenant_id: get_str(&row, "tenant_id")?,
                recipe_id: get_str(&row, "recipe_id")?,
                revoked: get_opt_i64(&row, "revoked_at")?.is_some(),
                recipe,
            };
            states.insert(get_str(&row, "id")?, state);
        }
    }
    Ok(states)
}

/// The events to insert, as (delivery, event) indexes: those of open deliveries, each
/// (endpoint, event id) once (its first delivery in the group owns it, as if the group had
/// arrived one by one), sorted by endpoint and event id (the lock order).
fn insert_plan(deliveries: &[HookDelivery], open: &[bool]) -> Vec<(usize, usize)> {
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (i, d) in deliveries.iter().enumerate() {
        if !open[i] {
            continue;
        }
        for (e, event) in d.events.iter().enumerate() {
            if seen.insert((d.endpoint_id.as_str(), event.event_id.as_str())) {
                rows.push((i, e));
            }
        }
    }
    let key =
        |&(i, e): &(usize, usize)| (deliveries[i].endpoint_id.as_str(), deliveries[i].events[e].event_id.as_str());
    rows.sort_by(|a, b| key(a).cmp(&key(b)));
    rows
}

/// Inserts the planned events, each with its recipe's run; for each of `rows`, whether it
/// was new.
async fn insert_events<'d>(
    conn: &mut AnyConnection,
    deliveries: &'d [HookDelivery],
    rows: &[(usize, usize)],
    run_of: &(dyn Fn(usize) -> Option<&'d Enqueued> + Sync),
) -> StoreResult<Vec<bool>> {
    let now = now_ms();
    // The pairs the database returns, matched back to their rows.
    let planned: HashMap<(&str, &str), usize> = rows
        .iter()
        .enumerate()
        .map(|(k, &(i, e))| ((deliveries[i].endpoint_id.as_str(), deliveries[i].events[e].event_id.as_str()), k))
        .collect();
    let mut fresh = vec![false; rows.len()];
    for chunk in rows.chunks(CHUNK) {
        let n = padded(chunk.len());
        // $1 is the time; each row has six more.
        let values: Vec<String> = (0..n)
            .map(|r| {
                let b = 2 + r * 6;
                format!("(${}, ${}, ${}, ${}, ${}, $1, ${})", b, b + 1, b + 2, b + 3, b + 4, b + 5)
            })
            .collect();
        let sql = format!(
            "INSERT INTO webhook_events (tenant_id, endpoint_id, event_id, kind, payload, received_at, run_id)
             VALUES {} ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING endpoint_id, event_id",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(now);
        // Padding repeats the last row, which the conflict clause then skips.
        for r in 0..n {
            let (i, e) = chunk[r.min(chunk.len() - 1)];
            let (d, event) = (&deliveries[i], &deliveries[i].events[e]);
            query = query
                .bind(d.tenant_id.as_str())
                .bind(d.endpoint_id.as_str())
                .bind(event.event_id.as_str())
                .bind(event.kind.as_str())
                .bind(event.payload.as_str())
                .bind(run_of(i).map(|run| run.run_id.as_str()));
        }
        for row in query.fetch_all(&mut *conn).await? {
            let (endpoint, event) = (get_str(&row, "endpoint_id")?, get_str(&row, "event_id")?);
            if let Some(&k) = planned.get(&(endpoint.as_str(), event.as_str())) {
                fresh[k] = true;
            }
        }
    }
    Ok(fresh)
}

/// Statements are prepared once per text and connection, so lists are padded to a power
/// of two: a handful of statement texts instead of one per group size.
fn padded(n: usize) -> usize {
    n.next_power_of_two().min(CHUNK).max(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(endpoint: &str, events: &[&str]) -> HookDelivery {
        HookDelivery {
            tenant_id: TenantId("t".into()),
            endpoint_id: endpoint.into(),
            recipe_id: "r".into(),
            events: events
                .iter()
                .map(|id| NewWebhookEvent { event_id: (*id).into(), kind: String::new(), payload: "{}".into() })
                .collect(),
        }
    }

    #[test]
    fn the_first_delivery_of_an_event_owns_it_and_rows_are_in_lock_order() {
        let group = [delivery("b", &["2", "1"]), delivery("a", &["9"]), delivery("b", &["1", "3"])];
        let rows = insert_plan(&group, &[true, true, true]);
        assert_eq!(rows, vec![(1, 0), (0, 1), (0, 0), (2, 1)]);
    }

    #[test]
    fn refused_deliveries_insert_nothing_and_free_their_events_for_others() {
        let group = [delivery("b", &["1"]), delivery("b", &["1", "1"])];
        assert_eq!(insert_plan(&group, &[false, true]), vec![(1, 0)]);
    }

    #[test]
    fn lists_are_padded_to_a_few_lengths() {
        assert_eq!([1, 2, 3, 5, 200, 512].map(padded), [1, 2, 4, 8, 256, 512]);
        assert_eq!(padded(CHUNK), CHUNK);
        assert_eq!(placeholders(3, 2), "$2, $3, $4");
    }
}
