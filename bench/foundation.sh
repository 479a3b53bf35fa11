#!/usr/bin/env bash
# Foundation benchmarks (issue #2): start-up time, idle memory, overview throughput.
#
# Usage: bench/foundation.sh [path-to-release-hitch]
#   default binary: $CARGO_TARGET_DIR/release/hitch, else /var/cache/hitch/release-target/release/hitch
#
# Build first:  nice -n 10 env CARGO_TARGET_DIR=/var/cache/hitch/release-target cargo build --release -p hitch
#
# Knobs (environment):
#   STARTUP_RUNS=10        fresh-data-dir start-ups to time
#   WARM_RUNS=5            extra start-ups on an existing (already migrated) data dir (informative)
#   IDLE_WAIT=5            seconds of idleness before reading VmRSS
#   WRK_THREADS=2 WRK_CONNS=200 WRK_DURATION=20s
#   PG_BASE=postgres://postgres@127.0.0.1:5432   (SKIP_PG=1 to skip PostgreSQL)
#   NICE=0                 niceness for the server and wrk (0 = normal priority)
#
# Only talks to 127.0.0.1. Every server it starts and every database it creates is removed on
# exit (trap), as is its scratch folder.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HITCH=${1:-${CARGO_TARGET_DIR:-/var/cache/hitch/release-target}/release/hitch}
STARTUP_RUNS=${STARTUP_RUNS:-10}
WARM_RUNS=${WARM_RUNS:-5}
IDLE_WAIT=${IDLE_WAIT:-5}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-200}
WRK_DURATION=${WRK_DURATION:-20s}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
SKIP_PG=${SKIP_PG:-0}
NICE=${NICE:-0}

# Targets from issue #2.
TARGET_STARTUP_MS=300
TARGET_RSS_MB=40

EMAIL=bench@example.com
PASSWORD=bench-password-123

die() { echo "foundation.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $HITCH ]] || die "no executable hitch at $HITCH (build it, or pass its path)"
for tool in curl wrk python3; do command -v "$tool" >/dev/null || die "$tool is needed"; done
if [[ $SKIP_PG != 1 ]]; then command -v psql >/dev/null || die "psql is needed (or SKIP_PG=1)"; fi

WORK=$(mktemp -d /tmp/hitch-bench.XXXXXX)
SERVER_PIDS=()
DATABASES=()
SAMPLER_PID=

cleanup() {
    local rc=$?
    set +e
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
    for pid in "${SERVER_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    for db in "${DATABASES[@]}"; do
        psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
            || echo "foundation.sh: could not drop database $db" >&2
    done
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

MASTER_KEY=$(head -c 32 /dev/urandom | base64 -w0)
export HITCH_MASTER_KEY=$MASTER_KEY
export RUST_LOG=${RUST_LOG:-info,sqlx=warn,tower_sessions=warn}
unset HITCH_CONFIG HITCH_PUBLIC_URL HITCH_DB_MAX_CONNECTIONS

# shellcheck source=bench/machine.sh
source "$REPO/bench/machine.sh"
# The sampler runs while wrk runs: the machine is shared with engineers compiling.

# ---------------------------------------------------------------------------------------------
# Machine
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
log "hitch:   $HITCH (built $(date -r "$HITCH" '+%F %T'))"
log "commit:  $COMMIT (tracked files changed since: $DIRTY)"
log "machine: $(nproc) cores, kernel $(uname -r), load $(loadavg)"
LOAD_START=$(loadavg)
BUSY=$(compilers)
log "compiler processes running now: $BUSY"

# ---------------------------------------------------------------------------------------------
# 1. Start-up to a ready /readyz, fresh SQLite data dir each run.
cat >"$WORK/startup.py" <<'PY'
import os, socket, statistics, subprocess, sys, time

hitch, workdir, runs, warm_runs, nice = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def probe(port):
    """Status code of GET /readyz, or None while nothing listens."""
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    try:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(256)
            if not chunk:
                break
            head += chunk
        parts = head.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 else 0
    except OSError:
        return 0
    finally:
        s.close()

def one(data_dir):
    port = free_port()
    env = dict(os.environ, HITCH_BIND=f"127.0.0.1:{port}", HITCH_DATA_DIR=data_dir)
    env.pop("HITCH_DATABASE_URL", None)
    log = open(data_dir.rstrip("/") + ".log", "ab")
    t0 = time.perf_counter_ns()
    proc = subprocess.Popen([hitch, "serve"], env=env, stdout=log, stderr=log,
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)
    listening = None
    try:
        while True:
            status = probe(port)
            now = time.perf_counter_ns()
            if status is not None and listening is None:
                listening = now
            if status == 200:
                return (now - t0) / 1e6, (listening - t0) / 1e6
            if proc.poll() is not None:
                raise SystemExit(f"hitch exited with {proc.returncode} before ready; see {data_dir}.log")
            if now - t0 > 20e9:
                raise SystemExit("not ready within 20 s")
            # Sub-millisecond poll: resolution 0.2 ms, without pinning a core that the
            # starting server needs (2-core machine).
            time.sleep(0.0002)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()

def report(name, samples):
    ready = sorted(s[0] for s in samples)
    print(f"{name} runs(ms): " + " ".join(f"{r:.1f}" for r in (s[0] for s in samples)), file=sys.stderr)
    print(f"{name} {statistics.median(ready):.1f} {max(ready):.1f} {min(ready):.1f} "
          f"{statistics.median(s[1] for s in samples):.1f}")

fresh = []
for i in range(runs):
    fresh.append(one(os.path.join(workdir, f"startup-{i}")))
report("fresh", fresh)
if warm_runs:
    warm = [one(os.path.join(workdir, f"startup-{runs - 1}")) for _ in range(warm_runs)]
    report("warm", warm)
PY

log "start-up: $STARTUP_RUNS runs on fresh SQLite data dirs (+$WARM_RUNS on an existing one)"
python3 "$WORK/startup.py" "$HITCH" "$WORK" "$STARTUP_RUNS" "$WARM_RUNS" "$NICE" >"$WORK/startup.out"
read -r _ SU_MED SU_MAX SU_MIN SU_LISTEN < <(grep '^fresh ' "$WORK/startup.out")
if [[ $WARM_RUNS -gt 0 ]]; then
    read -r _ WARM_MED WARM_MAX _ _ < <(grep '^warm ' "$WORK/startup.out")
else
    WARM_MED=-; WARM_MAX=-
fi
log "start-up fresh: median ${SU_MED} ms, max ${SU_MAX} ms (min ${SU_MIN}); warm: median ${WARM_MED} ms"

# ---------------------------------------------------------------------------------------------
# 2 and 3, per backend: idle memory after a sign-in and an overview, then wrk on /overview.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mem_detail() { grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads):' "/proc/$1/status" | tr -s ' \t' ' ' | paste -sd' '; }
kb_to_mb() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }

# start_server NAME DATABASE_URL -> sets SERVER_PID, PORT
start_server() {
    local name=$1 url=$2
    PORT=$(free_port)
    (
        export HITCH_BIND=127.0.0.1:$PORT HITCH_DATA_DIR=$WORK/$name HITCH_DATABASE_URL=$url
        exec nice -n "$NICE" "$HITCH" serve
    ) >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    local i
    for i in $(seq 600); do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" || true) == 200 ]]; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "$name: server exited"; }
        sleep 0.05
    done
    die "$name: not ready after 30 s"
}

stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

admin() { # admin NAME URL args...
    local name=$1 url=$2; shift 2
    HITCH_DATA_DIR=$WORK/$name HITCH_DATABASE_URL=$url "$HITCH" admin "$@" 2>>"$WORK/$name.admin.log"
}

# sign_in PORT JAR -> prints the signed-in session id
sign_in() {
    local port=$1 jar=$2 base=http://127.0.0.1:$1 page csrf code sid_before sid
    page=$(curl -sS -c "$jar" -b "$jar" "$base/login")
    csrf=$(grep -o 'name="csrf"[^>]*value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
    [[ -n $csrf ]] || die "no csrf field on /login"
    sid_before=$(awk '$6 == "hitch_session" {print $7}' "$jar")
    code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        --data-urlencode "csrf=$csrf" --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
        "$base/login")
    [[ $code == 303 ]] || die "sign-in answered $code, not 303"
    sid=$(awk '$6 == "hitch_session" {print $7}' "$jar")
    [[ -n $sid && $sid != "$sid_before" ]] || die "sign-in did not cycle the session cookie"
    echo "$sid"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user+system, in clock ticks

# The stored expiry of a session row: it changes whenever the server rewrites the row.
session_expiry() { # NAME SID
    if [[ $1 == postgres ]]; then
        psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "SELECT expires_at FROM sessions WHERE id = '$2'"
    else
        python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute("SELECT expires_at FROM sessions WHERE id = ?", (sys.argv[2],)).fetchone()[0])' "$WORK/$1/hitch.db" "$2"
    fi
}

overview_code() { # PORT SID
    curl -sS -o "$WORK/overview.html" -w '%{http_code}' -H "Cookie: hitch_session=$2" "http://127.0.0.1:$1/overview"
}

# Sum of hitch_http_requests_total for a route (and status, when given), from /metrics.
metric_count() { # FILE ROUTE [STATUS]
    awk -v route="$2" -v status="${3:-}" '
        /^hitch_http_requests_total\{/ {
            if (index($0, "route=\"" route "\"") == 0) next
            if (status != "" && index($0, "status=\"" status "\"") == 0) next
            n += $NF
        }
        END {print n + 0}' "$1"
}

bench_backend() { # NAME DATABASE_URL
    local name=$1 url=$2 slug sid code rss_ready rss_idle rss_load rss_after
    log "$name: creating a tenant and an owner"
    slug=$(admin "$name" "$url" create-tenant --name "Bench Co")
    [[ -n $slug ]] || die "$name: create-tenant printed nothing"
    printf '%s\n' "$PASSWORD" | admin "$name" "$url" create-user --tenant "$slug" --email "$EMAIL" --role owner >/dev/null

    start_server "$name" "$url"
    sleep 1
    rss_ready=$(rss_kb "$SERVER_PID")
    sid=$(sign_in "$PORT" "$WORK/$name.jar")
    for _ in 1 2 3; do
        code=$(overview_code "$PORT" "$sid")
        [[ $code == 200 ]] || die "$name: /overview answered $code (expected 200)"
    done
    grep -q 'Overview' "$WORK/overview.html" || die "$name: /overview body does not look like the overview"
    # Does a plain page view write the session row? (Its expiry moves when it is rewritten.)
    local exp1 exp2 rewrites=no
    exp1=$(session_expiry "$name" "$sid"); sleep 0.01
    overview_code "$PORT" "$sid" >/dev/null
    exp2=$(session_expiry "$name" "$sid")
    [[ $exp1 != "$exp2" ]] && rewrites=yes
    log "$name: GET /overview rewrote the session row: $rewrites ($exp1 -> $exp2)"
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"
    log "$name: idle for ${IDLE_WAIT}s"
    sleep "$IDLE_WAIT"
    rss_idle=$(rss_kb "$SERVER_PID")
    echo "$name idle:  $(mem_detail "$SERVER_PID")" >>"$WORK/mem.txt"

    # Throughput. The single curl above proved the cookie gives 200; /metrics counts every status
    # the server sent during the run (wrk itself only reports >= 400 as errors, not redirects).
    code=$(overview_code "$PORT" "$sid")
    [[ $code == 200 ]] || die "$name: /overview answered $code before wrk"
    curl -sS "http://127.0.0.1:$PORT/metrics" >"$WORK/$name.metrics.before"
    log "$name: wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency /overview (load before: $(loadavg))"
    local load_before; load_before=$(loadavg)
    local ticks_before; ticks_before=$(cpu_ticks "$SERVER_PID")
    start_sampler "$WORK/$name.sampler"
    nice -n "$NICE" wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency \
        -H "Cookie: hitch_session=$sid" "http://127.0.0.1:$PORT/overview" >"$WORK/$name.wrk" 2>&1
    local load_after; load_after=$(loadavg)
    local max_compilers max_load; stop_sampler
    read -r max_compilers max_load < <(sampler_max "$WORK/$name.sampler")
    log "$name: during wrk: at most $max_compilers compiler processes, 1-min load up to $max_load"
    local ticks_after; ticks_after=$(cpu_ticks "$SERVER_PID")
    rss_load=$(rss_kb "$SERVER_PID")
    echo "$name after wrk: $(mem_detail "$SERVER_PID")" >>"$WORK/mem.txt"
    curl -sS "http://127.0.0.1:$PORT/metrics" >"$WORK/$name.metrics.after"
    code=$(overview_code "$PORT" "$sid")
    [[ $code == 200 ]] || die "$name: /overview answered $code after wrk"
    cat "$WORK/$name.wrk" >&2

    local rps p50 p99 total non2xx sockerr ok200 all
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$WORK/$name.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
    total=$(awk '/requests in/ {print $1}' "$WORK/$name.wrk")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$WORK/$name.wrk")
    non2xx=${non2xx:-0}
    sockerr=$(grep -o 'Socket errors:.*' "$WORK/$name.wrk" || echo "Socket errors: none")
    ok200=$(( $(metric_count "$WORK/$name.metrics.after" /overview 200) - $(metric_count "$WORK/$name.metrics.before" /overview 200) ))
    all=$(( $(metric_count "$WORK/$name.metrics.after" /overview) - $(metric_count "$WORK/$name.metrics.before" /overview) ))
    log "$name: server counted $all GET /overview during wrk, $ok200 of them 200; wrk completed $total; wrk non-2xx/3xx: $non2xx; $sockerr"

    local hz cpu_per_req; hz=$(getconf CLK_TCK)
    cpu_per_req=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$hz" -v n="$all" 'BEGIN {printf "%.0f", n ? t / hz * 1e6 / n : 0}')
    log "$name: server CPU $(( (ticks_after - ticks_before) * 1000 / hz )) ms during wrk = ${cpu_per_req} us per request"

    sleep "$IDLE_WAIT"
    rss_after=$(rss_kb "$SERVER_PID")
    echo "$name idle after wrk: $(mem_detail "$SERVER_PID")" >>"$WORK/mem.txt"
    stop_server "$SERVER_PID"

    RESULTS+=("$name|$(kb_to_mb "$rss_ready")|$(kb_to_mb "$rss_idle")|$(kb_to_mb "$rss_load")|$(kb_to_mb "$rss_after")|$rps|$p50|$p99|$total|$non2xx|$((all - ok200))|$sockerr|$load_before|$load_after|$cpu_per_req|$rewrites|$max_compilers")
}

RESULTS=()
bench_backend sqlite "sqlite://$WORK/sqlite/hitch.db?mode=rwc"
if [[ $SKIP_PG != 1 ]]; then
    DB=hitch_bench_$$_$RANDOM
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE \"$DB\"" >/dev/null
    DATABASES+=("$DB")
    bench_backend postgres "$PG_BASE/$DB"
fi
LOAD_END=$(loadavg)

# ---------------------------------------------------------------------------------------------
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v + 0 < t + 0) ? "met" : "NOT MET"}'; }

echo
echo "Hitch foundation benchmarks  commit $COMMIT  $(nproc) cores  kernel $(uname -r)  $(date '+%F %T')"
echo "binary $HITCH"
echo "load average: start $LOAD_START, end $LOAD_END; compiler processes at start: $BUSY"
echo
printf '%-44s %-22s %-10s %s\n' "measure" "result" "target" "verdict"
printf '%-44s %-22s %-10s %s\n' "start-up to ready /readyz, fresh SQLite" "median $SU_MED ms" "< ${TARGET_STARTUP_MS} ms" "$(verdict "$SU_MED" $TARGET_STARTUP_MS)"
printf '%-44s %-22s %-10s %s\n' "  (max of $STARTUP_RUNS runs; min $SU_MIN)" "max $SU_MAX ms" "< ${TARGET_STARTUP_MS} ms" "$(verdict "$SU_MAX" $TARGET_STARTUP_MS)"
printf '%-44s %-22s %-10s %s\n' "  (existing data dir, $WARM_RUNS runs)" "median $WARM_MED ms" "-" "info"
for row in "${RESULTS[@]}"; do
    IFS='|' read -r name r_ready r_idle r_load r_after rps p50 p99 total non2xx srv_non200 sockerr lb la cpu_req sw_req max_comp <<<"$row"
    printf '%-44s %-22s %-10s %s\n' "idle RSS, $name (after sign-in+overview)" "$r_idle MB" "< ${TARGET_RSS_MB} MB" "$(verdict "$r_idle" $TARGET_RSS_MB)"
    printf '%-44s %-22s %-10s %s\n' "  RSS ready / end of wrk / idle after wrk" "$r_ready / $r_load / $r_after MB" "-" "info"
    printf '%-44s %-22s %-10s %s\n' "/overview c=$WRK_CONNS, $name" "$rps req/s" "-" "info"
    printf '%-44s %-22s %-10s %s\n' "  latency p50 / p99" "$p50 / $p99" "-" "info"
    printf '%-44s %-22s %-10s %s\n' "  non-200 (wrk / server-counted)" "$non2xx / $srv_non200" "0" "$([[ $non2xx == 0 && $srv_non200 == 0 ]] && echo met || echo 'NOT MET')"
    printf '%-44s %-22s %-10s %s\n' "  server CPU per request" "$cpu_req us" "-" "info"
    printf '%-44s %-22s %-10s %s\n' "  GET /overview writes the session row" "$sw_req" "-" "info"
    printf '%-44s %s\n' "  wrk: $total requests; $sockerr" "load $lb -> $la; compiler processes during wrk: max $max_comp"
done
echo
echo "memory detail (kB):"
sed 's/^/  /' "$WORK/mem.txt"
