#!/usr/bin/env bash
# Scheduler and job queue benchmarks (issue #5): dispatch latency with 1,000 schedules, queue
# throughput of no-op jobs, and webhook ingest, each on SQLite and on PostgreSQL.
#
# Usage: bench/scheduler.sh [path/to/release/hitch] [dispatch|queue|webhook|all]
#
# Builds nothing: build first with
#   nice -n 10 env CARGO_TARGET_DIR=/var/cache/hitch/release-target \
#       cargo build --release -p hitch --locked --examples --bins
# The examples queue_bench and webhook_load are taken from the binary's folder (examples/).
# Only 127.0.0.1 is used; databases, processes and files are removed on exit.
#
# Environment (defaults in brackets):
#   STORES [sqlite postgres]      backends to measure
#   PG_BASE [postgres://postgres@127.0.0.1:5432]  PG_PARAMS []  (e.g. sslmode=disable)
#   Dispatch: SCALE [60] (scheduled ms per real ms), DURATION [120] (s of due times measured),
#     WARMUP [15] (s after the schedules are saved), SETTLE [5], SCHEDULES [1000],
#     WORKSPACES [10], PROCESSES_PG [3] (hitch serve processes on PostgreSQL; SQLite: 1),
#     WORKERS [2] (HITCH_WORKERS per process)
#   Queue: QUEUE_WORKERS [8], QUEUE_RECIPES [1000] (the backlog per round), QUEUE_ROUNDS [3],
#     QUEUE_TENANTS [10], QUEUE_PER_CONNECTION [10]
#   Webhooks: HOOK_CONNECTIONS [64], HOOK_DURATION [20], HOOK_WARMUP [3], HOOK_ENDPOINTS [4],
#     HOOK_CLIENT [raw] (webhook_load's HTTP client: raw, or reqwest as before)
#   OUT_DIR: keep logs and JSON results there
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
HITCH=${1:-${HITCH:-/var/cache/hitch/release-target/release/hitch}}
WHAT=${2:-all}
EXAMPLES=${EXAMPLES:-$(dirname "$HITCH")/examples}
STORES=${STORES:-sqlite postgres}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
PG_PARAMS=${PG_PARAMS:-}
SCALE=${SCALE:-60}
DURATION=${DURATION:-120}
WARMUP=${WARMUP:-15}
SETTLE=${SETTLE:-5}
SCHEDULES=${SCHEDULES:-1000}
WORKSPACES=${WORKSPACES:-10}
PROCESSES_PG=${PROCESSES_PG:-3}
WORKERS=${WORKERS:-2}
QUEUE_WORKERS=${QUEUE_WORKERS:-8}
QUEUE_RECIPES=${QUEUE_RECIPES:-1000}
QUEUE_ROUNDS=${QUEUE_ROUNDS:-3}
QUEUE_TENANTS=${QUEUE_TENANTS:-10}
QUEUE_PER_CONNECTION=${QUEUE_PER_CONNECTION:-10}
HOOK_CONNECTIONS=${HOOK_CONNECTIONS:-64}
HOOK_DURATION=${HOOK_DURATION:-20}
HOOK_WARMUP=${HOOK_WARMUP:-3}
HOOK_ENDPOINTS=${HOOK_ENDPOINTS:-4}
HOOK_CLIENT=${HOOK_CLIENT:-raw}
OUT_DIR=${OUT_DIR:-}
HELPER=$REPO/bench/scheduler_run.py

die() { echo "scheduler.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $HITCH ]] || die "no executable hitch at $HITCH (build it, or pass its path)"
case $WHAT in dispatch | queue | webhook | all) ;; *) die "what: dispatch, queue, webhook or all" ;; esac
for tool in curl python3 psql jq; do command -v "$tool" >/dev/null || die "$tool is needed"; done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed"
if [[ $WHAT == queue || $WHAT == all ]]; then [[ -x $EXAMPLES/queue_bench ]] || die "no $EXAMPLES/queue_bench (build with --examples)"; fi
if [[ $WHAT == webhook || $WHAT == all ]]; then [[ -x $EXAMPLES/webhook_load ]] || die "no $EXAMPLES/webhook_load (build with --examples)"; fi
(( SCHEDULES % WORKSPACES == 0 )) || die "SCHEDULES must be a multiple of WORKSPACES"

WORK=$(mktemp -d /tmp/hitch-sched-bench.XXXXXX)
PIDS=()
DATABASES=()
SAMPLER_PID=

stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    set +e
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for db in "${DATABASES[@]}"; do
        psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
            || echo "scheduler.sh: could not drop database $db" >&2
    done
    if [[ -n $OUT_DIR ]]; then
        mkdir -p "$OUT_DIR" && cp -f "$WORK"/*.log "$WORK"/*.json "$WORK"/*.txt "$OUT_DIR"/ 2>/dev/null
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export HITCH_MASTER_KEY=$(head -c 32 /dev/urandom | base64 -w0)
export RUST_LOG=${RUST_LOG:-warn}
export HITCH_PROVIDER_HUBSPOT_RATE_LIMIT=off HITCH_PROVIDER_STRIPE_RATE_LIMIT=off
unset HITCH_CONFIG HITCH_PUBLIC_URL HITCH_DB_MAX_CONNECTIONS HITCH_SCHEDULER_TIME_SCALE HITCH_SCHEDULER_TIME_ANCHOR_MS

# shellcheck source=bench/machine.sh
source "$REPO/bench/machine.sh"
now_ms() { date +%s%3N; }
state() { echo "load $(loadavg), compiler processes $(compilers)"; }

wait_http() { # URL PID LOGNAME
    local i
    for i in $(seq 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
        kill -0 "$2" 2>/dev/null || { tail -20 "$WORK/$3.log" >&2; die "$3 exited"; }
        sleep 0.05
    done
    die "$3: not ready after 30 s"
}

# A fresh database for STORE; sets DB_URL, DB_REF (sqlite path or PostgreSQL name), DATA_DIR.
fresh_db() { # STORE NAME
    DATA_DIR=$WORK/data-$2
    mkdir -p "$DATA_DIR"
    if [[ $1 == postgres ]]; then
        DB_REF=hitch_sched_$2_$$_$RANDOM
        psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE \"$DB_REF\"" >/dev/null
        DATABASES+=("$DB_REF")
        DB_URL=$PG_BASE/$DB_REF${PG_PARAMS:+?$PG_PARAMS}
    else
        DB_REF=$DATA_DIR/hitch.db
        DB_URL="sqlite://$DB_REF?mode=rwc"
    fi
}
drop_db() { # after fresh_db with postgres
    [[ $DB_REF == */* ]] && return 0
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$DB_REF\" WITH (FORCE)" >/dev/null
}

SERVE_PIDS=() SERVE_BASES=()
start_serves() { # N NAME [ENV=VALUE...]: hitch serve processes on DB_URL
    local n=$1 name=$2 i port
    shift 2
    SERVE_PIDS=() SERVE_BASES=()
    for ((i = 0; i < n; i++)); do
        port=$(free_port)
        env "$@" HITCH_DATABASE_URL="$DB_URL" HITCH_DATA_DIR="$DATA_DIR" HITCH_BIND="127.0.0.1:$port" \
            "$HITCH" serve >>"$WORK/$name-$i.log" 2>&1 &
        SERVE_PIDS+=($!)
        PIDS+=($!)
        SERVE_BASES+=("http://127.0.0.1:$port")
    done
    for ((i = 0; i < n; i++)); do wait_http "${SERVE_BASES[$i]}/readyz" "${SERVE_PIDS[$i]}" "$name-$i"; done
}
# The measurement is void if a process died during it (another user's `pkill hitch` did once).
alive() { # WHAT
    local pid
    for pid in "${SERVE_PIDS[@]}" "$SB_PID"; do
        kill -0 "$pid" 2>/dev/null || die "$1: process $pid ($(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null || echo gone)) died during the measurement"
    done
}
stop_serves() { for pid in "${SERVE_PIDS[@]}"; do stop_pid "$pid"; done; }
admin() { HITCH_DATABASE_URL="$DB_URL" HITCH_DATA_DIR="$DATA_DIR" "$HITCH" admin "$@" 2>>"$WORK/admin.log"; }
pids_csv() { local IFS=,; echo "${SERVE_PIDS[*]}"; }

# ---------------------------------------------------------------------------------------------
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
log "hitch:    $HITCH (built $(date -r "$HITCH" '+%F %T')); binary built from: ${BUILT_COMMIT:-(not given)}"
log "commit:   $COMMIT (tracked files changed since: $DIRTY)"
log "machine:  $(nproc) cores, kernel $(uname -r), $(state)"
log "postgres: $(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT version()" | cut -d' ' -f1-2), ssl $(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SHOW ssl'), synchronous_commit $(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SHOW synchronous_commit'); Hitch URL parameters '${PG_PARAMS:-none}'"
RESULTS=$WORK/results.json
: >"$RESULTS"
result() { # KIND STORE JSON
    jq -c --arg kind "$1" --arg store "$2" '{kind: $kind, store: $store} + .' <<<"$3" >>"$RESULTS"
}
with_machine() { # JSON SAMPLER_FILE -> JSON + load and compilers during the measurement
    local maxc maxl
    read -r maxc maxl < <(sampler_max "$2")
    jq -c --arg load "$(loadavg)" --argjson mc "$maxc" --argjson ml "$maxl" \
        '. + {load_after: $load, max_compilers: $mc, max_load1: $ml}' <<<"$1"
}

# The sandbox: an empty Stripe (runs read nothing) and HubSpot.
SB_PORT=$(free_port)
SANDBOX=http://127.0.0.1:$SB_PORT
"$HITCH" sandbox --bind "127.0.0.1:$SB_PORT" >"$WORK/sandbox.log" 2>&1 &
SB_PID=$!
PIDS+=("$SB_PID")
wait_http "$SANDBOX/_sandbox/health" "$SB_PID" sandbox
curl -sS --fail -H 'Content-Type: application/json' -d '{"seed":1,"counts":{"customers":0}}' \
    "$SANDBOX/_sandbox/stripe/reset" >/dev/null
export HITCH_PROVIDERS_SANDBOX=$SANDBOX

# ---------------------------------------------------------------------------------------------
# 1. Dispatch latency: SCHEDULES hourly cron schedules on a clock SCALE times faster (60: an
# hour per real minute, so each schedule is due once a real minute and about SCHEDULES/60 are
# due together at each scheduled minute, once a real second). Measured: due times whose
# wall-clock due time falls in a DURATION-second window starting WARMUP s after the last
# schedule was saved; latency = the run's started_at minus the due time on the wall clock.
dispatch() { # STORE
    local store=$1 procs=1 per=$((SCHEDULES / WORKSPACES)) w slug token anchor t0 t1 watch_pid
    [[ $store == postgres ]] && procs=$PROCESSES_PG
    fresh_db "$store" dispatch
    anchor=$(now_ms)
    local env=(HITCH_SCHEDULER_TIME_SCALE="$SCALE" HITCH_SCHEDULER_TIME_ANCHOR_MS="$anchor" HITCH_WORKERS="$WORKERS")
    HITCH_DATABASE_URL="$DB_URL" HITCH_DATA_DIR="$DATA_DIR" "$HITCH" migrate >>"$WORK/admin.log" 2>&1
    start_serves "$procs" "dispatch-$store" "${env[@]}"
    log "dispatch/$store: $procs hitch serve, $WORKERS workers each, scale $SCALE; saving $SCHEDULES schedules in $WORKSPACES workspaces ($(state))"
    local setup_pids=()
    for ((w = 0; w < WORKSPACES; w++)); do
        slug=$(admin create-tenant --name "Workspace $w")
        token=$(admin create-token --tenant "$slug" --name bench)
        python3 "$HELPER" schedules "$token" "$per" "$w" "${SERVE_BASES[@]}" &
        setup_pids+=($!)
    done
    for pid in "${setup_pids[@]}"; do wait "$pid" || die "saving schedules failed"; done
    t0=$(( $(now_ms) + WARMUP * 1000 ))
    t1=$(( t0 + DURATION * 1000 ))
    log "dispatch/$store: saved; measuring due times from $(date -d @$((t0 / 1000)) +%T) for $DURATION s"
    sleep $(( (t0 - $(now_ms)) / 1000 ))
    start_sampler "$WORK/sampler-dispatch-$store.txt"
    python3 "$HELPER" watch "$(pids_csv)" "${DB_REF##*/}" >"$WORK/cpu-dispatch-$store.json" &
    watch_pid=$!
    log "dispatch/$store: window start ($(state))"
    sleep "$DURATION"
    kill -TERM "$watch_pid"; wait "$watch_pid" || true
    stop_sampler
    log "dispatch/$store: window end ($(state)); settling $SETTLE s"
    sleep "$SETTLE"
    alive "dispatch/$store"
    local got
    got=$(python3 "$HELPER" dispatch "$DB_REF" "$anchor" "$SCALE" "$t0" "$t1")
    stop_serves
    local failed
    failed=$(python3 "$HELPER" sql "$DB_REF" "SELECT count(*) FROM runs WHERE status NOT IN ('succeeded', 'queued', 'running')")
    got=$(jq -c --argjson cpu "$(cat "$WORK/cpu-dispatch-$store.json")" --argjson p "$procs" --argjson w "$WORKERS" \
        --argjson s "$SCHEDULES" --argjson scale "$SCALE" --argjson d "$DURATION" --argjson f "$failed" \
        '. + {processes: $p, workers_each: $w, schedules: $s, scale: $scale, window_s: $d, runs_not_succeeded: $f, cpu: $cpu,
              expected_fires: ($s * $d * $scale / 3600 | floor)}' <<<"$got")
    got=$(with_machine "$got" "$WORK/sampler-dispatch-$store.txt")
    result dispatch "$store" "$got"
    jq . <<<"$got" >&2
    drop_db
}

# ---------------------------------------------------------------------------------------------
# 2. Queue throughput of no-op jobs: server/examples/queue_bench.rs on a fresh database.
queue() { # STORE
    local store=$1 got watch_pid
    fresh_db "$store" queue
    log "queue/$store: $QUEUE_WORKERS workers, $QUEUE_RECIPES jobs a round, $QUEUE_ROUNDS rounds ($(state))"
    start_sampler "$WORK/sampler-queue-$store.txt"
    python3 "$HELPER" watch "" "${DB_REF##*/}" >"$WORK/cpu-queue-$store.json" &
    watch_pid=$!
    /usr/bin/time -f '{"user_s": %U, "sys_s": %S, "wall_s": %e}' -o "$WORK/time-queue-$store.json" \
        "$EXAMPLES/queue_bench" --database-url "$DB_URL" --workers "$QUEUE_WORKERS" --recipes "$QUEUE_RECIPES" \
        --rounds "$QUEUE_ROUNDS" --tenants "$QUEUE_TENANTS" --recipes-per-connection "$QUEUE_PER_CONNECTION" \
        >"$WORK/queue-$store.json" 2>"$WORK/queue-$store.log" || { cat "$WORK/queue-$store.log" >&2; die "queue_bench failed"; }
    kill -TERM "$watch_pid"; wait "$watch_pid" || true
    stop_sampler
    got=$(jq -c --argjson t "$(cat "$WORK/time-queue-$store.json")" --argjson pg "$(cat "$WORK/cpu-queue-$store.json")" \
        '. + {bench_process: $t, postgres_cpu: $pg.postgres}' "$WORK/queue-$store.json")
    got=$(with_machine "$got" "$WORK/sampler-queue-$store.txt")
    result queue "$store" "$got"
    jq -c 'del(.per_round)' <<<"$got" >&2
    jq -c '.per_round[]' <<<"$got" >&2
    drop_db
}

# ---------------------------------------------------------------------------------------------
# 3. Webhook ingest: one hitch serve, HOOK_ENDPOINTS webhook-triggered recipes with a generic
# (HMAC-SHA256) endpoint each, server/examples/webhook_load.rs with HOOK_CONNECTIONS keep-alive
# connections. Every request has a new event id; afterwards the stored events must equal the
# 2xx answers. The runs the webhooks trigger (coalesced: one waiting run per recipe) run on the
# workers as usual, reading the empty sandbox.
webhook() { # STORE
    local store=$1 slug token got stored watch_pid
    fresh_db "$store" hooks
    start_serves 1 "hooks-$store" HITCH_WORKERS="$WORKERS"
    slug=$(admin create-tenant --name "Hooks")
    token=$(admin create-token --tenant "$slug" --name bench)
    python3 "$HELPER" webhooks "$token" "$HOOK_ENDPOINTS" "${SERVE_BASES[0]}" >"$WORK/endpoints.txt"
    local args=()
    while read -r line; do args+=(--endpoint "$line"); done <"$WORK/endpoints.txt"
    log "webhook/$store: ${#SERVE_PIDS[@]} hitch serve, $HOOK_ENDPOINTS endpoints, $HOOK_CONNECTIONS connections ($HOOK_CLIENT client), ${HOOK_DURATION}s (+${HOOK_WARMUP}s warm-up) ($(state))"
    start_sampler "$WORK/sampler-hooks-$store.txt"
    ( sleep "$HOOK_WARMUP"; exec python3 "$HELPER" watch "$(pids_csv)" "${DB_REF##*/}" >"$WORK/cpu-hooks-$store.json" ) &
    watch_pid=$!
    /usr/bin/time -f '{"user_s": %U, "sys_s": %S, "wall_s": %e}' -o "$WORK/time-hooks-$store.json" \
        "$EXAMPLES/webhook_load" "${args[@]}" --connections "$HOOK_CONNECTIONS" --duration-secs "$HOOK_DURATION" \
        --warmup-secs "$HOOK_WARMUP" --client "$HOOK_CLIENT" --tag "$store$$" >"$WORK/hooks-$store.json" 2>"$WORK/hooks-$store.log" \
        || { cat "$WORK/hooks-$store.log" >&2; die "webhook_load failed"; }
    kill -TERM "$watch_pid" 2>/dev/null; wait "$watch_pid" || true
    stop_sampler
    log "webhook/$store: load done ($(state))"
    alive "webhook/$store"
    sleep 1
    stored=$(python3 "$HELPER" sql "$DB_REF" "SELECT count(*) FROM webhook_events")
    local runs
    runs=$(python3 "$HELPER" sql "$DB_REF" "SELECT count(*) FROM runs")
    stop_serves
    got=$(jq -c --argjson t "$(cat "$WORK/time-hooks-$store.json")" --argjson cpu "$(cat "$WORK/cpu-hooks-$store.json")" \
        --argjson stored "$stored" --argjson runs "$runs" \
        '. + {events_stored: $stored, stored_equals_2xx: ($stored == .ok_total_incl_warmup), runs_triggered: $runs,
              load_generator: $t, cpu_in_window: $cpu}' "$WORK/hooks-$store.json")
    got=$(with_machine "$got" "$WORK/sampler-hooks-$store.txt")
    result webhook "$store" "$got"
    jq . <<<"$got" >&2
    drop_db
}

LOAD_START=$(loadavg)
for store in $STORES; do
    [[ $WHAT == dispatch || $WHAT == all ]] && dispatch "$store"
    [[ $WHAT == queue || $WHAT == all ]] && queue "$store"
    [[ $WHAT == webhook || $WHAT == all ]] && webhook "$store"
done

# ---------------------------------------------------------------------------------------------
echo
echo "Hitch scheduler/queue benchmark  commit $COMMIT  $(nproc) cores  kernel $(uname -r)  $(date '+%F %T')"
echo "binary $HITCH (built $(date -r "$HITCH" '+%F %T') from ${BUILT_COMMIT:-an unstated commit}); load average: start $LOAD_START, end $(loadavg)"
jq -r 'select(.kind == "dispatch") |
  "dispatch  \(.store): \(.processes) x hitch serve (\(.workers_each) workers), \(.schedules) schedules, scale \(.scale), \(.fires) due times in \(.window_s) s (expected about \(.expected_fires); \(.joined) joined, \(.not_started) not started, runs not succeeded \(.runs_not_succeeded))\n" +
  "  due -> run started ms: p50 \(.due_to_started_ms.p50)  p90 \(.due_to_started_ms.p90)  p99 \(.due_to_started_ms.p99)  max \(.due_to_started_ms.max)\n" +
  "  due -> fired (enqueued, recorded) ms: p50 \(.due_to_fired_ms.p50)  p99 \(.due_to_fired_ms.p99)  max \(.due_to_fired_ms.max); due -> queued_at p50 \(.due_to_queued_ms.p50) p99 \(.due_to_queued_ms.p99)\n" +
  "  queued -> started ms: p50 \(.queued_to_started_ms.p50)  p99 \(.queued_to_started_ms.p99)  max \(.queued_to_started_ms.max)\n" +
  "  CPU in window: hitch \(.cpu.hitch.cores) cores, postgres \(.cpu.postgres.cores) cores; max load \(.max_load1), compilers up to \(.max_compilers)   target p99 < 250 ms: \(if .due_to_started_ms.p99 < 250 then "met" else "NOT MET" end)"' "$RESULTS"
jq -r 'select(.kind == "queue") |
  "queue     \(.store): \(.workers) workers, \(.recipes) jobs/round x \(.rounds): \(.jobs_per_s | floor) jobs/s (settle + claim with re-check, one round), enqueue \(.enqueue_per_s | floor)/s\n" +
  "  round (settle + claim) p50/p99 \(.claim.p50_ms)/\(.claim.p99_ms) ms; claimer rounds \(.claimer.rounds), jobs given back \(.claimer.given_back)\n" +
  "  bench process CPU \(.bench_process.user_s + .bench_process.sys_s) s of \(.bench_process.wall_s) s, postgres CPU \(.postgres_cpu.cpu_s) s; max load \(.max_load1), compilers up to \(.max_compilers)" +
  (if .store == "postgres" then "   target > 2,000/s: \(if .jobs_per_s > 2000 then "met" else "NOT MET" end)" else "" end)' "$RESULTS"
jq -r 'select(.kind == "webhook") |
  "webhook   \(.store): \(.connections) connections, \(.endpoints) endpoints: \(.ok_per_s | floor) 2xx/s, statuses \(.statuses | tostring)\n" +
  "  latency ms: p50 \(.latency_ms.p50)  p90 \(.latency_ms.p90)  p99 \(.latency_ms.p99)  max \(.latency_ms.max); stored \(.events_stored) = 2xx \(.ok_total_incl_warmup): \(.stored_equals_2xx); runs \(.runs_triggered)\n" +
  "  CPU in window: hitch \(.cpu_in_window.hitch.cores) cores, postgres \(.cpu_in_window.postgres.cores) cores, load generator \(.load_generator.user_s + .load_generator.sys_s) s; max load \(.max_load1), compilers up to \(.max_compilers)" +
  (if .store == "postgres" then "   target > 5,000/s and p99 < 50 ms: \(if .ok_per_s > 5000 and .latency_ms.p99 < 50 then "met" else "NOT MET" end)" else "" end)' "$RESULTS"
