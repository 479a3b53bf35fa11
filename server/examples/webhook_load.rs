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
//!
//! `--client raw` (the default) is a minimal HTTP/1.1 client over a plain TCP connection: it
//! writes one request, reads one `Content-Length` response, and speaks only to Hitch. With
//! reqwest (`--client reqwest`, the generator until the group-commit ingest) each request cost
//! about 160 µs of CPU, which at thousands of requests per second on a 2-core machine took
//! most of a core from the server being measured.

// A command-line tool: its result is the JSON line it prints.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Parser;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

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
    /// `raw` (a minimal HTTP/1.1 client, cheap) or `reqwest`.
    #[arg(long, default_value = "raw")]
    client: String,
}

/// An HTTP client for one keep-alive connection.
enum Client {
    Reqwest(reqwest::Client),
    Raw(RawClient),
}

impl Client {
    /// Posts a signed body; the status code, or why there was none.
    async fn post(&mut self, url: &str, ts: &str, signature: &str, body: String) -> Result<u16, String> {
        match self {
            Client::Reqwest(client) => {
                let sent = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-hitch-timestamp", ts)
                    .header("x-hitch-signature", signature)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(response) => {
                        let code = response.status();
                        let _ = response.bytes().await;
                        Ok(code.as_u16())
                    }
                    Err(e) => Err(if e.is_connect() { "connect" } else { "other" }.to_owned()),
                }
            }
            Client::Raw(raw) => raw.post(url, ts, signature, body.as_bytes()).await.map_err(|_| "other".to_owned()),
        }
    }
}

/// A minimal HTTP/1.1 client: one connection, one request at a time, reopened after an error.
#[derive(Default)]
struct RawClient {
    conn: Option<BufReader<TcpStream>>,
    request: Vec<u8>,
    line: String,
}

impl RawClient {
    async fn post(&mut self, url: &str, ts: &str, signature: &str, body: &[u8]) -> std::io::Result<u16> {
        let result = self.exchange(url, ts, signature, body).await;
        if !matches!(result, Ok((_, true))) {
            self.conn = None;
        }
        result.map(|(status, _)| status)
    }

    /// The status, and whether the connection stays open.
    async fn exchange(&mut self, url: &str, ts: &str, signature: &str, body: &[u8]) -> std::io::Result<(u16, bool)> {
        use std::io::{Error, ErrorKind, Write};
        let bad = |what: &str| Error::new(ErrorKind::InvalidData, what.to_owned());
        let rest = url.strip_prefix("http://").ok_or_else(|| bad("only http:// URLs"))?;
        let (host, path) = rest.split_once('/').ok_or_else(|| bad("no path"))?;
        if self.conn.is_none() {
            let stream = TcpStream::connect(host).await?;
            stream.set_nodelay(true)?;
            self.conn = Some(BufReader::new(stream));
        }
        let conn = self.conn.as_mut().ok_or_else(|| bad("no connection"))?;
        self.request.clear();
        write!(
            self.request,
            "POST /{path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             x-hitch-timestamp: {ts}\r\nx-hitch-signature: {signature}\r\n\r\n",
            body.len()
        )?;
        self.request.extend_from_slice(body);
        conn.get_mut().write_all(&self.request).await?;
        self.line.clear();
        conn.read_line(&mut self.line).await?;
        let status = self.line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("status line"))?;
        let (mut length, mut keep) = (None, true);
        loop {
            self.line.clear();
            if conn.read_line(&mut self.line).await? == 0 {
                return Err(bad("closed in the headers"));
            }
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("connection") {
                    keep = !value.trim().eq_ignore_ascii_case("close");
                }
            }
        }
        let mut answer = vec![0; length.ok_or_else(|| bad("no content-length"))?];
        conn.read_exact(&mut answer).await?;
        Ok((status, keep))
    }
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
    raw: bool,
    n: usize,
    endpoints: Vec<(String, Vec<u8>)>,
    tag: String,
    measure_from: Instant,
    stop_at: Instant,
) -> Tally {
    // One client per task: one connection each, kept alive.
    let mut client = if raw {
        Client::Raw(RawClient::default())
    } else {
        Client::Reqwest(reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap_or_default())
    };
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
        let status = match client.post(url, &ts, &signature, body).await {
            Ok(code) => code.to_string(),
            Err(why) => format!("error: {why}"),
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
    anyhow::ensure!(matches!(args.client.as_str(), "raw" | "reqwest"), "--client raw or reqwest");
    let raw = args.client == "raw";
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..args.connections {
        tasks.spawn(connection(raw, n, endpoints.clone(), args.tag.clone(), measure_from, stop_at));
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
        "connections": args.connections, "endpoints": endpoints.len(), "client": args.client, "window_s": window,
        "requests": latencies.len(), "ok_per_s": measured_ok as f64 / window,
        "requests_per_s": latencies.len() as f64 / window,
        "statuses": statuses, "ok_total_incl_warmup": ok_all,
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "p999": pct(0.999), "max": pct(1.0)},
    });
    println!("{out}");
    Ok(())
}
