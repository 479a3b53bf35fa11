//! A load generator for Hitch's webhook ingest (issue #5), used by bench/scheduler.sh; see
//! BENCHMARKS.md. wrk cannot sign requests, and every request needs a new event id and its
//! own HMAC (a repeated id is acknowledged as a duplicate and not stored, which would
//! measure the dedupe path instead). Pre-signing requests for wrk's Lua would work only up to
//! the number of requests generated in advance and makes the file, not the server, the limit;
//! signing here is a small part of the client's CPU per request.
//!
//! `--connections` tasks each keep one keep-alive HTTP/1.1 connection busy for
//! `--duration-secs`, after `--warmup-secs` not counted. Each request goes to one of the
//! given endpoints (round robin), carries `{"id": "<unique>", "type": "bench.event", ...}`,
//! `X-Hitch-Timestamp` and `X-Hitch-Signature: sha256=HMAC(secret, "{ts}.{body}")` (the
//! generic scheme, server/src/webhooks/generic.rs).
//!
//! ```sh
//! cargo run --release -p hitch --example webhook_load -- --endpoint URL=SECRET --connections 64 --duration-secs 20
//! ```
//!
//! Prints one JSON line: requests/s (2xx), status counts, latency percentiles (ms), and the
//! number of 2xx answers, to compare with the rows stored.

// A command-line tool: its result is the JSON line it prints.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Parser;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

#[derive(Parser, Debug)]
struct Args {
    /// `URL=SECRET`, repeatable: the hook URL (`http://127.0.0.1:PORT/hooks/ID`) and its secret.
    #[arg(long = "endpoint", required = true)]
    endpoints: Vec<String>,
    #[arg(long, default_value_t = 64)]
    connections: usize,
    #[arg(long, default_value_t = 20)]
    duration_secs: u64,
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// A tag in every event id, so runs never reuse ids.
    #[arg(long, default_value = "run")]
    tag: String,
}

struct Tally {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<String, u64>,
    ok: u64,
}

fn sign(secret: &[u8], ts: &str, body: &[u8]) -> String {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn connection(
    n: usize,
    endpoints: Vec<(String, Vec<u8>)>,
    tag: String,
    measure_from: Instant,
    stop_at: Instant,
) -> Tally {
    // One client per task: one connection each, kept alive.
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap_or_default();
    let mut tally = Tally { latencies_us: Vec::new(), statuses: BTreeMap::new(), ok: 0 };
    let mut i: u64 = 0;
    while Instant::now() < stop_at {
        let (url, secret) = &endpoints[(n + i as usize) % endpoints.len()];
        let body = json!({"id": format!("evt_{tag}_{n}_{i}"), "type": "bench.event", "data": {"object": {"n": i, "email": "bench@example.com"}}})
            .to_string();
        i += 1;
        let ts = chrono::Utc::now().timestamp().to_string();
        let signature = sign(secret, &ts, body.as_bytes());
        let t0 = Instant::now();
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-hitch-timestamp", &ts)
            .header("x-hitch-signature", signature)
            .body(body)
            .send()
            .await;
        let status = match sent {
            Ok(response) => {
                let code = response.status();
                let _ = response.bytes().await;
                code.as_u16().to_string()
            }
            Err(e) => format!("error: {}", if e.is_connect() { "connect" } else { "other" }),
        };
        let took = t0.elapsed();
        // A 2xx is stored whenever it was answered: count them all for the database check,
        // but time only those that started inside the measured window.
        if status.starts_with('2') {
            tally.ok += 1;
        }
        if t0 >= measure_from {
            tally.latencies_us.push(took.as_micros() as u64);
            *tally.statuses.entry(status).or_default() += 1;
        }
    }
    tally
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let endpoints: Vec<(String, Vec<u8>)> = args
        .endpoints
        .iter()
        .map(|e| {
            let (url, secret) = e.split_once('=').ok_or_else(|| anyhow::anyhow!("--endpoint URL=SECRET"))?;
            Ok((url.to_owned(), secret.as_bytes().to_vec()))
        })
        .collect::<anyhow::Result<_>>()?;
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup_secs);
    let stop_at = measure_from + Duration::from_secs(args.duration_secs);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..args.connections {
        tasks.spawn(connection(n, endpoints.clone(), args.tag.clone(), measure_from, stop_at));
    }
    let mut latencies = Vec::new();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut ok_all = 0;
    while let Some(tally) = tasks.join_next().await {
        let tally = tally?;
        latencies.extend(tally.latencies_us);
        for (k, v) in tally.statuses {
            *statuses.entry(k).or_default() += v;
        }
        ok_all += tally.ok;
    }
    let window = (Instant::now() - measure_from).as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i] as f64 / 1000.0
    };
    let measured_ok: u64 = statuses.iter().filter(|(k, _)| k.starts_with('2')).map(|(_, v)| v).sum();
    let out = json!({
        "connections": args.connections, "endpoints": endpoints.len(), "window_s": window,
        "requests": latencies.len(), "ok_per_s": measured_ok as f64 / window,
        "requests_per_s": latencies.len() as f64 / window,
        "statuses": statuses, "ok_total_incl_warmup": ok_all,
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "p999": pct(0.999), "max": pct(1.0)},
    });
    println!("{out}");
    Ok(())
}
