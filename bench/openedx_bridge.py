"""Open edX's own Redis -> Kafka bridge versus eventrouter, on the same machine in one run.

usage: bench/openedx_bridge [--events N] [--openedx-events M] [--runs R] [--batch-size B]
                            [--concurrency C] [--ordered on|off] [--consumers K] [--defaults]
                            [--librdkafka] [--json FILE] [--timeout S]

Starts its own redis-server, Kafka broker (scripts/kafka-broker) and schema registry test double
(tests/interop/schema_registry.py), writes the Open edX Avro schemas (scripts/openedx-schemas),
and has the real edx-event-bus-redis producer fill the stream dev-content-authoring-xblock-lifecycle
with N XBLOCK_PUBLISHED events. Then, R times, alternately:

  Open edX     a process with minimal Django settings (bench/openedx_service.py bridge): the real
               edx-event-bus-redis RedisEventConsumer reads the stream from its beginning in a new
               group, and its signal receiver re-produces each event with the real
               edx-event-bus-kafka producer to a new Kafka topic (openedx format, the registry).
  eventrouter  `eventrouter run` with a consumer on the same stream (openedx format, new group,
               from_beginning, sink "route") and a route of the event type to a new Kafka topic in
               openedx format, keyed by xblock_info.usage_key. The sink has up to C events under
               way, unordered by default: entries read from Redis carry no key, so with ordered on
               every event waits for the one before it, as the Open edX consumer does.

  librdkafka   with --librdkafka, after each eventrouter run: build/bench/kafka_produce_alone
               reads the records eventrouter bridged in that run and produces the same records
               (key, value, headers) to a new topic with eventrouter's producer settings
               (idempotent, acks=all, its linger.ms), timed from the creation of its producer to
               the last delivery report: what librdkafka alone does with this broker, start-up
               of a process left out in its favour.

With --defaults, eventrouter runs with the service's default consumer settings (batch_size and
sink.concurrency / sink.ordered not set) and one consumer, as a new user's configuration would.

The guarantees differ: the Open edX consumer acknowledges each entry as soon as its receiver has
handed the event to librdkafka; eventrouter only once Kafka has confirmed it.

Each run is timed from the start of the process until the Kafka topic's end offsets add up to the
events expected (M for Open edX, N for eventrouter); "after first" is the rate from the first
event seen in Kafka to the last, without start-up; "first event after" is the time from the start
of the process to the first event seen in Kafka (the offsets are read every 50 ms, so it is up to
that much late). Peak memory is VmHWM of the process (and any
children) just before it is stopped; the Open edX process loads Django and the event-bus
packages only, so a real Open edX service (edx-platform) takes more. Prints each run, then the
medians side by side and the ratios. With M < N the rates are compared, not the totals.
--json FILE also writes the medians there (bench/fast_defaults reads them).

Run with the Open edX venv's python (bench/openedx_bridge does). Everything started is stopped at
exit, on errors and on Ctrl-C. EVENTROUTER_BINARY overrides build/app/eventrouter.
"""

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import redis
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench_support import (BenchError, argument_parser, first_line, free_port, peak_rss_kib, report_complaints,
                           run_in_workdir, spawn, stop, tail)

REPO = Path(__file__).resolve().parent.parent
SERVICE = Path(__file__).resolve().parent / "openedx_service.py"
EVENTROUTER = Path(os.environ.get("EVENTROUTER_BINARY", REPO / "build" / "app" / "eventrouter"))
PRODUCE_ALONE = REPO / "build" / "bench" / "kafka_produce_alone"

PREFIX = "dev"
SOURCE_TOPIC = "content-authoring-xblock-lifecycle"
BRIDGED_TOPIC = "content-authoring-xblock-lifecycle-bridged"
EVENT_TYPE = "org.openedx.content_authoring.xblock.published.v1"
PARTITIONS = 3          # both paths write to topics made alike beforehand
POLL_INTERVAL = 0.05    # seconds between two looks at the Kafka end offsets


@dataclass
class Run:
    path: str
    events: int
    seconds: float
    after_first: Optional[float]  # events/s from the first event in Kafka on; None: all came at once
    peak_rss_kib: Optional[int]  # None: not read (the librdkafka baseline)
    first_seconds: Optional[float] = None  # from process start to the first event seen in Kafka

    @property
    def rate(self):
        return self.events / self.seconds


# --- the services both paths share ---------------------------------------------------------

def start_redis(stack, workdir):
    port = free_port()
    spawn(stack, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                  "--dir", str(workdir)], workdir / "redis.log", stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return url
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise BenchError(f"redis-server did not answer on port {port} within 10 s:\n"
                                 f"{tail(workdir / 'redis.log')}")
            time.sleep(0.05)


def start_kafka(stack, workdir, tries=3):
    """scripts/kafka-broker picks ports that nothing answers on, which another program on this
    shared machine may bind before the broker does: a broker that fails to start is tried again."""
    for attempt in range(1, tries + 1):
        log = workdir / f"kafka-broker-{attempt}.log"
        proc = spawn(stack, [str(REPO / "scripts" / "kafka-broker")], log, stdout=subprocess.PIPE)
        stack.callback(proc.stdout.close)
        try:
            return first_line(proc, "scripts/kafka-broker", log, 240)  # the first start may fetch the jars
        except BenchError:
            if attempt == tries:
                raise
            say(f"the Kafka broker did not start (log: {log}); trying again")
            stop(proc)


def start_registry(stack, workdir):
    """In a process of its own: it logs every request on stderr, and must not take the GIL from
    the polling of the end offsets."""
    log = workdir / "schema-registry.log"
    proc = spawn(stack, [sys.executable, str(REPO / "tests" / "interop" / "schema_registry.py"), "--port", "0"],
                 log, stdout=subprocess.PIPE)
    stack.callback(proc.stdout.close)
    return first_line(proc, "tests/interop/schema_registry.py", log, 30)


def write_schemas(workdir):
    out = workdir / "schemas"
    done = subprocess.run([str(REPO / "scripts" / "openedx-schemas"), "--out", str(out)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=900)
    if done.returncode != 0 or not (out / f"{EVENT_TYPE}.avsc").exists():
        raise BenchError(f"scripts/openedx-schemas failed:\n{done.stderr.decode(errors='replace')}")
    return out


def fill_stream(redis_url, events, workdir):
    """The real edx-event-bus-redis producer writes every event (it is fast enough: no copying)."""
    log = workdir / "fill.log"
    with open(log, "wb") as err:
        done = subprocess.run([sys.executable, str(SERVICE), "fill", "--redis", redis_url, "--events", str(events)],
                              stdin=subprocess.DEVNULL, stdout=err, stderr=err, timeout=600)
    length = redis.Redis.from_url(redis_url).xlen(f"{PREFIX}-{SOURCE_TOPIC}")
    if done.returncode != 0 or length != events:
        raise BenchError(f"filling the stream gave {length} of {events} entries:\n{tail(log)}")


class KafkaTopics:
    """Makes the bridged topics and counts what is in them (the sum of the partitions' end offsets:
    no transactions here, so every offset is one message)."""

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "openedx-bridge-bench-counter",
                                  "enable.auto.commit": False})

    def create(self, name):
        future = self.admin.create_topics([NewTopic(name, PARTITIONS, 1)], operation_timeout=30)[name]
        future.result(timeout=60)

    def count(self, name):
        """None while the broker cannot tell (a partition's leader not known yet, say)."""
        try:
            return sum(self.consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10, cached=False)[1]
                       for p in range(PARTITIONS))
        except KafkaException:
            return None

    def warm_up(self):
        """A new broker answers its first idempotent producers "coordinator load in progress" while
        it loads its coordinator's state, and librdkafka asks again about a second later: a cost
        of the broker's first minute, not of the bridge, which a production broker long since
        paid. One idempotent producer acquires its id here, before any measured run."""
        name = "openedx-bridge-warm-up"
        self.create(name)
        producer = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True})
        producer.produce(name, b"warm-up")
        if producer.flush(60) != 0:
            raise BenchError("the Kafka broker took no idempotent producer's record within 60 s")

    def close(self):
        """Before the broker stops, so that neither client logs its going."""
        self.consumer.close()
        self.admin = None


# --- one measured run ----------------------------------------------------------------------

def measure(path, start, topic, expected, kafka, timeout, log):
    """Starts the bridge, waits until `expected` events are in `topic`, and reads its peak RSS."""
    with contextlib.ExitStack() as stack:
        started = time.monotonic()
        proc = start(stack)
        first = None
        while True:
            count = kafka.count(topic)
            now = time.monotonic()
            if count and first is None:
                first = (now, count)
            if count is not None and count >= expected:
                break
            if proc.poll() is not None:
                raise BenchError(f"{path} exited ({proc.returncode}) with {count} of {expected} events in Kafka:\n"
                                 f"{tail(log)}")
            if now - started > timeout:
                raise BenchError(f"{path}: {count} of {expected} events in Kafka after {timeout} s:\n{tail(log)}")
            time.sleep(POLL_INTERVAL)
        rss = peak_rss_kib(proc.pid)
    after_first = None if first[1] >= expected else (expected - first[1]) / (now - first[0])
    return Run(path, expected, now - started, after_first, rss, first[0] - started)


def run_openedx(i, env, args):
    topic = f"{BRIDGED_TOPIC}-openedx-{i}"
    env.kafka.create(f"{PREFIX}-{topic}")
    log = env.workdir / f"openedx-{i}.log"
    argv = [sys.executable, str(SERVICE), "bridge", "--redis", env.redis_url, "--kafka", env.bootstrap,
            "--registry", env.registry_url, "--group", f"openedx-bridge-{i}", "--to", topic]
    return measure("Open edX", lambda stack: spawn(stack, argv, log, stdout=subprocess.DEVNULL),
                   f"{PREFIX}-{topic}", args.openedx_events, env.kafka, args.timeout, log)


def eventrouter_config(env, topic, group, args):
    return {
        "topic_prefix": PREFIX,
        "http": {"listen": "127.0.0.1:0"},
        "reload": {"watch_file": False},
        "schemas": {"directory": str(env.schemas)},
        "transports": {
            # stream_max_len only bounds what eventrouter writes to Redis; it writes nothing there.
            "redis": {"url": env.redis_url},
            "kafka": {"bootstrap_servers": env.bootstrap, "schema_registry_url": env.registry_url},
        },
        "topics": {
            SOURCE_TOPIC: {"transport": "redis", "format": "openedx"},
            topic: {"transport": "kafka", "format": "openedx"},
        },
        "producer_config": {EVENT_TYPE: {topic: {"event_key_field": "xblock_info.usage_key"}}},
        # Members of one group share the stream; each has a batch of its own under way.
        "consumers": [{
            "name": f"bridge-{member}", "topic": SOURCE_TOPIC, "group_id": group, "from_beginning": True,
            **consumer_tuning(args),
        } for member in range(args.consumers)],
    }


def consumer_tuning(args):
    """The consumer settings this run sets; with --defaults none: the service's own."""
    if args.defaults:
        return {"sink": {"type": "route"}}
    return {"batch_size": args.batch_size,
            "sink": {"type": "route", "concurrency": args.concurrency, "ordered": args.ordered == "on"}}


def settings_used(args):
    if args.defaults:
        return "service defaults (no batch_size, sink.concurrency or sink.ordered set), 1 consumer"
    return (f"batch_size {args.batch_size}, sink.concurrency {args.concurrency}, sink.ordered {args.ordered}, "
            f"{args.consumers} consumer(s)")


def write_eventrouter_config(i, env, args):
    topic = f"{BRIDGED_TOPIC}-eventrouter-{i}"
    config = env.workdir / f"eventrouter-{i}.json"
    config.write_text(json.dumps(eventrouter_config(env, topic, f"eventrouter-bridge-{i}", args), indent=2))
    return topic, config


def run_eventrouter(i, env, args):
    topic, config = write_eventrouter_config(i, env, args)
    env.kafka.create(f"{PREFIX}-{topic}")
    log = env.workdir / f"eventrouter-{i}.log"
    run = measure("eventrouter", lambda stack: spawn(stack, [str(EVENTROUTER), "run", "--config", str(config)],
                                                     log, stdout=subprocess.DEVNULL),
                  f"{PREFIX}-{topic}", args.events, env.kafka, args.timeout, log)
    report_complaints(log, config)
    return run


def run_librdkafka(i, env, eventrouter_run):
    """librdkafka alone producing the records eventrouter bridged in run i, to a new topic."""
    source = f"{PREFIX}-{BRIDGED_TOPIC}-eventrouter-{i}"
    topic = f"{PREFIX}-{BRIDGED_TOPIC}-librdkafka-{i}"
    env.kafka.create(topic)
    done = subprocess.run([str(PRODUCE_ALONE), env.bootstrap, source, topic, str(eventrouter_run.events)],
                          capture_output=True, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"kafka_produce_alone failed:\n{done.stderr.decode(errors='replace')}")
    figures = json.loads(done.stdout)
    return Run("librdkafka", figures["events"], figures["seconds"], figures["after_first"], None)


def check_eventrouter(env, args):
    if not os.access(EVENTROUTER, os.X_OK):
        raise BenchError(f"no eventrouter binary at {EVENTROUTER} (build it, or set EVENTROUTER_BINARY)")
    if args.librdkafka and not os.access(PRODUCE_ALONE, os.X_OK):
        raise BenchError(f"no {PRODUCE_ALONE} (cmake --build build --target kafka_produce_alone)")
    _, config = write_eventrouter_config(0, env, args)
    done = subprocess.run([str(EVENTROUTER), "check-config", str(config)], capture_output=True, timeout=60)
    if done.returncode != 0:
        raise BenchError(f"eventrouter check-config refused {config}:\n{config.read_text()}\n"
                         f"{done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}")


# --- the report ----------------------------------------------------------------------------

def describe(run):
    after = f"{run.after_first:10.0f}" if run.after_first else "         -"
    first = f"{1000 * run.first_seconds:6.0f} ms" if run.first_seconds is not None else "        -"
    return (f"{run.path:<12} {run.events:>7} events {run.seconds:8.2f} s {run.rate:10.0f} events/s "
            f"(after first {after}; first after {first}) peak RSS (MiB) {mib(run.peak_rss_kib):>7}")


def mib(kib):
    return "-" if kib is None else f"{kib / 1024:.1f}"


def median_of(runs, field):
    values = [getattr(r, field) for r in runs if getattr(r, field) is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return f"{a / b:.1f}x" if a and b else "-"


def print_table(openedx, eventrouter, librdkafka, args):
    rows = [("Open edX: edx-event-bus-redis consumer -> edx-event-bus-kafka producer", openedx),
            ("eventrouter: redis consumer, sink route -> kafka topic", eventrouter)]
    if librdkafka:
        rows.append(("librdkafka alone: the same records, same producer settings", librdkafka))
    print(f"\nMedians of {args.runs} runs (same machine, {os.cpu_count()} CPUs, one Kafka broker, "
          f"redis-server, registry double); eventrouter: {settings_used(args)}:\n")
    print("| path | events | seconds | events/s | events/s after first | first event after | peak RSS (MiB) |")
    print("|------|-------:|--------:|---------:|---------------------:|------------------:|---------------:|")
    for name, runs in rows:
        after = median_of(runs, "after_first")
        first = median_of(runs, "first_seconds")
        print(f"| {name} | {runs[0].events} | {median_of(runs, 'seconds'):.2f} | {median_of(runs, 'rate'):.0f} | "
              f"{f'{after:.0f}' if after else '-'} | {f'{1000 * first:.0f} ms' if first is not None else '-'} | "
              f"{mib(median_of(runs, 'peak_rss_kib'))} |")
    speed = median_of(eventrouter, "rate") / median_of(openedx, "rate")
    after = ratio(median_of(eventrouter, "after_first"), median_of(openedx, "after_first"))
    memory = median_of(eventrouter, "peak_rss_kib") / median_of(openedx, "peak_rss_kib")
    print(f"\neventrouter / Open edX: {speed:.1f}x the events/s (target >= 50x; after the first event: {after}), "
          f"{memory:.2f}x the peak RSS.")
    first = median_of(eventrouter, "first_seconds")
    print(f"eventrouter's first event in Kafka {1000 * first:.0f} ms after its process started (target <= 300 ms; "
          f"seen by looking every {1000 * POLL_INTERVAL:.0f} ms, so up to that much late).")
    if librdkafka:
        share = median_of(eventrouter, "rate") / median_of(librdkafka, "rate")
        print(f"eventrouter / librdkafka alone: {100 * share:.1f} % of the events/s (target >= 80 %).")
    if args.openedx_events != args.events:
        print(f"Open edX bridged {args.openedx_events} events and eventrouter {args.events}: the rates are "
              f"compared, not the totals.")


# --- main ----------------------------------------------------------------------------------

@dataclass
class Environment:
    workdir: Path
    redis_url: str
    bootstrap: str
    registry_url: str
    schemas: Path
    kafka: KafkaTopics


def start_environment(stack, workdir, events):
    say(f"starting redis-server, Kafka and the schema registry double in {workdir}")
    redis_url = start_redis(stack, workdir)
    bootstrap = start_kafka(stack, workdir)
    registry_url = start_registry(stack, workdir)
    schemas = write_schemas(workdir)
    kafka = KafkaTopics(bootstrap)
    stack.callback(kafka.close)
    kafka.warm_up()
    say(f"filling {PREFIX}-{SOURCE_TOPIC} with {events} events from the edx-event-bus-redis producer")
    fill_stream(redis_url, events, workdir)
    return Environment(workdir, redis_url, bootstrap, registry_url, schemas, kafka)


def say(message):
    print(f"openedx_bridge: {message}", file=sys.stderr, flush=True)


def parse_args():
    parser = argument_parser("bench/openedx_bridge", __doc__)
    parser.add_argument("--events", type=int, default=20000, help="events in the stream; eventrouter bridges all "
                        "(default 20000)")
    parser.add_argument("--openedx-events", type=int, help="events the Open edX bridge is timed on (the first "
                        "of the stream), for when it is too slow to bridge them all; default: --events")
    parser.add_argument("--runs", type=int, default=3, help="runs of each path, alternately (default 3)")
    parser.add_argument("--batch-size", type=int, help="eventrouter consumer batch_size (default 500)")
    parser.add_argument("--concurrency", type=int,
                        help="eventrouter sink.concurrency: events under way at once (default 500)")
    parser.add_argument("--ordered", choices=["on", "off"], help="eventrouter sink.ordered (default off)")
    parser.add_argument("--consumers", type=int,
                        help="eventrouter consumers in the group, each with a batch under way (default 1)")
    parser.add_argument("--defaults", action="store_true",
                        help="eventrouter with the service's default consumer settings and one consumer")
    parser.add_argument("--librdkafka", action="store_true",
                        help="also librdkafka alone producing the records eventrouter bridged (the baseline)")
    parser.add_argument("--json", type=Path, help="also write the medians to this file")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one run may take (default 300)")
    args = parser.parse_args()
    args.openedx_events = args.openedx_events or args.events
    tuning = {"batch_size": 500, "concurrency": 500, "ordered": "off", "consumers": 1}
    if args.defaults and any(getattr(args, name) is not None for name in tuning):
        parser.error("--defaults sets no consumer settings: drop --batch-size, --concurrency, --ordered, --consumers")
    for name, value in tuning.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if not 0 < args.openedx_events <= args.events or args.runs < 1 or args.consumers < 1:
        parser.error("need 0 < --openedx-events <= --events, --runs >= 1 and --consumers >= 1")
    return args


def main():
    args = parse_args()
    return run_in_workdir("openedx-bridge.", say, lambda workdir: bridge(args, workdir))


def bridge(args, workdir):
    with contextlib.ExitStack() as stack:
        env = start_environment(stack, workdir, args.events)
        check_eventrouter(env, args)
        results = {"Open edX": [], "eventrouter": [], "librdkafka": []}
        for i in range(1, args.runs + 1):
            # Alternate which path goes first, so neither always meets a warmer broker.
            order = [run_openedx, run_eventrouter] if i % 2 else [run_eventrouter, run_openedx]
            for run_path in order:
                run = run_path(i, env, args)
                results[run.path].append(run)
                print(f"run {i}: {describe(run)}", flush=True)
                if run.path == "eventrouter" and args.librdkafka:
                    alone = run_librdkafka(i, env, run)
                    results[alone.path].append(alone)
                    print(f"run {i}: {describe(alone)}", flush=True)
        print_table(results["Open edX"], results["eventrouter"], results["librdkafka"], args)
        if args.json:
            args.json.write_text(json.dumps({"settings": settings_used(args), "runs": args.runs, **{
                path: {"events": runs[0].events, "rate": median_of(runs, "rate"),
                       "after_first": median_of(runs, "after_first"), "first_seconds": median_of(runs, "first_seconds")}
                for path, runs in results.items() if runs}}))


if __name__ == "__main__":
    sys.exit(main())
