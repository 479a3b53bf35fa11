#!/usr/bin/env bash
# Sync benchmarks (issue #4): HubSpot-shaped contacts in the sandbox -> a PostgreSQL table.
#
# Usage: bench/sync.sh [path-to-release-hitch] [contacts]
#   default binary: $CARGO_TARGET_DIR/release/hitch, else /var/cache/hitch/release-target/release/hitch
#   default contacts: 100000
#
# Build first:  nice -n 10 env CARGO_TARGET_DIR=/var/cache/hitch/release-target cargo build --release -p hitch
#
# What it does: starts `hitch sandbox` (its own process, so its CPU is not hitch's) and seeds
# it; measures the sandbox's own ceiling for the list endpoint with wrk (one connection, one
# page at a time, as a sync reads; plus 4 connections for reference); creates a destination
# database with the table of tests/e2e/sync_postgres.rs; sets up a tenant, a token, the two
# connections and the recipe through the API; then runs, each in a FRESH hitch process (so
# VmHWM is that run's peak):
#   1. first run (incremental recipe, no cursor yet: a full read, every row created)
#   2. unchanged re-run (incremental: reads what changed since the cursor, with the look-back)
#   3. 1% changed (POST /_sandbox/hubspot/contacts/touch count = contacts/100, then a run)
#   4. unchanged full refresh (recipe switched to mode "full": every record read and hashed,
#      nothing written)
# Per run: records/s from the run's own duration_ms, CPU seconds of hitch and of the sandbox
# (/proc/PID/stat utime+stime), peak RSS (VmHWM of the fresh process, and VmRSS sampled every
# 10 ms), CPU seconds of the destination's PostgreSQL backends, destination rows written (rows whose xmin is newer than a transaction id taken just
# before the run), and PostgreSQL transactions committed in the destination database.
#
# Knobs (environment):
#   SEED=1                  sandbox seed
#   MAP_TITLE=0             1 = also map jobtitle -> title, so the "1% changed" run rewrites the
#                           touched rows (touch changes jobtitle, which the e2e mapping ignores)
#   STORE=sqlite            Hitch's own storage: sqlite, or postgres (a fresh database)
#   CEILING_DURATION=10s    wrk duration per ceiling measurement (SKIP_CEILING=1 to skip)
#   SKIP_FULL=0             1 = skip run 4
#   PERF=0                  1 = perf record of hitch during the first run, all = during every
#                           run; reports go to $OUT_DIR/perf-<n>.txt (or stderr)
#   PERF_RECORD="-e cpu-clock -F 999"   perf record options (e.g. add --call-graph dwarf)
#   PERF_REPORT="--no-children --sort dso,symbol --percent-limit 0.7"
#   POLL_MS=50              how often the run is polled (GET /api/v1/runs/{id})
#   RUN_TIMEOUT=3600        seconds before a run counts as hung
#   PG_BASE=postgres://postgres@127.0.0.1:5432
#   DEST_URL_PARAMS=        appended to the destination URL after "?" (e.g. sslmode=disable;
#                           the default, sslmode=prefer, uses TLS when the server offers it)
#   DEST_SETTINGS=          "name=value ..." set on the destination database (ALTER DATABASE),
#                           e.g. synchronous_commit=off, to see what the WAL flush costs
#   NICE=0                  niceness for hitch and the sandbox
#   OUT_DIR=                keep results.jsonl, logs and perf output here (else only printed)
#   BUILT_COMMIT=           the commit the binary was built from, when it is not the checkout's
#                           HEAD (e.g. built from `git archive` while HEAD moved on); printed
#
# Only talks to 127.0.0.1. Every process it starts and every database it creates is removed on
# exit (trap), as is its scratch folder.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HITCH=${1:-${CARGO_TARGET_DIR:-/var/cache/hitch/release-target}/release/hitch}
CONTACTS=${2:-100000}
SEED=${SEED:-1}
MAP_TITLE=${MAP_TITLE:-0}
STORE=${STORE:-sqlite}
CEILING_DURATION=${CEILING_DURATION:-10s}
SKIP_CEILING=${SKIP_CEILING:-0}
SKIP_FULL=${SKIP_FULL:-0}
PERF=${PERF:-0}
PERF_RECORD=${PERF_RECORD:--e cpu-clock -F 999}
PERF_REPORT=${PERF_REPORT:---no-children --sort dso,symbol --percent-limit 0.7}
POLL_MS=${POLL_MS:-50}
RUN_TIMEOUT=${RUN_TIMEOUT:-3600}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
NICE=${NICE:-0}
DEST_URL_PARAMS=${DEST_URL_PARAMS:-}
DEST_SETTINGS=${DEST_SETTINGS:-}
OUT_DIR=${OUT_DIR:-}
TOKEN_HS=pat-sandbox-bench
HELPER=$REPO/bench/sync_run.py

die() { echo "sync.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $HITCH ]] || die "no executable hitch at $HITCH (build it, or pass its path)"
[[ $CONTACTS =~ ^[0-9]+$ && $CONTACTS -ge 100 ]] || die "contacts must be a number >= 100"
[[ $STORE == sqlite || $STORE == postgres ]] || die "STORE must be sqlite or postgres"
for tool in curl wrk python3 psql jq; do command -v "$tool" >/dev/null || die "$tool is needed"; done
[[ $PERF == 0 ]] || command -v perf >/dev/null || die "perf is needed for PERF=1"
[[ -f $HELPER ]] || die "missing $HELPER"

WORK=$(mktemp -d /tmp/hitch-sync-bench.XXXXXX)
PIDS=()
DATABASES=()
SAMPLER_PID=

cleanup() {
    local rc=$?
    set +e
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    for db in "${DATABASES[@]}"; do
        psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
            || echo "sync.sh: could not drop database $db" >&2
    done
    if [[ -n $OUT_DIR ]]; then
        mkdir -p "$OUT_DIR" && cp -f "$WORK"/*.log "$WORK"/results.jsonl "$WORK"/*.txt "$WORK"/*.data "$OUT_DIR"/ 2>/dev/null
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export HITCH_MASTER_KEY=$(head -c 32 /dev/urandom | base64 -w0)
export RUST_LOG=${RUST_LOG:-info,sqlx=warn,tower_sessions=warn}
unset HITCH_CONFIG HITCH_PUBLIC_URL HITCH_DB_MAX_CONNECTIONS

# shellcheck source=bench/machine.sh
source "$REPO/bench/machine.sh"
kb() { awk -v k="$2" '$1 == k ":" {print $2}' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

wait_http() { # URL PID NAME
    local i
    for i in $(seq 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
        kill -0 "$2" 2>/dev/null || { tail -20 "$WORK/$3.log" >&2; die "$3 exited"; }
        sleep 0.05
    done
    die "$3: not ready after 30 s"
}

# ---------------------------------------------------------------------------------------------
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
log "hitch:    $HITCH (built $(date -r "$HITCH" '+%F %T'))"
log "commit:   $COMMIT (tracked files changed since: $DIRTY); binary built from: ${BUILT_COMMIT:-(not given)}"
log "machine:  $(nproc) cores, kernel $(uname -r), load $(loadavg), compiler processes $(compilers)"
log "workload: $CONTACTS contacts, seed $SEED, map title: $MAP_TITLE, Hitch storage: $STORE"
LOAD_START=$(loadavg)

# ---------------------------------------------------------------------------------------------
# The sandbox, seeded.
SB_PORT=$(free_port)
SANDBOX=http://127.0.0.1:$SB_PORT
nice -n "$NICE" "$HITCH" sandbox --bind "127.0.0.1:$SB_PORT" >"$WORK/sandbox.log" 2>&1 &
SB_PID=$!
PIDS+=("$SB_PID")
wait_http "$SANDBOX/_sandbox/health" "$SB_PID" sandbox
log "sandbox: seeding $CONTACTS contacts"
t0=$(date +%s%N)
curl -sS --fail-with-body -H 'Content-Type: application/json' \
    -d "{\"seed\":$SEED,\"counts\":{\"contacts\":$CONTACTS}}" "$SANDBOX/_sandbox/hubspot/reset" >"$WORK/reset.json"
SEED_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
log "sandbox: seeded in ${SEED_MS} ms ($(jq -c . "$WORK/reset.json")); sandbox RSS $(mb "$(kb "$SB_PID" VmRSS)") MB"

# The property list Hitch asks for (every contact property), for the ceiling client.
PROPS=$(curl -sS --fail -H "Authorization: Bearer $TOKEN_HS" "$SANDBOX/hubspot/crm/v3/properties/contacts" \
    | jq -r '[.results[].name] | join(",")')
[[ -n $PROPS ]] || die "no contact properties from the sandbox"
log "sandbox: $(tr ',' '\n' <<<"$PROPS" | wc -l) contact properties"

# ---------------------------------------------------------------------------------------------
# The sandbox's own ceiling: the list endpoint, pages of 100, walking `after` through all
# records (wrap around), as Hitch's full read does.
CEIL1=- CEIL4=- PAGE_BYTES=- SB_US_PER_PAGE=-
if [[ $SKIP_CEILING != 1 ]]; then
    cat >"$WORK/pages.lua" <<'LUA'
local pages = tonumber(os.getenv("BENCH_PAGES"))
local props = os.getenv("BENCH_PROPS")
local token = os.getenv("BENCH_TOKEN")
local i = 0
request = function()
    local after = (i % pages) * 100 + 1
    i = i + 1
    return wrk.format("GET", "/hubspot/crm/v3/objects/contacts?limit=100&archived=false&properties=" .. props ..
        "&after=" .. after, {["Authorization"] = "Bearer " .. token})
end
LUA
    ceiling() { # CONNECTIONS -> prints "req/s bytes/req"
        local c=$1 t0 t1 rps total bytes
        t0=$(cpu_ticks "$SB_PID")
        BENCH_PAGES=$((CONTACTS / 100)) BENCH_PROPS=$PROPS BENCH_TOKEN=$TOKEN_HS \
            nice -n "$NICE" wrk -t1 -c"$c" -d"$CEILING_DURATION" -s "$WORK/pages.lua" "$SANDBOX" >"$WORK/wrk-c$c.txt" 2>&1
        t1=$(cpu_ticks "$SB_PID")
        grep -q 'Non-2xx' "$WORK/wrk-c$c.txt" && { cat "$WORK/wrk-c$c.txt" >&2; die "ceiling: non-2xx answers"; }
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk-c$c.txt")
        total=$(awk '/requests in/ {print $1}' "$WORK/wrk-c$c.txt")
        bytes=$(awk '/requests in/ {v = $5; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+/, "", v);
                 m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1; print v * m}' "$WORK/wrk-c$c.txt")
        echo "$rps $(awk -v b="$bytes" -v n="$total" 'BEGIN {printf "%.0f", b / n}') \
$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$total" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')"
    }
    log "ceiling: wrk -t1 -c1 -d$CEILING_DURATION on the list endpoint (load $(loadavg))"
    read -r CEIL1 PAGE_BYTES SB_US_PER_PAGE < <(ceiling 1)
    log "ceiling: 1 connection: $CEIL1 pages/s, ${PAGE_BYTES} bytes/page, sandbox CPU ${SB_US_PER_PAGE} us/page"
    log "ceiling: wrk -t1 -c4 -d$CEILING_DURATION (load $(loadavg))"
    read -r CEIL4 _ _ < <(ceiling 4)
    log "ceiling: 4 connections: $CEIL4 pages/s"
fi

# ---------------------------------------------------------------------------------------------
# Databases: the destination (the e2e test's table, plus `title` with MAP_TITLE=1) and, with
# STORE=postgres, Hitch's own.
DEST=hitch_sync_dest_$$_$RANDOM
psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE \"$DEST\"" >/dev/null
DATABASES+=("$DEST")
DEST_URL=$PG_BASE/$DEST${DEST_URL_PARAMS:+?$DEST_URL_PARAMS}
for setting in $DEST_SETTINGS; do
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "ALTER DATABASE \"$DEST\" SET ${setting%%=*} = '${setting#*=}'" >/dev/null
done
TITLE_COL=
[[ $MAP_TITLE == 1 ]] && TITLE_COL='title text,'
psql -q -h 127.0.0.1 -U postgres -d "$DEST" -c "CREATE TABLE contacts_copy (
    hubspot_id text PRIMARY KEY,
    email text,
    full_name text NOT NULL,
    stage text,
    $TITLE_COL
    synced_at timestamptz NOT NULL DEFAULT now()
)" >/dev/null
dest_sql() { psql -h 127.0.0.1 -U postgres -d "$DEST" -Atc "$1"; }

DATA_DIR=$WORK/data
mkdir -p "$DATA_DIR"
if [[ $STORE == postgres ]]; then
    OWN=hitch_sync_store_$$_$RANDOM
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE \"$OWN\"" >/dev/null
    DATABASES+=("$OWN")
    export HITCH_DATABASE_URL=$PG_BASE/$OWN
else
    export HITCH_DATABASE_URL="sqlite://$DATA_DIR/hitch.db?mode=rwc"
fi
export HITCH_DATA_DIR=$DATA_DIR HITCH_PROVIDERS_SANDBOX=$SANDBOX

SLUG=$("$HITCH" admin create-tenant --name Bench 2>>"$WORK/admin.log")
[[ -n $SLUG ]] || die "create-tenant printed nothing"
TOKEN=$("$HITCH" admin create-token --tenant "$SLUG" --name bench 2>>"$WORK/admin.log")
[[ -n $TOKEN ]] || die "create-token printed nothing"

HITCH_PID= PORT=
start_hitch() { # NAME
    PORT=$(free_port)
    ( export HITCH_BIND=127.0.0.1:$PORT; exec nice -n "$NICE" "$HITCH" serve ) >>"$WORK/hitch-$1.log" 2>&1 &
    HITCH_PID=$!
    PIDS+=("$HITCH_PID")
    wait_http "http://127.0.0.1:$PORT/readyz" "$HITCH_PID" "hitch-$1"
}
stop_hitch() { kill -TERM "$HITCH_PID" 2>/dev/null || true; wait "$HITCH_PID" 2>/dev/null || true; }

start_hitch setup
RECIPE=$(python3 "$HELPER" setup "$PORT" "$TOKEN" "$DEST_URL" "$MAP_TITLE" | jq -r .recipe)
[[ -n $RECIPE && $RECIPE != null ]] || die "no recipe"
stop_hitch
log "recipe $RECIPE (tenant $SLUG)"

# ---------------------------------------------------------------------------------------------
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
xid() { dest_sql "SELECT txid_current() & 4294967295"; } # 32-bit, as xmin (a fresh cluster: epoch 0)
dest_commits() { dest_sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"; }
# With STORE=postgres: transactions in Hitch's own database (each autocommit statement is one).
own_commits() {
    if [[ $STORE == postgres ]]; then
        psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT xact_commit FROM pg_stat_database WHERE datname = '$OWN'"
    else
        echo 0
    fi
}

SCENARIO_N=0
scenario() { # LABEL
    local label=$1 x0 c0 c1 o0 o1 written rows perf_pid=
    start_hitch "run"
    sleep 0.5
    x0=$(xid)
    c0=$(dest_commits)
    o0=$(own_commits)
    SCENARIO_N=$((SCENARIO_N + 1))
    if [[ $PERF == all || ($PERF == 1 && $label == first*) ]]; then
        # shellcheck disable=SC2086 # word splitting of the options is intended
        perf record $PERF_RECORD -p "$HITCH_PID" -o "$WORK/perf-$SCENARIO_N.data" >"$WORK/perf-record.log" 2>&1 &
        perf_pid=$!
        sleep 0.5
    fi
    log "$label: running (load $(loadavg), compiler processes $(compilers))"
    start_sampler "$WORK/sampler.txt"
    python3 "$HELPER" run "$PORT" "$TOKEN" "$RECIPE" "$HITCH_PID" "$SB_PID" "$label" "$POLL_MS" "$RUN_TIMEOUT" "$DEST" \
        >"$WORK/run.json"
    stop_sampler
    [[ -n $perf_pid ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    stop_hitch # closes the destination pool: its backends report their statistics as they exit
    sleep 0.7
    c1=$(dest_commits)
    o1=$(own_commits)
    written=$(dest_sql "SELECT count(*) FROM contacts_copy WHERE xmin::text::bigint > $x0")
    rows=$(dest_sql "SELECT count(*) FROM contacts_copy")
    local maxc maxl; read -r maxc maxl < <(sampler_max "$WORK/sampler.txt")
    jq -c --argjson w "$written" --argjson r "$rows" --argjson x "$((c1 - c0 - 1))" --argjson ox "$((o1 - o0))" \
        --arg load "$(loadavg)" --argjson mc "$maxc" --argjson ml "$maxl" \
        '. + {dest_rows_written: $w, dest_rows: $r, dest_xacts: $x, own_xacts: $ox, load_after: $load, max_compilers: $mc, max_load: $ml}' \
        "$WORK/run.json" >>"$RESULTS"
    jq -r '"== \(.label): \(.run.status) in \(.run.duration_ms) ms; counts \(.run.counts | tostring);
==   hitch CPU \(.hitch_cpu_s) s, sandbox CPU \(.sandbox_cpu_s) s, destination backends CPU \(.dest_pg_cpu_s) s (\(.dest_backends) backends), VmHWM \(.vm_hwm_kb) kB (sampled max \(.rss_max_sampled_kb) kB over \(.rss_samples) samples)
==   destination: \(.dest_rows) rows, \(.dest_rows_written) written by this run, \(.dest_xacts) transactions committed (Hitch storage: \(.own_xacts)); load \(.load_after), compilers up to \(.max_compilers)"' \
        <(tail -1 "$RESULTS") >&2
    jq -r '.logs[] | "     log: " + .' <(tail -1 "$RESULTS") >&2
    if [[ -n $perf_pid ]]; then
        # shellcheck disable=SC2086
        { echo "# $label"; perf report -i "$WORK/perf-$SCENARIO_N.data" --stdio $PERF_REPORT 2>/dev/null | grep -v '^$'; } \
            | cut -c1-240 | head -400 >"$WORK/perf-$SCENARIO_N.txt" || true
        [[ -n $OUT_DIR ]] || head -60 "$WORK/perf-$SCENARIO_N.txt" >&2
    fi
}

scenario "first run ($CONTACTS)"
FIRST_ROWS=$(dest_sql "SELECT count(DISTINCT hubspot_id) FROM contacts_copy")
[[ $FIRST_ROWS == "$CONTACTS" ]] || log "WARNING: $FIRST_ROWS distinct rows after the first run, expected $CONTACTS"
scenario "unchanged re-run, incremental"
TOUCH=$((CONTACTS / 100))
curl -sS --fail -H 'Content-Type: application/json' -d "{\"count\":$TOUCH}" \
    "$SANDBOX/_sandbox/hubspot/contacts/touch" | jq -c '{touched}' >&2
scenario "1% changed ($TOUCH touched)"
if [[ $SKIP_FULL != 1 ]]; then
    start_hitch mode
    python3 "$HELPER" mode "$PORT" "$TOKEN" "$RECIPE" full >/dev/null
    stop_hitch
    scenario "unchanged re-run, full refresh"
fi
SB_HWM=$(kb "$SB_PID" VmHWM)
LOAD_END=$(loadavg)

# ---------------------------------------------------------------------------------------------
echo
echo "Hitch sync benchmark  commit $COMMIT  $(nproc) cores  kernel $(uname -r)  $(date '+%F %T')"
echo "binary $HITCH (built $(date -r "$HITCH" '+%F %T') from ${BUILT_COMMIT:-an unstated commit}; checkout HEAD $COMMIT)"
echo "workload: $CONTACTS contacts (seed $SEED) -> PostgreSQL table contacts_copy; Hitch storage $STORE; map title $MAP_TITLE"
echo "destination: URL parameters '${DEST_URL_PARAMS:-none}', database settings '${DEST_SETTINGS:-none}', server ssl = $(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SHOW ssl')"
echo "load average: start $LOAD_START, end $LOAD_END"
echo "sandbox: seeded in $SEED_MS ms, peak RSS $(mb "$SB_HWM") MB"
echo "sandbox ceiling (list, 100/page, all properties): 1 connection $CEIL1 pages/s ($(awk -v p="$CEIL1" 'BEGIN {printf "%.0f", p * 100}') records/s), ${PAGE_BYTES} bytes/page, sandbox CPU ${SB_US_PER_PAGE} us/page; 4 connections $CEIL4 pages/s"
echo
python3 "$HELPER" report "$RESULTS"
