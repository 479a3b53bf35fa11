//! Prometheus metrics in the text exposition format, kept in a few atomics and one small map:
//! enough for request rates, latencies and sign-in failures without a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What this process's claimer did (see `jobs::claimer`): a queue that claims and gives the
/// same jobs back over and over shows here, not only as slowness.
#[derive(Default, Debug)]
pub struct QueueCounters {
    /// Claimer rounds (each one statement settling and claiming, on PostgreSQL).
    pub rounds: AtomicU64,
    /// Jobs claimed and handed to a worker.
    pub claimed: AtomicU64,
    /// Jobs workers ended (done or dead) and a round settled.
    pub settled: AtomicU64,
    /// Claimed jobs given back because a connection was at its limit of runs at once.
    pub given_back: AtomicU64,
}

#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) -> count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<Histogram>,
    pub sign_in_failures: AtomicU64,
    pub sign_ins: AtomicU64,
    pub queue: std::sync::Arc<QueueCounters>,
    started_at_secs: AtomicU64,
}

impl Metrics {
    pub fn new() -> Self {
        let m = Metrics::default();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        m.started_at_secs.store(now, Ordering::Relaxed);
        m
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut h) = self.latency.lock() {
            let secs = elapsed.as_secs_f64();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        }
    }

    /// The exposition text; `pool` is (open, idle) database connections.
    pub fn render(&self, pool: (u32, usize)) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP hitch_build_info Build information.\n# TYPE hitch_build_info gauge");
        let _ = writeln!(out, "hitch_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(
            out,
            "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n# TYPE process_start_time_seconds gauge"
        );
        let _ = writeln!(out, "process_start_time_seconds {}", self.started_at_secs.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP hitch_http_requests_total HTTP requests by method, route and status.\n# TYPE hitch_http_requests_total counter"
        );
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "hitch_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    route.replace('"', "'")
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP hitch_http_request_duration_seconds Time to answer HTTP requests.\n# TYPE hitch_http_request_duration_seconds histogram"
        );
        if let Ok(h) = self.latency.lock() {
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "hitch_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(out, "hitch_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "hitch_http_request_duration_seconds_sum {}", h.sum);
            let _ = writeln!(out, "hitch_http_request_duration_seconds_count {}", h.count);
        }
        let _ = writeln!(out, "# HELP hitch_sign_ins_total Successful sign-ins.\n# TYPE hitch_sign_ins_total counter");
        let _ = writeln!(out, "hitch_sign_ins_total {}", self.sign_ins.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP hitch_sign_in_failures_total Failed or throttled sign-in attempts.\n# TYPE hitch_sign_in_failures_total counter"
        );
        let _ = writeln!(out, "hitch_sign_in_failures_total {}", self.sign_in_failures.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP hitch_db_pool_connections Database pool connections by state.\n# TYPE hitch_db_pool_connections gauge"
        );
        let _ = writeln!(out, "hitch_db_pool_connections{{state=\"open\"}} {}", pool.0);
        let _ = writeln!(out, "hitch_db_pool_connections{{state=\"idle\"}} {}", pool.1);
        let q = &self.queue;
        for (name, help, n) in [
            ("hitch_queue_rounds_total", "Claimer rounds (settle ended jobs, claim next ones).", &q.rounds),
            ("hitch_jobs_claimed_total", "Jobs claimed and handed to a worker.", &q.claimed),
            ("hitch_jobs_settled_total", "Jobs ended by a worker (done or dead) and settled.", &q.settled),
            (
                "hitch_jobs_given_back_total",
                "Claimed jobs given back because a connection was at its limit of runs at once.",
                &q.given_back,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", n.load(Ordering::Relaxed));
        }
        out
    }
}

/// Middleware: counts every request by its route template (never the raw path, which may
/// hold an invitation token) and times it.
pub async fn track(State(metrics): State<std::sync::Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().as_str().to_owned();
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    metrics.observe(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_buckets() {
        let m = Metrics::new();
        m.observe("GET", "/overview", 200, Duration::from_millis(3));
        m.observe("GET", "/overview", 200, Duration::from_millis(300));
        let text = m.render((2, 1));
        assert!(text.contains("hitch_http_requests_total{method=\"GET\",route=\"/overview\",status=\"200\"} 2"));
        assert!(text.contains("hitch_http_request_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("hitch_http_request_duration_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("hitch_db_pool_connections{state=\"open\"} 2"));
    }
}
