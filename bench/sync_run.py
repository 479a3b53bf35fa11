#!/usr/bin/env python3
"""Helper for bench/sync.sh: talks to Hitch's API and samples the hitch process.

Subcommands (all print JSON on stdout):
  setup   PORT TOKEN DEST_URL MAP_TITLE         -> {"recipe": id}
  mode    PORT TOKEN RECIPE MODE                -> switches the recipe to "full" or "incremental"
  run     PORT TOKEN RECIPE HITCH_PID SANDBOX_PID LABEL POLL_MS TIMEOUT_S
          -> starts a run, samples VmRSS every 10 ms, polls GET /api/v1/runs/{id} every POLL_MS,
             and reports the run, its log, CPU ticks of hitch and of the sandbox, and peak RSS.
  report  RESULTS_JSONL                         -> the table (text, not JSON)

Only the standard library: http.client on one keep-alive connection.
"""
import http.client
import json
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


class Api:
    def __init__(self, port, token):
        self.port, self.token = int(port), token
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return resp.status, parsed


def die(msg):
    print(f"sync_run.py: {msg}", file=sys.stderr)
    sys.exit(1)


def ticks(pid):
    # Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def backends(dbname):
    """CPU ticks of the PostgreSQL backends serving database `dbname`, by pid (from the process
    titles, "postgres: 15/main: user DB host(port) ..."), without asking PostgreSQL."""
    if not dbname:
        return {}
    out = {}
    needle = f" {dbname} ".encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if cmd.startswith(b"postgres: ") and needle in cmd:
                out[pid] = ticks(pid)
        except OSError:
            pass
    return out


def mapping(map_title):
    rules = [
        {"target": "hubspot_id", "source": {"field": "_id"}},
        {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "trim"}, {"op": "lower"}]},
        {"target": "full_name", "source": {"template": "{{firstname}} {{lastname}}"},
         "transforms": [{"op": "trim"}], "default": "(no name)"},
        {"target": "stage", "source": {"field": "lifecyclestage"},
         "transforms": [{"op": "lookup", "table": {"lead": "Lead", "customer": "Customer", "subscriber": "Subscriber"},
                         "on_missing": "keep"}]},
    ]
    if map_title:
        # The sandbox's "touch" changes jobtitle; with this rule a touched contact is rewritten.
        rules.append({"target": "title", "source": {"field": "jobtitle"}})
    return {"rules": rules}


def setup(port, token, dest_url, map_title):
    api = Api(port, token)
    ids = {}
    for provider, creds in (("hubspot", {"access_token": "pat-sandbox-bench"}), ("postgres", {"url": dest_url})):
        status, body = api.call("POST", "/api/v1/connections",
                                {"provider": provider, "label": provider[:2], "credentials": creds})
        if status != 201:
            die(f"connect {provider}: {status} {body}")
        ids[provider] = body["connection"]["id"]
    recipe = {
        "name": "Bench: HubSpot contacts to PostgreSQL",
        "source_connection_id": ids["hubspot"], "source_object": "contacts",
        "destination_connection_id": ids["postgres"], "destination_object": "contacts_copy",
        "mapping": mapping(map_title == "1"),
        "mode": "incremental", "upsert_key": "hubspot_id",
    }
    status, body = api.call("POST", "/api/v1/recipes", recipe)
    if status != 201:
        die(f"create recipe: {status} {body}")
    print(json.dumps({"recipe": body["id"]}))


def set_mode(port, token, recipe, mode):
    api = Api(port, token)
    status, spec = api.call("GET", f"/api/v1/recipes/{recipe}")
    if status != 200:
        die(f"get recipe: {status} {spec}")
    # What a PUT takes (the GET also answers id, cursor, times, next_run_at, ...).
    writable = ("name", "source_connection_id", "source_object", "destination_connection_id",
                "destination_object", "mapping", "mode", "delete_policy", "upsert_key", "enabled", "trigger")
    spec = {k: v for k, v in spec.items() if k in writable}
    spec["mode"] = mode
    status, body = api.call("PUT", f"/api/v1/recipes/{recipe}", spec)
    if status != 200:
        die(f"switch to {mode}: {status} {body}")
    print(json.dumps({"mode": body.get("mode")}))


def run(port, token, recipe, hitch_pid, sandbox_pid, label, poll_ms, timeout_s, dest_db=""):
    api = Api(port, token)
    # Backends already there (none, normally: a fresh hitch connects at the run's start).
    pg_start = backends(dest_db)
    pg_last = dict(pg_start)
    next_pg = 0.0
    poll = int(poll_ms) / 1000.0
    rss_before = status_kb(hitch_pid, "VmRSS")
    h0, s0 = ticks(hitch_pid), ticks(sandbox_pid)
    t0 = time.perf_counter()
    status, started = api.call("POST", f"/api/v1/recipes/{recipe}/run", {})
    if status != 202:
        die(f"run: {status} {started}")
    run_id = started["run_id"]
    rss_max, samples, next_poll = rss_before, 0, t0
    while True:
        now = time.perf_counter()
        rss_max = max(rss_max, status_kb(hitch_pid, "VmRSS"))
        samples += 1
        if dest_db and now >= next_pg:
            pg_last.update(backends(dest_db))
            next_pg = now + 0.1
        if now >= next_poll:
            status, got = api.call("GET", f"/api/v1/runs/{run_id}")
            if status != 200:
                die(f"GET run: {status} {got}")
            if got["status"] not in ("running", "queued"):
                break
            next_poll = now + poll
            if now - t0 > float(timeout_s):
                die(f"run {run_id} still running after {timeout_s} s: {got}")
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    h1, s1 = ticks(hitch_pid), ticks(sandbox_pid)
    rss_max = max(rss_max, status_kb(hitch_pid, "VmRSS"))
    pg_last.update(backends(dest_db))
    pg_cpu = sum(t - pg_start.get(pid, 0) for pid, t in pg_last.items()) / HZ
    _, logs = api.call("GET", f"/api/v1/runs/{run_id}/logs")
    out = {
        "label": label,
        "run": got,
        "client_wall_s": round(wall, 3),
        "hitch_cpu_s": (h1 - h0) / HZ,
        "sandbox_cpu_s": (s1 - s0) / HZ,
        "dest_pg_cpu_s": pg_cpu,
        "dest_backends": len(pg_last),
        "rss_before_kb": rss_before,
        "rss_max_sampled_kb": rss_max,
        "vm_hwm_kb": status_kb(hitch_pid, "VmHWM"),
        "rss_after_kb": status_kb(hitch_pid, "VmRSS"),
        "rss_samples": samples,
        "logs": [f'{l["at"]} {l["level"]} {l["message"]}' for l in (logs or {}).get("logs", [])],
    }
    print(json.dumps(out))


def fmt_int(n):
    return f"{n:,.0f}"


def report(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    verdict = lambda ok: "met" if ok else "NOT MET"
    print(f"{'run':<34} {'read':>9} {'cr/upd/unch':>21} {'dest rows':>10} {'wall s':>7} {'rec/s':>9} "
          f"{'hitch CPU s':>11} {'CPU s/100k':>10} {'sandbox CPU s':>13} {'dest PG CPU s':>13} {'peak RSS MB':>11} {'dest xacts':>10} {'store xacts':>11}")
    for r in rows:
        run, c = r["run"], r["run"]["counts"]
        secs = (run.get("duration_ms") or 0) / 1000.0
        rate = c["read"] / secs if secs else 0
        per100k = r["hitch_cpu_s"] * 100000 / c["read"] if c["read"] else 0
        peak = max(r["vm_hwm_kb"], r["rss_max_sampled_kb"]) / 1024
        print(f"{r['label']:<34} {fmt_int(c['read']):>9} "
              f"{c['created']:>7}/{c['updated']:>6}/{c['unchanged']:>6} {r.get('dest_rows_written', '?'):>10} "
              f"{secs:>7.2f} {fmt_int(rate):>9} {r['hitch_cpu_s']:>11.2f} {per100k:>10.2f} "
              f"{r['sandbox_cpu_s']:>13.2f} {r.get('dest_pg_cpu_s', 0):>13.2f} {peak:>11.1f} {r.get('dest_xacts', '?'):>10} {r.get('own_xacts') or '-':>11}")
        if run["status"] != "succeeded" or c["failed"]:
            print(f"  !! status {run['status']}, failed {c['failed']}: {run.get('error_message')}")
    print()
    print("Verdicts (targets from issue #4):")
    for r in rows:
        run, c, label = r["run"], r["run"]["counts"], r["label"]
        secs = (run.get("duration_ms") or 0) / 1000.0
        rate = c["read"] / secs if secs else 0
        peak = max(r["vm_hwm_kb"], r["rss_max_sampled_kb"]) / 1024
        per100k = r["hitch_cpu_s"] * 100000 / c["read"] if c["read"] else 0
        checks = []
        if label.startswith("first"):
            checks += [(f"{fmt_int(rate)} rec/s > 50,000", rate > 50000),
                       (f"{per100k:.2f} CPU-s/100k < 1.6", per100k < 1.6)]
        if label.startswith("unchanged"):
            writes = c["created"] + c["updated"]
            rows_w = r.get("dest_rows_written")
            checks += [(f"created+updated {writes}, destination rows written {rows_w} = 0",
                        writes == 0 and rows_w == 0)]
            if c["read"] >= 10000:
                checks += [(f"{fmt_int(rate)} rec/s > 100,000", rate > 100000)]
        if label.startswith("1% changed"):
            checks += [(f"{secs:.3f} s wall < 0.5 s", secs < 0.5)]
        checks += [(f"peak RSS {peak:.1f} MB < 60 MB", peak < 60)]
        print(f"  {label:<34} " + "; ".join(f"{t}: {verdict(ok)}" for t, ok in checks))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"setup": setup, "mode": set_mode, "run": run, "report": report}[cmd](*args)
