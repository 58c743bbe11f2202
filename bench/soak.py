"""Soak: eventrouter at a steady rate on every transport for a long time, with periodic faults.

usage: bench/soak [--minutes M] [--rate R] [--fault-every S] [--faults LIST] [--sink-failures F]
                  [--report-every S] [--drain-seconds S] [--rss-tolerance P] [--keep]

Starts its own redis-server (append-only file, fsync per write, so a restart keeps what it
acknowledged), Kafka broker (scripts/kafka-broker, in a folder of its own so a restart keeps its
topics and offsets), a webhook (an HTTP server in this process) and one eventrouter with three
topics -- soak-memory, soak-redis, soak-kafka, each fed by an event type of its own and read by a
consumer group whose http sink is the webhook. The webhook records every event id it answers 2xx
for, and answers 500 to a fraction F of the requests (default 0.01) so that retries happen.

For M minutes (default 30) three producer threads, one per transport, post R events/s in all
(default 200) with known ids, one event per request in structured mode, and retry every answer
that is not 202 -- as a real producer would -- until it is. Every S seconds (--fault-every,
default 60) one fault, in rotation (--faults, default all, in this order):

  redis-restart  redis-server stopped (SIGTERM) and started again on the same port and folder
  redis-pause    redis-server stopped with SIGSTOP for 2.5x eventrouter's Redis command timeout,
                 then SIGCONT
  kafka-restart  the Kafka broker stopped and started again on the same port and folder
  reload         the consumers' batch_size changed in the file, then POST /admin/reload with the
                 admin token or SIGHUP, alternately; the reload must answer "ok"
  kill-9         eventrouter killed with SIGKILL and started again on the same port

A memory topic loses what it holds when its process is killed, by design: the memory path's
events accepted and not yet delivered when eventrouter was killed are counted apart ("held at
kill -9"), not as losses. The Redis and Kafka paths must lose nothing.

Every --report-every seconds (default 10) a line: elapsed time, eventrouter's resident memory
(VmRSS), events/s accepted and delivered, the backlog per transport (accepted, not yet delivered)
and the last fault. After M minutes the producers stop and the consumers get --drain-seconds
(default 180) to deliver the rest. Then the report: resident memory over time (first, middle,
last, max) and whether it is flat -- the median of the last third of the samples within
--rss-tolerance percent (default 10) of the first third's, after a warm-up, over the longest
run of one eventrouter process (kill -9 starts a new one) --, throughput, the faults, and per
transport posted / accepted / delivered / lost / duplicates.

Exits 1 on any loss on Redis or Kafka, on a memory loss not explained by kill -9, or on a fault
that failed; 2 when the set-up failed; 130 on Ctrl-C. Everything started is stopped at exit, on
errors and on Ctrl-C; ports are picked free at run time; logs are kept in a temporary folder when
the run fails (or with --keep). EVENTROUTER_BINARY overrides build/app/eventrouter; EVENTROUTER_KAFKA_JARS is where
scripts/kafka-broker finds the broker's jars.
"""

import collections
import contextlib
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "interop"))

import pytest  # noqa: E402  (the harness reports a failed wait with pytest.fail)
from harness import Eventrouter, KafkaBroker, RedisServer, free_port, http  # noqa: E402
from bench_support import argument_parser, status_kib  # noqa: E402

EVENTROUTER = Path(os.environ.get("EVENTROUTER_BINARY", REPO / "build" / "app" / "eventrouter"))
TRANSPORTS = ("memory", "redis", "kafka")
FAULTS = ("redis-restart", "redis-pause", "kafka-restart", "reload", "kill-9")
ADMIN_TOKEN_ENV = "EVENTROUTER_ADMIN_TOKEN"

REDIS_COMMAND_TIMEOUT_MS = 2000  # short, so a pause of a few seconds outlasts it
REDIS_PAUSE = 2.5 * REDIS_COMMAND_TIMEOUT_MS / 1000
BATCH_SIZES = (100, 50)          # what a reload alternates between: every consumer restarts
POST_TIMEOUT = 40                # above eventrouter's 30 s publish timeout
RETRY_WAIT = 0.5                 # after a refused post or no connection (Retry-After is 1 s)
SAMPLE_EVERY = 2                 # seconds between two readings of VmRSS
STOP_TIMEOUT = 60                # for a broker or eventrouter to exit
COMPLAINTS_SHOWN = 12            # the most frequent of eventrouter's warnings and errors, in the report


# --- what each path posted, got accepted and delivered, by event id --------------------------

@dataclass
class Tally:
    """One transport's events. Written by its producer thread and the webhook's threads."""
    posted: int = 0
    accepted: set = field(default_factory=set)        # ids answered 202
    delivered: dict = field(default_factory=dict)     # id -> time of its first 2xx from the webhook
    deliveries: int = 0                               # every 2xx, repeats included
    failed_on_purpose: int = 0                        # the webhook's 500s
    refusals: collections.Counter = field(default_factory=collections.Counter)  # by status, or "no connection"
    held_at_kill: set = field(default_factory=set)    # ids accepted, undelivered when eventrouter was killed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self):
        with self.lock:
            self.posted += 1

    def refuse(self, answer):
        with self.lock:
            self.refusals[answer] += 1

    def accept(self, event_id):
        with self.lock:
            self.accepted.add(event_id)

    def deliver(self, event_id):
        with self.lock:
            self.deliveries += 1
            self.delivered.setdefault(event_id, time.monotonic())

    def fail_on_purpose(self):
        with self.lock:
            self.failed_on_purpose += 1

    def counts(self):
        """(accepted, delivered) now."""
        with self.lock:
            return len(self.accepted), len(self.delivered)

    def backlog(self):
        """Accepted and not delivered yet (a delivery may come before its 202 is counted)."""
        with self.lock:
            return len(self.accepted - self.delivered.keys())

    def longest_gap(self):
        """The longest time, in seconds, between two events delivered for the first time: how long
        the path stood still at its worst (events come every few milliseconds while the load runs)."""
        with self.lock:
            times = sorted(self.delivered.values())
        return max((b - a for a, b in zip(times, times[1:])), default=0.0)

    def hold_undelivered(self):
        """Notes what was accepted and not delivered yet: the memory topic's content at a kill."""
        with self.lock:
            self.held_at_kill |= self.accepted - self.delivered.keys()

    def outstanding(self):
        """Accepted, not delivered, and not excused by a kill: what a drain waits for."""
        with self.lock:
            return len(self.accepted - self.delivered.keys() - self.held_at_kill)


# --- the webhook every consumer delivers to ---------------------------------------------------

class Webhook:
    """An HTTP server in a thread; POST /<transport> records the event's id (ce-id) in that
    transport's tally, or answers 500 to a fraction of the requests."""

    def __init__(self, tallies, failure_fraction):
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # eventrouter keeps its sink connections alive

            def do_POST(self):  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(webhook.answer(self.path.strip("/"), self.headers.get("ce-id")))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.tallies = tallies
        self.failure_fraction = failure_fraction
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook", daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, transport, event_id):
        tally = self.tallies.get(transport)
        if tally is None or not event_id:
            return 404
        if random.random() < self.failure_fraction:
            tally.fail_on_purpose()
            return 500
        tally.deliver(event_id)
        return 200

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- the producers ----------------------------------------------------------------------------

def event(transport, seq):
    return {"specversion": "1.0", "type": f"soak.{transport}.v1", "id": f"{transport}-{seq:09d}",
            "source": "bench/soak", "data": {"key": f"k{seq % 16}", "seq": seq}}


class Producer(threading.Thread):
    """Posts one transport's events on a fixed schedule (seq / rate seconds after the start;
    behind it, as fast as it can), each until it gets a 202."""

    def __init__(self, transport, tally, url, rate, stopping):
        super().__init__(name=f"producer-{transport}", daemon=True)
        self.transport, self.tally, self.url, self.rate, self.stopping = transport, tally, url, rate, stopping

    def run(self):
        started = time.monotonic()
        seq = 0
        while not self.stopping.is_set():
            due = started + seq / self.rate
            if self.stopping.wait(max(0.0, due - time.monotonic())):
                return
            self.post_until_accepted(event(self.transport, seq))
            seq += 1

    def post_until_accepted(self, body):
        self.tally.post()
        data = json.dumps(body).encode()
        while not self.stopping.is_set():
            try:
                status, _ = http("POST", f"{self.url}/v1/events", data,
                                 {"content-type": "application/cloudevents+json"}, timeout=POST_TIMEOUT)
            except OSError:  # eventrouter restarting: no connection, or reset
                status = "no connection"
            if status == 202:
                self.tally.accept(body["id"])
                return
            self.tally.refuse(status)
            self.stopping.wait(RETRY_WAIT)


# --- the processes, and the faults done to them ----------------------------------------------

class Services:
    """redis-server, the Kafka broker and eventrouter, each restartable in place: a restart
    replaces the process object, on the same port and folder. Faults are done from one thread,
    which run() ends before it stops the processes, so no restart races the stop."""

    def __init__(self, stack, workdir, webhook):
        self.workdir = workdir
        self.webhook = webhook
        self.batch_size = BATCH_SIZES[0]
        self.incarnations = []  # every eventrouter process, the current one last
        self.redis = self.kafka = None
        self.eventrouter_status = None  # its exit status on SIGTERM, once stopped
        stack.callback(self.stop_all)
        say(f"starting redis-server and the Kafka broker (logs in {workdir})")
        (self.workdir / "redis").mkdir()  # its append-only file, kept across its restarts
        self.redis = RedisServer(self.workdir / "redis", durable=True)
        self.kafka = KafkaBroker(folder=self.workdir / "kafka")
        self.http_port = free_port()
        self.start_eventrouter()

    @property
    def router(self):
        return self.incarnations[-1]

    def config(self):
        consumer = {
            "group_id": "soak", "batch_size": self.batch_size,
            "retry": {"max_attempts": 5, "backoff_ms": [50, 2000]},
            "sink": {"type": "http", "concurrency": 4, "timeout_ms": 5000},
        }
        return {
            "topic_prefix": "soak",
            "http": {"listen": f"127.0.0.1:{self.http_port}"},
            "reload": {"watch_file": False},
            "transports": {
                # stream_max_len above any backlog this run builds: trimming unread entries is a loss.
                "redis": {"url": self.redis.url, "command_timeout_ms": REDIS_COMMAND_TIMEOUT_MS,
                          "stream_max_len": 1_000_000},
                "kafka": {"bootstrap_servers": self.kafka.bootstrap},
            },
            "topics": {t: {"transport": t} for t in TRANSPORTS},  # soak-memory, soak-redis, soak-kafka
            "producer_config": {f"soak.{t}.v1": {t: {"event_key_field": "key"}} for t in TRANSPORTS},
            "consumers": [{**consumer, "name": f"{t}-webhook", "topic": t,
                           "sink": {**consumer["sink"], "url": f"{self.webhook.url}/{t}"}} for t in TRANSPORTS],
        }

    def start_eventrouter(self):
        folder = self.workdir / f"eventrouter-{len(self.incarnations) + 1}"
        folder.mkdir()
        self.incarnations.append(Eventrouter(EVENTROUTER, self.config(), folder))

    def restart_redis(self):
        self.redis.stop(STOP_TIMEOUT)
        self.redis = RedisServer(self.workdir / "redis", port=self.redis.port, durable=True)

    def pause_redis(self):
        self.redis.send_signal(signal.SIGSTOP)
        try:
            time.sleep(REDIS_PAUSE)
        finally:
            self.redis.send_signal(signal.SIGCONT)

    def restart_kafka(self):
        self.kafka.stop(STOP_TIMEOUT)
        self.kafka = KafkaBroker(port=self.kafka.port, folder=self.workdir / "kafka")

    def kill_eventrouter(self, memory_tally):
        self.router.stop(STOP_TIMEOUT, sig=signal.SIGKILL)
        memory_tally.hold_undelivered()  # nothing runs now to accept or deliver more
        self.start_eventrouter()

    def reload(self, trigger):
        """Rewrites the file with the other batch size and has eventrouter reload it; returns what
        it says changed."""
        self.batch_size = BATCH_SIZES[1] if self.batch_size == BATCH_SIZES[0] else BATCH_SIZES[0]
        router = self.router
        router.config_path.write_text(json.dumps(self.config(), indent=2), encoding="utf-8")
        if trigger == "POST /admin/reload":
            status, answer = http("POST", f"{router.url}/admin/reload",
                                  headers={"authorization": f"Bearer {os.environ[ADMIN_TOKEN_ENV]}"}, timeout=60)
            if status != 200:
                raise RuntimeError(f"POST /admin/reload answered {status}: {answer}")
            return answer["changes"]
        generation = http("GET", f"{router.url}/v1/reloads")[1]["generation"]
        router.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            latest = http("GET", f"{router.url}/v1/reloads")[1]["reloads"][0]
            if latest["trigger"] == "SIGHUP" and latest["generation"] > generation:
                return latest["changes"]
            if latest["trigger"] == "SIGHUP" and latest["result"] != "ok":
                raise RuntimeError(f"the SIGHUP reload was {latest['result']}: {latest.get('details')}")
            time.sleep(0.2)
        raise RuntimeError("no SIGHUP reload listed in /v1/reloads within 60 s")

    def stop_all(self):
        if self.incarnations:
            with contextlib.suppress(Exception, pytest.fail.Exception):
                self.eventrouter_status = self.router.stop(Eventrouter.STOP_TIMEOUT)
            self.save_logs()
        if self.redis:
            self.redis.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
        for process in (self.kafka, self.redis):
            if process:
                with contextlib.suppress(Exception, pytest.fail.Exception):
                    process.stop(STOP_TIMEOUT)

    def save_logs(self):
        for i, router in enumerate(self.incarnations, 1):
            (self.workdir / f"eventrouter-{i}.log").write_text("\n".join(router.stderr + router.stdout) + "\n")

    def complaints(self):
        """How often eventrouter logged each warning and error (all its processes), numbers and ids
        written N, most frequent first."""
        found = collections.Counter()
        for line in (line for router in self.incarnations for line in router.stderr):
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("level") in ("warn", "error"):
                    found[f"{entry['level']}: {re.sub(r'[0-9]+', 'N', entry.get('msg', ''))}"] += 1
        return found.most_common()


@dataclass
class FaultRecord:
    at: float          # seconds since the start of the load
    name: str
    seconds: float
    outcome: str       # "ok: …" or "FAILED: …"

    def __str__(self):
        return f"{self.name} at {clock(self.at)} ({self.seconds:.1f} s, {self.outcome})"


class FaultInjector(threading.Thread):
    """Every `every` seconds the next fault of the rotation, one at a time (a slow one delays the
    next)."""

    def __init__(self, services, tallies, names, every, started, stopping):
        super().__init__(name="faults", daemon=True)
        self.services, self.tallies, self.names, self.every = services, tallies, names, every
        self.started, self.stopping = started, stopping
        self.records = []
        self.under_way = None  # (name, when it started) of the fault being done
        self.reload_triggers = 0

    def run(self):
        for n in itertools.count() if self.names else ():
            due = self.started + (n + 1) * self.every
            if self.stopping.wait(max(0.0, due - time.monotonic())):
                return
            self.records.append(self.inject(self.names[n % len(self.names)]))

    def inject(self, name):
        at = time.monotonic()
        self.under_way = (name, at)
        try:
            outcome = f"ok: {self.do(name)}"
        except (Exception, pytest.fail.Exception) as e:  # the harness fails a wait with pytest.fail
            outcome = f"FAILED: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        finally:
            self.under_way = None
        return FaultRecord(at - self.started, name, time.monotonic() - at, outcome)

    def do(self, name):
        s = self.services
        if name == "redis-restart":
            s.restart_redis()
            return "restarted"
        if name == "redis-pause":
            s.pause_redis()
            return f"SIGSTOP for {REDIS_PAUSE:.0f} s"
        if name == "kafka-restart":
            s.restart_kafka()
            return "restarted"
        if name == "reload":
            self.reload_triggers += 1
            trigger = "SIGHUP" if self.reload_triggers % 2 == 0 else "POST /admin/reload"
            return f"{trigger}: {s.reload(trigger)}"
        if name == "kill-9":
            s.kill_eventrouter(self.tallies["memory"])
            return f"restarted, {len(self.tallies['memory'].held_at_kill)} memory events held so far"
        raise ValueError(name)

    @property
    def last(self):
        under_way = self.under_way
        if under_way:
            return f"{under_way[0]} at {clock(under_way[1] - self.started)} (under way)"
        return str(self.records[-1]) if self.records else "none yet"

    def failed(self):
        return [r for r in self.records if r.outcome.startswith("FAILED")]


# --- progress and the report ------------------------------------------------------------------

def clock(seconds):
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"


def mib(kib):
    return f"{kib / 1024:.1f} MiB" if kib is not None else "-"


@dataclass
class RssSample:
    at: float
    incarnation: int
    kib: int


class Monitor:
    """Samples eventrouter's VmRSS and prints a progress line every `report_every` seconds."""

    def __init__(self, services, tallies, faults, started, report_every):
        self.services, self.tallies, self.faults = services, tallies, faults
        self.started, self.report_every = started, report_every
        self.samples = []
        self.last_report = (started, self.totals())

    def totals(self):
        counts = [t.counts() for t in self.tallies.values()]
        return sum(a for a, _ in counts), sum(d for _, d in counts)

    def sample(self):
        kib = status_kib(self.services.router.pid, "VmRSS")
        if kib is not None:
            self.samples.append(RssSample(time.monotonic() - self.started, len(self.services.incarnations), kib))

    def report_if_due(self, phase=""):
        now = time.monotonic()
        then, (accepted_then, delivered_then) = self.last_report
        if now - then < self.report_every:
            return
        accepted, delivered = self.totals()
        self.last_report = (now, (accepted, delivered))
        backlog = " ".join(f"{t} {tally.backlog()}" for t, tally in self.tallies.items())
        rss = self.samples[-1].kib if self.samples else None
        accepted_rate = (accepted - accepted_then) / (now - then)
        delivered_rate = (delivered - delivered_then) / (now - then)
        print(f"{clock(now - self.started)}{phase} rss {mib(rss)} | accepted {accepted_rate:.0f}/s "
              f"delivered {delivered_rate:.0f}/s | backlog {backlog} | last fault: {self.faults.last}", flush=True)


def rss_report(samples, warm_up, tolerance):
    """Lines on resident memory, and whether it is flat (None: too few samples to say)."""
    if not samples:
        return ["RSS: no samples"], None
    kib = [s.kib for s in samples]
    runs = {}
    for s in samples:
        runs.setdefault(s.incarnation, []).append(s)
    lines = [f"RSS of eventrouter under load (VmRSS, every {SAMPLE_EVERY} s, {len(runs)} process(es)): "
             f"first {mib(kib[0])}, middle {mib(kib[len(kib) // 2])}, last {mib(kib[-1])}, max {mib(max(kib))}"]
    longest = max(runs.values(), key=lambda run: run[-1].at - run[0].at)
    settled = [s for s in longest if s.at - longest[0].at >= warm_up]
    third = len(settled) // 3
    if third < 2:
        return lines + [f"flat: cannot say, {len(settled)} samples after a warm-up of {warm_up:.0f} s"], None
    first = statistics.median(s.kib for s in settled[:third])
    last = statistics.median(s.kib for s in settled[-third:])
    change = 100 * (last - first) / first
    flat = abs(change) <= tolerance
    lines.append(f"flat: {'YES' if flat else 'NO'} -- median of the last third {mib(last)} vs the first third "
                 f"{mib(first)} ({change:+.1f} %, tolerance {tolerance:.0f} %), over the longest-lived process "
                 f"({clock(longest[0].at)}-{clock(longest[-1].at)}, after {warm_up:.0f} s of warm-up)")
    return lines, flat


def transport_table(tallies):
    """The per-transport tally as a Markdown table; returns (lines, ids lost on Redis or Kafka,
    memory ids lost but not held at a kill)."""
    lines = ["| transport | posted | accepted | delivered | lost | duplicates | longest stall (s) | refused answers "
             "| webhook 500s |",
             "|-----------|-------:|---------:|----------:|-----:|-----------:|------------------:|-----------------"
             "|-------------:|"]
    durable_losses, unexplained = [], []
    for name, t in tallies.items():
        with t.lock:
            posted, accepted, delivered = t.posted, len(t.accepted), len(t.delivered)
            lost = sorted(t.accepted - t.delivered.keys())
            held = [i for i in lost if i in t.held_at_kill]
            other = [i for i in lost if i not in t.held_at_kill]
            duplicates, failed_on_purpose = t.deliveries - delivered, t.failed_on_purpose
            refused = ", ".join(f"{k}: {v}" for k, v in sorted(t.refusals.items(), key=str)) or "-"
        lost_text = f"{len(other)} (+{len(held)} held at kill -9)" if name == "memory" else str(len(other))
        lines.append(f"| {name} | {posted} | {accepted} | {delivered} | {lost_text} | {duplicates} | "
                     f"{t.longest_gap():.1f} | {refused} | {failed_on_purpose} |")
        (unexplained if name == "memory" else durable_losses).extend(other)
    return lines, durable_losses, unexplained


def print_report(args, monitor, faults, services, load_seconds, drain_seconds):
    tallies = monitor.tallies
    print()
    under_load = [sample for sample in monitor.samples if sample.at <= load_seconds]  # not the idle drain
    rss_lines, flat = rss_report(under_load, warm_up=min(60.0, load_seconds / 6), tolerance=args.rss_tolerance)
    for line in rss_lines:
        print(line)
    accepted, delivered = monitor.totals()
    posted = sum(t.posted for t in tallies.values())
    print(f"throughput: {posted} events posted in {load_seconds:.0f} s ({posted / load_seconds:.0f}/s, asked "
          f"{args.rate}/s), {accepted} accepted ({accepted / load_seconds:.0f}/s), {delivered} delivered by the end "
          f"of the drain ({drain_seconds:.0f} s after the load)")
    print(f"faults ({len(faults.records)}): " + ("; ".join(map(str, faults.records)) or "none"))
    complaints = services.complaints()
    print(f"eventrouter: {len(services.incarnations)} process(es), exit status on SIGTERM "
          f"{services.eventrouter_status}; logged {sum(n for _, n in complaints)} warnings and errors:")
    for message, count in complaints[:COMPLAINTS_SHOWN]:
        print(f"  {count:6d}  {message[:160]}")
    table, durable_losses, unexplained = transport_table(tallies)
    print()
    for line in table:
        print(line)
    print("\nlost: accepted (202) and never delivered. Memory events held in the topic when eventrouter was "
          "killed are lost by design and counted apart. Longest stall: the longest time between two first "
          "deliveries.")
    for what, ids in (("lost on Redis or Kafka", durable_losses), ("lost on memory, not at a kill", unexplained)):
        if ids:
            print(f"{what}: {len(ids)}, e.g. {', '.join(ids[:5])}")
    return flat, not durable_losses and not unexplained


# --- the run ------------------------------------------------------------------------------------

def drain(monitor, tallies, seconds):
    """Until every accepted event is delivered (but those a kill took), or `seconds` ran out."""
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline and any(t.outstanding() for t in tallies.values()):
        time.sleep(SAMPLE_EVERY)
        monitor.sample()
        monitor.report_if_due(" drain")
    return time.monotonic() - started


def run(args, stack, workdir):
    tallies = {t: Tally() for t in TRANSPORTS}
    webhook = Webhook(tallies, args.sink_failures)
    stack.callback(webhook.stop)
    services = Services(stack, workdir, webhook)
    say(f"eventrouter serves {services.router.url}; {args.rate} events/s for {args.minutes:g} min, a fault every "
        f"{args.fault_every:g} s ({', '.join(args.faults)})")

    stopping = threading.Event()
    started = time.monotonic()
    producers = [Producer(t, tallies[t], services.router.url, args.rate / len(TRANSPORTS), stopping)
                 for t in TRANSPORTS]
    faults = FaultInjector(services, tallies, args.faults, args.fault_every, started, stopping)
    monitor = Monitor(services, tallies, faults, started, args.report_every)

    def stop_load():
        stopping.set()
        for thread in (*producers, faults):
            if thread.is_alive():
                thread.join()  # each wait in them is bounded (a post, a broker's start)
    stack.callback(stop_load)  # also on errors and Ctrl-C, before the processes are stopped

    for thread in (*producers, faults):
        thread.start()
    end = started + args.minutes * 60
    while time.monotonic() < end and not faults.failed():
        time.sleep(min(SAMPLE_EVERY, max(0.0, end - time.monotonic())))
        monitor.sample()
        monitor.report_if_due()
    load_seconds = time.monotonic() - started
    say("stopping the producers" + (" after a failed fault" if faults.failed() else "") +
        ", waiting for the fault under way")
    stop_load()
    drain_seconds = drain(monitor, tallies, args.drain_seconds)
    services.stop_all()  # for eventrouter's exit status and complaints in the report
    flat, no_loss = print_report(args, monitor, faults, services, load_seconds, drain_seconds)
    if flat is False:
        say("resident memory grew (or shrank) past the tolerance")
    return no_loss and not faults.failed()


def say(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


def parse_args():
    parser = argument_parser("bench/soak", __doc__)
    parser.add_argument("--minutes", type=float, default=30, help="how long the load lasts (default 30)")
    parser.add_argument("--rate", type=float, default=200, help="events/s posted, over the three transports "
                        "(default 200)")
    parser.add_argument("--fault-every", type=float, default=60, help="seconds between two faults (default 60)")
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help=f"the faults in rotation, comma-separated (default {','.join(FAULTS)}; none: '')")
    parser.add_argument("--sink-failures", type=float, default=0.01,
                        help="fraction of webhook requests answered 500 (default 0.01)")
    parser.add_argument("--report-every", type=float, default=10, help="seconds between progress lines (default 10)")
    parser.add_argument("--drain-seconds", type=float, default=180,
                        help="how long the consumers get to deliver the rest after the load (default 180)")
    parser.add_argument("--keep", action="store_true", help="keep the folder of logs after a run that passed too")
    parser.add_argument("--rss-tolerance", type=float, default=10,
                        help="percent the resident memory may move and still be flat (default 10)")
    args = parser.parse_args()
    args.faults = [f for f in args.faults.split(",") if f]
    unknown = set(args.faults) - set(FAULTS)
    if unknown or args.minutes <= 0 or args.rate <= 0 or args.fault_every <= 0 or not 0 <= args.sink_failures < 1:
        parser.error(f"unknown faults {sorted(unknown)}" if unknown else
                     "need --minutes, --rate and --fault-every > 0 and 0 <= --sink-failures < 1")
    return args


def main():
    args = parse_args()
    if not os.access(EVENTROUTER, os.X_OK):
        say(f"no eventrouter binary at {EVENTROUTER} (build it, or set EVENTROUTER_BINARY)")
        return 2
    # SIGTERM unwinds like Ctrl-C, so the exit stack stops everything that was started; so does
    # SIGINT when a shell started this in the background with SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    os.environ[ADMIN_TOKEN_ENV] = secrets.token_hex(16)  # eventrouter inherits it
    workdir = Path(tempfile.mkdtemp(prefix="eventrouter-soak."))
    try:
        with contextlib.ExitStack() as stack:
            passed = run(args, stack, workdir)
    except KeyboardInterrupt:
        say(f"interrupted; everything started was stopped; logs kept in {workdir}")
        return 130
    except (Exception, pytest.fail.Exception) as e:  # the harness fails a wait with pytest.fail (a BaseException)
        say(f"{e}\nlogs kept in {workdir}")
        return 2
    if not passed:
        say(f"FAILED: events lost or a fault failed; logs kept in {workdir}")
        return 1
    if args.keep:
        say(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
