"""Issue 17's "fast by default" targets, each beside its baseline measured in the same run.

usage: bench/fast_defaults [--runs R] [--seconds S] [--connections C] [--only bridge,http,latency]
                           [--bridge-events N] [--openedx-events M] [--latency-rate R]
                           [--batch MAX_EVENTS,MAX_BYTES,MAX_WAIT_MS] [--cpus split|shared]

Starts what it measures against itself, on free loopback ports, and stops it at the end: nginx
(Debian's; a configuration of its own in a temporary folder: 2 workers, no access log,
keep-alive, every POST answered 204), Benthos (built once into build/benthos from the Go module
github.com/redpanda-data/benthos/v4 v4.60.0, its pure and io components), and for the bridge
rows Redis, a Kafka broker and the schema registry double (through bench/openedx_bridge). Each
measurement runs R times (default 3), the paths of one row group alternately; the table shows
medians. Rows:

  bridge   bench/openedx_bridge --defaults --librdkafka: Open edX's own Redis -> Kafka bridge,
           eventrouter with the service's default consumer settings and one consumer, timed
           from process start, and librdkafka alone producing the records eventrouter bridged
           (same producer settings, from its producer's creation). Events: --bridge-events for
           eventrouter and librdkafka, --openedx-events for Open edX (default: the same; rates
           are compared). "after first" figures leave start-up out. 50000 by default: a bridge
           runs for long, and 5000 events were eventrouter's start-up more than its pace (its
           first event moves about 70 ms after start, its last 5000 about 70 ms later).
  http     wrk -t1 -cC for S seconds, single CloudEvents POSTed (structured mode; key and id
           vary per request), to
             nginx directly (wrk's own requests/s: the ceiling),
             eventrouter -> memory topic -> one consumer, http sink to nginx, consumer settings
               the service's defaults; delivered events/s read from eventrouter's /metrics
               (eventrouter_consumer_messages_total{outcome="ok"}) over wrk's run,
             Benthos: http_server input -> http_client output (its defaults) to nginx;
               delivered events/s read from nginx's stub_status request count over wrk's run.
           C (default 8) is the same for the three: the connections into the path.
           Then batched delivery: the same eventrouter with sink.batch set (--batch), fed batch
           POSTs of 100 events (application/cloudevents-batch+json) by the same wrk; delivered
           events/s from /metrics. Skipped when `eventrouter check-config` refuses sink.batch.
  latency  build/bench/paced_latency: R events/s (default 10000) for S seconds over C
           keep-alive connections, to eventrouter (defaults, memory topic, http sink) whose sink
           posts to the program's own receiver, which timestamps arrivals; beside it the same
           load posted straight to the receiver (the floor). p50/p99/max from POST to arrival.

CPUs (--cpus): with "split" (the default on 2 CPUs or more) the path under test, eventrouter or
Benthos, runs on the upper half of the CPUs and everything else of the http and latency rows
(wrk, nginx, paced_latency) on the lower half, the direct baselines included: the path is
measured on CPUs of its own, as a service runs beside its load in production, not against the
load generator for the same cores. With "shared" the kernel places them; as each process starts
in a session of its own, Linux's autogroup then gives each process, not each thread, an equal
share, so on 2 CPUs the path gets at most a third of them while wrk and nginx are busy (and the
direct baseline half of them each). The bridge rows run as bench/openedx_bridge places them.

Binaries: build/app/eventrouter (EVENTROUTER_BINARY overrides), build/bench/paced_latency and,
for the bridge, build/bench/kafka_produce_alone. Every load is bounded in time (S seconds) and
every wait has a deadline.
"""

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench_support import BenchError, argument_parser, free_port, run_in_workdir, spawn, tail

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "build"
EVENTROUTER = Path(os.environ.get("EVENTROUTER_BINARY", BUILD / "app" / "eventrouter"))
PACED_LATENCY = BUILD / "bench" / "paced_latency"
BENTHOS_DIR = BUILD / "benthos"
BENTHOS_MODULE = "github.com/redpanda-data/benthos/v4"
BENTHOS_VERSION = "v4.60.0"
EVENT_TYPE = "org.openedx.content_authoring.xblock.published.v1"
BATCH_EVENTS = 100      # events per POST in the batched row
READY_WITHIN = 30       # seconds a started server gets to answer
DRAIN_WITHIN = 30       # seconds paced_latency waits for deliveries, plus its load

BENTHOS_MAIN = f"""package main

import (
\t"context"

\t_ "{BENTHOS_MODULE}/public/components/io"
\t_ "{BENTHOS_MODULE}/public/components/pure"
\t"{BENTHOS_MODULE}/public/service"
)

func main() {{ service.RunCLI(context.Background()) }}
"""


CPUS = {}  # "load" and "path": the CPUs of each role under --cpus split; empty under shared


def on_cpus(role, argv):
    """argv, started on the CPUs of its role ("load" or "path") under --cpus split."""
    return ["taskset", "-c", CPUS[role]] + argv if role in CPUS else argv


def split_cpus():
    """The lower half of this process's CPUs for the load, the upper half for the path."""
    cpus = sorted(os.sched_getaffinity(0))
    half = len(cpus) // 2
    return {"load": ",".join(map(str, cpus[:half])), "path": ",".join(map(str, cpus[half:]))}


def say(message):
    print(f"fast_defaults: {message}", file=sys.stderr, flush=True)


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.status, reply.read().decode(errors="replace")


def await_ready(url, proc, what, log):
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{what} exited ({proc.returncode}):\n{tail(log)}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            if get(url, 1)[0] == 200:
                return
        time.sleep(0.05)
    raise BenchError(f"{what} not ready at {url} within {READY_WITHIN} s:\n{tail(log)}")


# --- what the paths are measured against ---------------------------------------------------

def start_nginx(stack, workdir):
    """nginx answering every POST 204, and its request count at /nginx_status."""
    port = free_port()
    folder = workdir / "nginx"
    folder.mkdir()
    temp = "\n".join(f"  {kind}_temp_path {folder}/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(f"""
worker_processes 2;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
{temp}
  # keep-alive for as long as a run lasts: nginx's default closes a connection after 1000 requests
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location = /nginx_status {{ stub_status; }}
    location / {{ return 204; }}
  }}
}}
""")
    log = folder / "stderr.log"
    proc = spawn(stack, on_cpus("load", ["nginx", "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf")]),
                 log, stdout=subprocess.DEVNULL)
    await_ready(f"http://127.0.0.1:{port}/nginx_status", proc, "nginx", log)
    return port


def nginx_requests(port):
    """Requests nginx has answered since it started (stub_status's third number), this one included."""
    body = get(f"http://127.0.0.1:{port}/nginx_status")[1]
    return int(body.splitlines()[2].split()[2])


def benthos_binary():
    """Benthos, built once: a module of its own under build/benthos with the pinned version."""
    binary = BENTHOS_DIR / "benthos"
    if binary.exists():
        return binary
    say(f"building Benthos {BENTHOS_VERSION} into {BENTHOS_DIR} (once; several minutes)")
    BENTHOS_DIR.mkdir(parents=True, exist_ok=True)
    (BENTHOS_DIR / "main.go").write_text(BENTHOS_MAIN)
    (BENTHOS_DIR / "go.mod").write_text("module benthosbench\n\ngo 1.22\n")
    for step in (["go", "get", f"{BENTHOS_MODULE}/public/service@{BENTHOS_VERSION}"], ["go", "mod", "tidy"],
                 ["go", "build", "-o", "benthos", "."]):
        done = subprocess.run(step, cwd=BENTHOS_DIR, capture_output=True, timeout=1800)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(step)} failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    return binary


# --- eventrouter ---------------------------------------------------------------------------

def eventrouter_config(port, sink_url, batch=None):
    """A memory topic read by one consumer whose http sink posts to sink_url. Only the sink's
    type and url are set (and batch, for the batched row): every other consumer setting is the
    service's default."""
    sink = {"type": "http", "url": sink_url}
    if batch:
        sink["batch"] = batch
    return {
        "http": {"listen": f"127.0.0.1:{port}"},
        "reload": {"watch_file": False},
        "topics": {"bench": {"transport": "memory"}},
        "producer_config": {EVENT_TYPE: {"bench": {"event_key_field": "xblock_info.usage_key"}}},
        "consumers": [{"name": "hook", "topic": "bench", "group_id": "hook", "sink": sink}],
    }


def write_config(workdir, name, config):
    path = workdir / f"{name}.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def accepts(workdir, config):
    """Whether this build's check-config takes the configuration."""
    path = write_config(workdir, "check", config)
    return subprocess.run([str(EVENTROUTER), "check-config", str(path)], capture_output=True, timeout=60).returncode == 0


def start_eventrouter(stack, workdir, name, sink_url, batch=None):
    port = free_port()
    config = write_config(workdir, name, eventrouter_config(port, sink_url, batch))
    log = workdir / f"{name}.log"
    proc = spawn(stack, on_cpus("path", [str(EVENTROUTER), "run", "--config", str(config)]), log,
                 stdout=subprocess.DEVNULL)
    await_ready(f"http://127.0.0.1:{port}/readyz", proc, "eventrouter", log)
    return port


def delivered_ok(port):
    """eventrouter_consumer_messages_total{outcome="ok"}, summed over its series."""
    body = get(f"http://127.0.0.1:{port}/metrics")[1]
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("eventrouter_consumer_messages_total{") and 'outcome="ok"' in line)


# --- the load ------------------------------------------------------------------------------

def event(seq):
    """The event the C++ benchmarks post (bench/bench_support.hpp), numbered seq."""
    return {"specversion": "1.0", "type": EVENT_TYPE, "id": f"bench-{seq}", "source": "openedx/cms/web",
            "time": "2023-06-09T14:12:45.320819+00:00",
            "data": {"seq": seq, "xblock_info": {"usage_key": f"block-v1:edX+Demo+2024+type@problem+block@{seq % 1000}",
                                                 "block_type": "problem"}}}


def wrk_script(workdir):
    """Single events whose id, seq and key change per request (a path that keeps events of one
    key in order is not held to one key), and, for the batched row, a rotation of ten batch
    bodies that cover 1000 keys (built once: wrk's own work per request stays small)."""
    template = json.dumps(event(0)).replace("%", "%%")
    template = (template.replace('"bench-0"', '"bench-%d"').replace('"seq": 0', '"seq": %d')
                .replace("block@0", "block@%d"))
    batches = [json.dumps([event(b * BATCH_EVENTS + i) for i in range(BATCH_EVENTS)]) for b in range(10)]
    single = workdir / "single.lua"
    single.write_text(f"""wrk.method = "POST"
wrk.headers["Content-Type"] = "application/cloudevents+json"
local template = [==[{template}]==]
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(template, n, n, n % 1000))
end
""")
    batch = workdir / "batch.lua"
    batch.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/cloudevents-batch+json"\n'
                     "local bodies = {" + ",".join(f"[==[{b}]==]" for b in batches) + "}\nlocal n = 0\n"
                     "request = function()\n  n = n + 1\n  return wrk.format(nil, nil, nil, bodies[n % 10 + 1])\nend\n")
    return single, batch


def wrk(url, script, args):
    """wrk's requests/s and non-2xx answers."""
    done = subprocess.run(on_cpus("load", ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "-s",
                                           str(script), url]),
                          capture_output=True, text=True, timeout=args.seconds + 60)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if not rate:
        raise BenchError(f"cannot read wrk's output:\n{done.stdout}{done.stderr}")
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return float(rate.group(1)), int(refused.group(1)) if refused else 0


def delivered_during(load, counter):
    """Events/s the counter grew by while load() ran, and load()'s own result."""
    before, started = counter(), time.monotonic()
    result = load()
    after, ended = counter(), time.monotonic()
    return (after - before) / (ended - started), result


# --- the measurements ----------------------------------------------------------------------

def http_round(env, args, batch):
    """One run of each HTTP path; returns {row: events/s}."""
    nginx_url = f"http://127.0.0.1:{env.nginx}/events"
    figures = {"wrk -> nginx": wrk(nginx_url, env.single, args)[0]}

    def through(row, start, path, script, counter):
        with contextlib.ExitStack() as stack:
            port = start(stack)
            figures[row], (posted, refused) = delivered_during(
                lambda: wrk(f"http://127.0.0.1:{port}{path}", script, args), lambda: counter(port))
        say(f"  {row}: took {posted:.0f} posts/s ({refused} not 2xx), delivered {figures[row]:.0f} events/s")

    through("eventrouter", lambda stack: start_eventrouter(stack, env.workdir, "eventrouter-http", nginx_url),
            "/v1/events", env.single, delivered_ok)
    through("benthos", lambda stack: start_benthos(stack, env, nginx_url), "/post", env.single,
            lambda _: nginx_requests(env.nginx))
    if batch:
        through("batched", lambda stack: start_eventrouter(stack, env.workdir, "eventrouter-batch", nginx_url, batch),
                "/v1/events", env.batch, delivered_ok)
    return figures


def start_benthos(stack, env, sink_url):
    port = free_port()
    config = {
        "http": {"address": f"127.0.0.1:{port}"},
        "input": {"http_server": {"path": "/post"}},
        "output": {"http_client": {"url": sink_url, "verb": "POST"}},
        "logger": {"level": "WARN"},
    }
    path = write_config(env.workdir, "benthos", config)  # JSON is YAML
    log = env.workdir / "benthos.log"
    proc = spawn(stack, on_cpus("path", [str(env.benthos), "-c", str(path)]), log, stdout=subprocess.DEVNULL)
    await_ready(f"http://127.0.0.1:{port}/ready", proc, "Benthos", log)
    return port


def paced(env, args, target):
    """One paced_latency run posting to target ("direct": its own receiver); its JSON figures.
    The receiver's URL comes first, so eventrouter can be started with it as its sink."""
    with contextlib.ExitStack() as stack:
        log = env.workdir / "paced_latency.log"
        proc = spawn(stack, on_cpus("load", [str(PACED_LATENCY), "--rate", str(args.latency_rate), "--seconds",
                                             str(args.seconds), "--connections", str(args.connections)]), log, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        receiver = proc.stdout.readline().split()[-1]
        url = "direct" if target == "direct" else f"http://127.0.0.1:{start_eventrouter(stack, env.workdir, 'eventrouter-latency', receiver)}/v1/events"
        proc.stdin.write(url + "\n")
        proc.stdin.flush()
        try:
            out, _ = proc.communicate(timeout=args.seconds + DRAIN_WITHIN + 30)
        except subprocess.TimeoutExpired:
            raise BenchError(f"paced_latency did not finish:\n{tail(log)}") from None
        if proc.returncode != 0:
            raise BenchError(f"paced_latency failed ({proc.returncode}):\n{tail(log)}")
        return json.loads(out.strip().splitlines()[-1])


def latency_round(env, args):
    return {"direct": paced(env, args, "direct"), "eventrouter": paced(env, args, "eventrouter")}


def bridge(args, workdir):
    out = workdir / "bridge.json"
    argv = [str(REPO / "bench" / "openedx_bridge"), "--defaults", "--librdkafka", "--runs", str(args.runs),
            "--events", str(args.bridge_events), "--openedx-events", str(args.openedx_events), "--json", str(out)]
    say("bridge: " + " ".join(argv[1:]))
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=3600)
    print(done.stdout, file=sys.stderr, flush=True)
    if done.returncode != 0:
        raise BenchError("bench/openedx_bridge failed (its messages above)")
    return json.loads(out.read_text())


# --- the report ----------------------------------------------------------------------------

def med(values):
    return statistics.median(values) if values else None


def target_line(name, ok, detail):
    return f"| {name} | {detail} | {'met' if ok else 'NOT met'} |"


def print_report(args, bridge_figures, http_runs, latency_runs, batch, batch_supported):
    placement = (f"the path under test on CPU {CPUS['path']}, load and receivers on CPU {CPUS['load']}"
                 if CPUS else "CPUs shared (each process in an autogroup of its own)")
    print(f"\nfast_defaults: medians of {args.runs} runs, {os.cpu_count()} CPUs ({placement}), wrk -t1 "
          f"-c{args.connections} -d{args.seconds}s per HTTP run\n")
    print("| row | settings | figure | baseline (same run) | ratio | target |")
    print("|-----|----------|-------:|---------------------|------:|--------|")
    if bridge_figures and "failed" in bridge_figures:
        print("| bridge Redis -> Kafka, from process start | - | not measured (bench/openedx_bridge failed: "
              "its messages above) | - | - | >= 50x Open edX, >= 80 % librdkafka |")
    elif bridge_figures:
        er, ox, rk = (bridge_figures[k]["rate"] for k in ("eventrouter", "Open edX", "librdkafka"))
        after = {k: bridge_figures[k]["after_first"] or 0 for k in ("eventrouter", "Open edX", "librdkafka")}
        settings = bridge_figures["settings"]
        print(f"| bridge Redis -> Kafka, from process start | eventrouter: {settings} | {er:.0f} events/s "
              f"(after first {after['eventrouter']:.0f}) | Open edX bridge {ox:.0f} events/s (after first "
              f"{after['Open edX']:.0f}) | {er / ox:.1f}x | >= 50x: {'met' if er / ox >= 50 else 'NOT met'} |")
        print(f"| bridge Redis -> Kafka, from process start | eventrouter: {settings} | {er:.0f} events/s | "
              f"librdkafka alone, from its producer's creation, {rk:.0f} events/s (after first "
              f"{after['librdkafka']:.0f}) | {100 * er / rk:.1f} % | >= 80 %: {'met' if er / rk >= 0.8 else 'NOT met'} |")
        first = {k: bridge_figures[k].get("first_seconds") for k in ("eventrouter", "Open edX")}
        if first["eventrouter"] is not None:
            print(f"| bridge: first event in Kafka, from process start (seen every 50 ms) | eventrouter: {settings} | "
                  f"{1000 * first['eventrouter']:.0f} ms | Open edX bridge "
                  f"{1000 * first['Open edX']:.0f} ms | - | <= 300 ms: "
                  f"{'met' if first['eventrouter'] <= 0.3 else 'NOT met'} |")
    if http_runs:
        m = {row: med([r[row] for r in http_runs if row in r]) for row in http_runs[0]}
        er, ng, bt = m["eventrouter"], m["wrk -> nginx"], m["benthos"]
        settings = "service defaults (http sink: type and url only); counted from /metrics"
        print(f"| HTTP -> memory -> http sink -> nginx, single events | {settings} | {er:.0f} events/s | "
              f"wrk -> nginx {ng:.0f} requests/s | {100 * er / ng:.1f} % | >= 40 %: {'met' if er / ng >= 0.4 else 'NOT met'} |")
        print(f"| HTTP -> memory -> http sink -> nginx, single events | {settings} | {er:.0f} events/s | "
              f"Benthos http_server -> http_client (its defaults; counted at nginx) {bt:.0f} events/s | "
              f"{er / bt:.2f}x | >= 3x: {'met' if er / bt >= 3 else 'NOT met'} |")
        if batch_supported:
            b = m["batched"]
            print(f"| HTTP (batches of {BATCH_EVENTS}) -> memory -> http sink, sink.batch -> nginx | sink.batch "
                  f"{json.dumps(batch)}, else defaults; counted from /metrics | {b:.0f} events/s | wrk -> nginx "
                  f"{ng:.0f} requests/s | {b / ng:.2f}x | >= 300000 events/s: {'met' if b >= 300000 else 'NOT met'} |")
        else:
            print("| HTTP -> memory -> http sink, sink.batch -> nginx | - | not measured (sink.batch not supported by "
                  "this build) | - | - | >= 300000 events/s |")
    if latency_runs:
        def figure(path, key):
            return med([r[path][key] for r in latency_runs if key in r[path]])
        er = {k: figure("eventrouter", k) for k in ("p50_us", "p99_us", "max_us")}
        direct = {k: figure("direct", k) for k in ("p50_us", "p99_us", "max_us")}
        delivered = med([r["eventrouter"]["delivered"] for r in latency_runs])
        events = latency_runs[0]["eventrouter"]["events"]
        posted = med([r["eventrouter"]["posted_per_second"] for r in latency_runs])
        ms = lambda f: "-" if f["p99_us"] is None else \
            f"p50 {f['p50_us'] / 1000:.2f} / p99 {f['p99_us'] / 1000:.2f} / max {f['max_us'] / 1000:.2f} ms"
        ok = er["p99_us"] is not None and er["p99_us"] <= 5000 and delivered == events
        print(f"| latency POST -> delivery at {args.latency_rate} events/s ({posted:.0f} posted/s), HTTP -> memory -> "
              f"http sink | service defaults | {ms(er)} ({delivered:.0f} of {events} delivered within "
              f"{DRAIN_WITHIN} s) | straight to the receiver: {ms(direct)} | - | p99 <= 5 ms: "
              f"{'met' if ok else 'NOT met'} |")
        lag = med([r["eventrouter"]["send_lag_p99_us"] for r in latency_runs])
        print(f"\nThe generator's pacing: p99 of how late a post went after its due time {lag / 1000:.2f} ms "
              f"(through eventrouter), {med([r['direct']['send_lag_p99_us'] for r in latency_runs]) / 1000:.2f} ms "
              f"(direct); posted {med([r['direct']['posted_per_second'] for r in latency_runs]):.0f}/s direct.")


# --- main ----------------------------------------------------------------------------------

class Environment:
    def __init__(self, workdir):
        self.workdir = workdir
        self.nginx = None
        self.benthos = None
        self.single = self.batch = None


def parse_args():
    parser = argument_parser("bench/fast_defaults", __doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds of each load (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's connections into each HTTP path (default 8)")
    parser.add_argument("--only", default="bridge,http,latency", help="rows to measure (default all)")
    parser.add_argument("--bridge-events", type=int, default=50000,
                        help="events eventrouter and librdkafka bridge per run (default 50000)")
    parser.add_argument("--openedx-events", type=int,
                        help="events Open edX's bridge is timed on per run (default: --bridge-events)")
    parser.add_argument("--latency-rate", type=int, default=10000, help="events/s of the latency load (default 10000)")
    parser.add_argument("--batch", default="1000,1048576,5",
                        help="sink.batch max_events,max_bytes,max_wait_ms of the batched row (default 1000,1048576,5)")
    parser.add_argument("--cpus", choices=["split", "shared"],
                        help="split: the path on CPUs of its own, the load on the others; shared: the kernel places "
                             "them (default split on 2 CPUs or more)")
    args = parser.parse_args()
    args.cpus = args.cpus or ("split" if len(os.sched_getaffinity(0)) >= 2 else "shared")
    if args.cpus == "split" and len(os.sched_getaffinity(0)) < 2:
        parser.error("--cpus split needs 2 CPUs or more")
    args.only = set(args.only.split(","))
    args.openedx_events = args.openedx_events or args.bridge_events
    if not args.only <= {"bridge", "http", "latency"} or args.runs < 1:
        parser.error("--only takes bridge, http, latency; --runs >= 1")
    if args.openedx_events > args.bridge_events:
        parser.error("--openedx-events must not exceed --bridge-events (Open edX is timed on the stream's first events)")
    return args


def check_binaries(args):
    needed = [EVENTROUTER] + ([PACED_LATENCY] if "latency" in args.only else []) + \
        ([BUILD / "bench" / "kafka_produce_alone"] if "bridge" in args.only else [])
    missing = [str(b) for b in needed if not os.access(b, os.X_OK)]
    if missing:
        raise BenchError(f"missing {', '.join(missing)}: cmake --build build --target eventrouter paced_latency "
                         "kafka_produce_alone")
    tools = ["nginx", "wrk"] + ([] if (BENTHOS_DIR / "benthos").exists() else ["go"])
    for tool in tools if "http" in args.only else []:
        if not shutil.which(tool):
            raise BenchError(f"{tool} is not installed (apt-get install -y nginx-light wrk; Go builds Benthos)")


def main():
    args = parse_args()
    return run_in_workdir("fast-defaults.", say, lambda workdir: measure_all(args, workdir))


def measure_all(args, workdir):
    if args.cpus == "split":
        CPUS.update(split_cpus())
        say(f"CPUs: the path under test on {CPUS['path']}, the load and receivers on {CPUS['load']}")
    env = Environment(workdir)
    max_events, max_bytes, max_wait = (int(x) for x in args.batch.split(","))
    batch = {"max_events": max_events, "max_bytes": max_bytes, "max_wait_ms": max_wait}
    bridge_figures, http_runs, latency_runs = None, [], []
    check_binaries(args)
    if "bridge" in args.only:
        # The bridge needs a Kafka broker and Open edX's consumer on this shared machine: when it
        # fails, the other rows are still worth their minutes, and the table says what is missing.
        try:
            bridge_figures = bridge(args, workdir)
        except BenchError as e:
            say(f"{e}; going on with the other rows")
            bridge_figures = {"failed": str(e)}
    batch_supported = accepts(workdir, eventrouter_config(free_port(), "http://127.0.0.1:1/", batch))
    with contextlib.ExitStack() as stack:
        if "http" in args.only:
            env.benthos = benthos_binary()
            env.nginx = start_nginx(stack, workdir)
            env.single, env.batch = wrk_script(workdir)
            for i in range(1, args.runs + 1):
                say(f"http run {i} of {args.runs}")
                http_runs.append(http_round(env, args, batch if batch_supported else None))
                say(f"  {json.dumps({k: round(v) for k, v in http_runs[-1].items()})}")
        if "latency" in args.only:
            for i in range(1, args.runs + 1):
                say(f"latency run {i} of {args.runs}")
                latency_runs.append(latency_round(env, args))
                say(f"  {json.dumps(latency_runs[-1])}")
    print_report(args, bridge_figures, http_runs, latency_runs, batch, batch_supported)
    if bridge_figures and "failed" in bridge_figures:
        raise BenchError("the bridge rows were not measured")


if __name__ == "__main__":
    sys.exit(main())
