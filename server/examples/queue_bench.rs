//! Queue throughput of no-op jobs (issue #5): the job queue's own machinery, with a real
//! store and no sync engine. Used by bench/scheduler.sh; see BENCHMARKS.md.
//!
//! Opens a fresh database (migrated), creates `--tenants` workspaces with `--recipes` recipes
//! in all, `--recipes-per-connection` recipes sharing one source/destination connection pair.
//! A recipe has at most one queued job, so each round enqueues one job per recipe
//! (`Store::enqueue_recipe_run`, as a manual run: job row + queued run row, one transaction),
//! then `--workers` tasks drain the queue, each looping over what a worker does around a run
//! (`Worker::run`): it hands the job it ended ("done") to the process's shared `Claimer` and
//! gets its next job in the same round (workers free at the same moment share one statement
//! that settles their ended jobs and one claim statement; lease, skip locked on PostgreSQL;
//! the claimer's re-check of connection limits after the claim, `over_limit`). A job found
//! over its connection's limit is given back by the claimer, as in `hitch serve`, and claimed
//! again a moment later.
//!
//! ```sh
//! cargo run --release -p hitch --example queue_bench -- --database-url sqlite:///tmp/q.db?mode=rwc
//! ```
//!
//! Prints one JSON line: enqueue/s and jobs/s (settled and claimed again) per round and overall,
//! plus the latency percentiles of a round as a worker sees it (`claim`: from handing over its
//! job to getting the next).

// A command-line tool: its result is the JSON line it prints.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use hitch::domain::TenantName;
use hitch::jobs::claimer::Claimer;
use hitch::metrics::QueueCounters;
use hitch::storage::{Finish, Job, RecipeInput, Store, TenantId, new_id};
use serde_json::json;

#[derive(Parser, Debug)]
struct Args {
    /// A fresh database: `sqlite:///path/q.db?mode=rwc` or `postgres://.../db` (migrated here).
    #[arg(long)]
    database_url: String,
    /// Concurrent worker tasks.
    #[arg(long, default_value_t = 8)]
    workers: usize,
    /// Workspaces the recipes are spread over.
    #[arg(long, default_value_t = 10)]
    tenants: usize,
    /// Recipes in all: the jobs queued per round (the queue's backlog when a round starts).
    #[arg(long, default_value_t = 1000)]
    recipes: usize,
    /// Recipes sharing one source/destination connection pair (4 runs at once each).
    #[arg(long, default_value_t = 10)]
    recipes_per_connection: usize,
    /// Enqueue-then-drain rounds.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Pool size (default: workers + 2).
    #[arg(long)]
    pool: Option<u32>,
}

#[derive(Default)]
struct Counters {
    done: AtomicU64,
    idle: AtomicU64,
    /// When the last job was settled, in µs since the drain started: the drain's length
    /// (workers idling in their 20 ms poll after that are not the queue's time).
    drained_us: AtomicU64,
}

fn percentiles(mut v: Vec<u64>) -> serde_json::Value {
    if v.is_empty() {
        return json!(null);
    }
    v.sort_unstable();
    let at = |p: f64| {
        let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i] as f64 / 1000.0
    };
    json!({"p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": at(1.0)})
}

async fn setup(store: &Store, args: &Args) -> anyhow::Result<Vec<(TenantId, String)>> {
    let mut recipes = Vec::with_capacity(args.recipes);
    let per_tenant = args.recipes.div_ceil(args.tenants);
    for t in 0..args.tenants {
        let name = TenantName::parse(&format!("Queue bench {t}")).map_err(|e| anyhow::anyhow!("{e}"))?;
        let tenant = store.create_tenant(&name).await?;
        let scope = store.tenant(&tenant.id);
        let mut pair = (String::new(), String::new());
        for i in 0..per_tenant.min(args.recipes - recipes.len()) {
            if i % args.recipes_per_connection.max(1) == 0 {
                pair = (new_id(), new_id());
                scope.create_connection(&pair.0, "stripe", &format!("stripe {i}"), "api_key", None, None).await?;
                scope.create_connection(&pair.1, "hubspot", &format!("hubspot {i}"), "api_key", None, None).await?;
            }
            let input = RecipeInput {
                name: format!("no-op {t}/{i}"),
                source_connection_id: pair.0.clone(),
                source_object: "customers".into(),
                destination_connection_id: pair.1.clone(),
                destination_object: "contacts".into(),
                mapping: r#"{"rules":[]}"#.into(),
                mode: "incremental".into(),
                delete_policy: "ignore".into(),
                upsert_key: "email".into(),
                enabled: true,
                trigger: r#"{"kind":"manual"}"#.into(),
                scheduled: false,
            };
            let id = new_id();
            scope.create_recipe(&id, &input, None).await?;
            recipes.push((tenant.id.clone(), id));
        }
    }
    Ok(recipes)
}

/// One worker: hand over the ended job and claim the next (one claimer round) until every job
/// is done; a job counts as done once a round has settled it.
async fn drain(claimer: Claimer, counters: Arc<Counters>, target: u64, start: Instant) -> anyhow::Result<Vec<u64>> {
    let mut round_us = Vec::new();
    let mut ended: Option<Finish> = None;
    loop {
        let t0 = Instant::now();
        let settling = ended.is_some();
        let job: Option<Job> = match ended.take() {
            Some(finish) => claimer.finish_and_claim(finish).await?,
            None => claimer.claim().await?,
        };
        if settling {
            counters.done.fetch_add(1, Ordering::Relaxed);
            counters.drained_us.fetch_max(start.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        let Some(job) = job else {
            if counters.done.load(Ordering::Relaxed) >= target {
                break;
            }
            // Only given-back jobs, or jobs other workers are settling, are left.
            counters.idle.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        round_us.push(t0.elapsed().as_micros() as u64);
        let owner = job.lease_owner.clone().unwrap_or_default();
        ended = Some(Finish { job_id: job.id, owner, status: "done".into(), error: String::new() });
    }
    Ok(round_us)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.workers > 0 && args.tenants > 0 && args.recipes > 0, "workers, tenants, recipes must be > 0");
    let pool = args.pool.unwrap_or(u32::try_from(args.workers).unwrap_or(64) + 2);
    let store = Store::connect(&args.database_url, pool).await.context("connect")?;
    store.migrate().await.context("migrate")?;
    let t = Instant::now();
    let recipes = Arc::new(setup(&store, &args).await?);
    let setup_s = t.elapsed().as_secs_f64();

    let mut rounds = Vec::new();
    let (mut enq_total, mut enq_secs, mut done_total, mut drain_secs) = (0u64, 0f64, 0u64, 0f64);
    let mut claims = Vec::new();
    // One set of counters for every round's claimer, as `/metrics` shows them for a process.
    let claimer_counts = Arc::new(QueueCounters::default());
    for round in 0..args.rounds {
        // Enqueue: the same number of concurrent tasks as workers, each taking every W-th recipe.
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..args.workers {
            let (store, recipes) = (store.clone(), recipes.clone());
            let step = args.workers;
            tasks.spawn(async move {
                let mut n = 0u64;
                for (tenant, recipe) in recipes.iter().skip(w).step_by(step) {
                    let queued = store.enqueue_recipe_run(tenant, recipe, "api", None, 5, None).await?;
                    anyhow::ensure!(!queued.coalesced, "recipe {recipe} already had a queued job");
                    n += 1;
                }
                anyhow::Ok(n)
            });
        }
        let mut enqueued = 0;
        while let Some(n) = tasks.join_next().await {
            enqueued += n??;
        }
        let enq_s = t.elapsed().as_secs_f64();

        // Drain.
        let counters = Arc::new(Counters::default());
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        // One claimer shared by the workers, as in `hitch serve` (startup::Workers).
        let claimer = Claimer::start(store.clone(), 60_000, claimer_counts.clone());
        for _ in 0..args.workers {
            tasks.spawn(drain(claimer.clone(), counters.clone(), enqueued, t));
        }
        while let Some(got) = tasks.join_next().await {
            claims.extend(got??);
        }
        let drain_s = counters.drained_us.load(Ordering::Relaxed) as f64 / 1e6;
        let done = counters.done.load(Ordering::Relaxed);
        rounds.push(json!({
            "round": round, "enqueued": enqueued, "enqueue_s": enq_s, "enqueue_per_s": enqueued as f64 / enq_s,
            "done": done, "drain_s": drain_s, "jobs_per_s": done as f64 / drain_s,
            "idle_polls": counters.idle.load(Ordering::Relaxed),
        }));
        enq_total += enqueued;
        enq_secs += enq_s;
        done_total += done;
        drain_secs += drain_s;
    }
    let out = json!({
        "backend": format!("{:?}", store.backend()),
        "workers": args.workers, "pool": pool, "tenants": args.tenants, "recipes": args.recipes,
        "recipes_per_connection": args.recipes_per_connection, "rounds": args.rounds, "setup_s": setup_s,
        "enqueue_per_s": enq_total as f64 / enq_secs, "jobs_per_s": done_total as f64 / drain_secs,
        "jobs": done_total,
        "claim": percentiles(claims),
        "claimer": {
            "rounds": claimer_counts.rounds.load(Ordering::Relaxed), "claimed": claimer_counts.claimed.load(Ordering::Relaxed),
            "settled": claimer_counts.settled.load(Ordering::Relaxed),
            "given_back": claimer_counts.given_back.load(Ordering::Relaxed),
        },
        "per_round": rounds,
    });
    println!("{out}");
    store.close().await;
    Ok(())
}
