#!/usr/bin/env python3
"""Helper for bench/scheduler.sh: talks to Hitch's API, reads the results from the database,
and samples CPU from /proc.

Subcommands:
  schedules  TOKEN N WORKSPACE BASE...  -> two sandbox connections (Stripe, empty; HubSpot)
             and N recipes on an hourly cron at minute (WORKSPACE*N + i) % 60 in one of three
             zones, saved round robin through the BASE urls (one per process)
  webhooks   TOKEN N BASE               -> N webhook-triggered recipes with a generic endpoint
             each; prints one "URL=SECRET" line per endpoint
  dispatch   DB ANCHOR SCALE FROM_MS TO_MS  -> JSON: dispatch latency of the due times whose
             wall-clock due time is in [FROM_MS, TO_MS]; DB is a sqlite file path or a
             PostgreSQL database name (psql on 127.0.0.1)
  watch      PIDS_CSV PGDB              -> until SIGTERM, samples CPU of the given pids (hitch)
             and of database PGDB's backends; then prints CPU seconds and cores per group
  sql        DB QUERY                   -> one value

Only the standard library (http.client, sqlite3) and the psql command.
"""
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse

HZ = os.sysconf("SC_CLK_TCK")
ZONES = ("UTC", "America/New_York", "Asia/Kolkata")


def die(msg):
    print(f"scheduler_run.py: {msg}", file=sys.stderr)
    sys.exit(1)


class Api:
    def __init__(self, base, token):
        u = urllib.parse.urlparse(base)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def post(self, path, body):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   "Content-Type": "application/json"}
        self.conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        parsed = json.loads(raw) if raw else None
        if resp.status not in (200, 201):
            die(f"POST {path}: {resp.status} {parsed}")
        return parsed


def connections(api, tag):
    stripe = api.post("/api/v1/connections", {"provider": "stripe", "label": f"stripe {tag}",
                                              "credentials": {"api_key": "sk_test_sandbox_4242QWERTY9876"}})
    hubspot = api.post("/api/v1/connections", {"provider": "hubspot", "label": f"hubspot {tag}",
                                               "credentials": {"access_token": "pat-sandbox-bench-01"}})
    return stripe["connection"]["id"], hubspot["connection"]["id"]


def recipe(name, src, dst, trigger):
    return {"name": name, "source_connection_id": src, "source_object": "customers",
            "destination_connection_id": dst, "destination_object": "contacts",
            "mapping": {"rules": [{"target": "email", "source": {"field": "email"}}]},
            "mode": "incremental", "upsert_key": "email", "trigger": trigger}


def schedules(token, n, workspace, *bases):
    apis = [Api(b, token) for b in bases]
    n, workspace = int(n), int(workspace)
    src, dst = connections(apis[0], workspace)
    for i in range(n):
        k = workspace * n + i
        trigger = {"kind": "cron", "expression": f"{k % 60} * * * *", "time_zone": ZONES[k % len(ZONES)]}
        apis[i % len(apis)].post("/api/v1/recipes", recipe(f"hourly {workspace}/{i}", src, dst, trigger))


def webhooks(token, n, base):
    api = Api(base, token)
    for i in range(int(n)):
        src, dst = connections(api, i)
        r = api.post("/api/v1/recipes", recipe(f"webhook {i}", src, dst, {"kind": "webhook"}))
        hook = api.post(f"/api/v1/recipes/{r['id']}/webhooks", {"scheme": "generic", "event_id_pointer": "/id"})
        print(f"{hook['url']}={hook['secret']}")


def query(db, sql):
    """Rows of `sql` on a sqlite file (a path) or a PostgreSQL database (a name)."""
    if "/" in db:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return [tuple(r) for r in con.execute(sql).fetchall()]
        finally:
            con.close()
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-AtF", "\t", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(None if v == "" else v for v in line.split("\t")) for line in out.splitlines() if line]


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    i = min(len(v), max(1, -(-int(p * len(v) * 1000) // 1000))) - 1  # nearest rank
    return round(v[i], 1)


def summary(values):
    return {"n": len(values), "p50": pct(values, 0.50), "p90": pct(values, 0.90), "p99": pct(values, 0.99),
            "max": round(max(values), 1) if values else None}


def dispatch(db, anchor, scale, from_ms, to_ms):
    anchor, scale, from_ms, to_ms = int(anchor), int(scale), int(from_ms), int(to_ms)
    # Due times as scheduled ms for the window's bounds.
    lo, hi = anchor + (from_ms - anchor) * scale, anchor + (to_ms - anchor) * scale
    rows = query(db, f"""
        SELECT f.due_at, f.fired_at, f.joined,
               (SELECT MIN(r.queued_at) FROM runs r WHERE r.job_id = f.job_id),
               (SELECT MIN(r.started_at) FROM runs r WHERE r.job_id = f.job_id)
        FROM schedule_fires f WHERE f.due_at >= {lo} AND f.due_at <= {hi}""")
    total, fired, queued, started = [], [], [], []
    not_started = joined = 0
    for due_at, fired_at, was_joined, queued_at, started_at in rows:
        due_wall = anchor + (int(due_at) - anchor) / scale
        joined += int(was_joined)
        if started_at is None:
            not_started += 1
            continue
        total.append(int(started_at) - due_wall)
        fired.append(int(fired_at) - due_wall)
        if not int(was_joined):
            queued.append(int(queued_at) - due_wall)
            started.append(int(started_at) - int(queued_at))
    distinct_due = len({r[0] for r in rows})
    print(json.dumps({"fires": len(rows), "distinct_due_instants": distinct_due, "joined": joined,
                      "not_started": not_started, "due_to_started_ms": summary(total),
                      "due_to_fired_ms": summary(fired), "due_to_queued_ms": summary(queued),
                      "queued_to_started_ms": summary(started)}))


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def watch(pids, pgdb):
    """Until SIGTERM: every 0.25 s, the CPU ticks of the given pids and of the PostgreSQL
    backends of database PGDB (from their process titles; plus the WAL writer), per pid, so
    processes that exit meanwhile still count up to their last sample. Prints CPU seconds
    per group and the wall time watched."""
    import signal
    import time
    own = [p for p in pids.split(",") if p]
    needle = f" {pgdb} ".encode()
    first, last = {}, {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    t0 = time.monotonic()
    seen_pg = set()
    while True:
        sample = {}
        for pid in own:
            try:
                sample[("hitch", pid)] = ticks(pid)
            except OSError:
                pass
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or pid in own:
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
                if cmd.startswith(b"postgres: ") and (needle in cmd or b"walwriter" in cmd):
                    sample[("postgres", pid)] = ticks(pid)
            except OSError:
                pass
        for key, t in sample.items():
            # A backend that appears after the start is counted from zero (its whole life).
            first.setdefault(key, t if not seen_pg or key[0] == "hitch" else 0)
            last[key] = t
        seen_pg.add(1)
        if stop:
            break
        time.sleep(0.25)
    wall = time.monotonic() - t0
    out = {"wall_s": round(wall, 2)}
    for group in ("hitch", "postgres"):
        secs = sum(last[k] - first[k] for k in last if k[0] == group) / HZ
        out[group] = {"cpu_s": round(secs, 2), "cores": round(secs / wall, 2) if wall else None}
    print(json.dumps(out), flush=True)


def sql(db, q):
    rows = query(db, q)
    print(rows[0][0] if rows else "")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"schedules": schedules, "webhooks": webhooks, "dispatch": dispatch, "watch": watch, "sql": sql}[cmd](*args)
