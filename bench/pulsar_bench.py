"""eventrouter producing to and consuming from Apache Pulsar, beside native clients of the same broker.

usage: bench/pulsar_bench [--runs R] [--events N] [--seconds S] [--connections C] [--window W]
                          [--warm-up-events M] [--timeout T]

Starts its own Apache Pulsar 4.2.4 broker in standalone mode (scripts/pulsar-broker: broker,
bookie and metadata store in one JVM, on free loopback ports) and measures on it, after a
warm-up round (M messages, default 5000, and HTTP loads of 3 s; not counted: the broker's JIT),
R times (default 3):

  eventrouter, batches  `eventrouter run` with its defaults plus transports.pulsar and one pulsar
                 topic the event type is routed to (keyed by xblock_info.usage_key) takes batch
                 POSTs of 100 events (application/cloudevents-batch+json, 1000 keys) from
                 `wrk -t1 -cC` (default 16) for S seconds (default 10): accepted (202) events/s,
                 a 202 meaning the broker acknowledged every event of the POST. C x 100 events
                 are under way; eventrouter's producer has at most W (max_pending_messages,
                 default 1000, its default) of them unacknowledged at the broker.
  eventrouter, single   the same with single events (structured mode; id and key vary per POST):
                 C events under way, so the window never fills.
  native         PyPI's pulsar-client (the Apache Pulsar C++ client, binary protocol) producing
                 the very messages eventrouter wrote in that run's batch row, the first N (default
                 50000; read back untimed: key, properties, payload, event time) to a new
                 topic, batching off (one message per entry, as each WebSocket frame is),
                 max_pending_messages W, timed from the first send (its producer made before, as
                 eventrouter's is at its start) to the last acknowledgement. Python calls the
                 client's send_async for each message: its figure includes that.
  websocket      build/bench/pulsar_ws_produce: a bare client of the WebSocket producer endpoint
                 eventrouter uses, with the same messages as frames, at most W unanswered, one
                 thread, timed from its handshake to the last answer: the WebSocket API's cost
                 without eventrouter's.
  consume        eventrouter with one consumer (its defaults: a Shared subscription from the
                 earliest message, batch_size 500, window 2000; sink log, its stdout /dev/null)
                 draining the batch row's topic, timed from process start until /metrics counts
                 the baselines' messages delivered (read every 50 ms); beside it, alternately
                 first, the native client's consumer (Shared, from the earliest, its default
                 receiver queue of 1000) receiving and acknowledging as many, timed from
                 subscribing.

Each row also shows the CPU time the producing or consuming process and the broker's JVM spent
while it ran (/proc/<pid>/stat; the native client runs in this process, wrk's CPU is not
counted), per 1000 messages, and how busy the machine's CPUs were (/proc/stat): where the time
goes. Prints each run, then the medians side by side with the ratios (issue 18's target:
eventrouter's produce rate >= 50 % of the native producer's).

Run with the Open edX venv's python, which has pulsar-client (bench/pulsar_bench does). Every
load is bounded in time (S) or count (N) and every wait has a deadline (T seconds, default 120);
everything started is stopped at exit, on errors and on Ctrl-C. Build first: cmake --build build
--target eventrouter pulsar_ws_produce. EVENTROUTER_BINARY overrides build/app/eventrouter.
"""

import base64
import contextlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pulsar

from bench_support import (BenchError, argument_parser, descendants, first_line, free_port, report_complaints,
                           run_in_workdir, spawn)
from fast_defaults import BATCH_EVENTS, EVENT_TYPE, await_ready, delivered_ok, get, wrk_script

REPO = Path(__file__).resolve().parent.parent
EVENTROUTER = Path(os.environ.get("EVENTROUTER_BINARY", REPO / "build" / "app" / "eventrouter"))
WS_PRODUCE = REPO / "build" / "bench" / "pulsar_ws_produce"
NAMESPACE = "public/default"
DEFAULT_WINDOW = 1000   # transports.pulsar.max_pending_messages when not set
POLL_INTERVAL = 0.05    # seconds between two reads of eventrouter's /metrics
WARM_UP_SECONDS = 3     # of each HTTP load in the warm-up round
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

def say(message):
    print(f"pulsar_bench: {message}", file=sys.stderr, flush=True)


# --- where the CPU goes ----------------------------------------------------------------------

def cpu_seconds(pids):
    """User and system CPU seconds of these processes so far (every thread's), from /proc."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of stat
    return total / CLOCK_TICKS


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_ticks():
    """(busy, all) ticks of every CPU so far, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)  # idle and iowait are not busy


class Usage:
    """The CPU a measurement took: the process under test's (process_cpu() gives its seconds so
    far), the broker JVM's, and the share of the machine's CPUs that were busy."""

    def __init__(self, broker_pid, process_cpu):
        self.broker_pid = broker_pid
        self.process_cpu = process_cpu
        self.start = self.read()

    def read(self):
        return (self.process_cpu(), cpu_seconds(descendants(self.broker_pid)), *machine_ticks())

    def done(self):
        process, broker, busy, ticks = (b - a for a, b in zip(self.start, self.read()))
        return {"process_cpu": process, "broker_cpu": broker, "busy": busy / ticks if ticks else 0.0}


@dataclass
class Figure:
    path: str
    messages: int
    seconds: float
    process_cpu: float  # CPU seconds of the producing or consuming process
    broker_cpu: float   # CPU seconds of the broker's JVM
    busy: float         # share of the machine's CPUs busy
    refused: int = 0

    @property
    def rate(self):
        return self.messages / self.seconds


# --- the broker ------------------------------------------------------------------------------

class Broker:
    def __init__(self, stack, workdir):
        log = workdir / "pulsar-broker.log"
        self.proc = spawn(stack, [str(REPO / "scripts" / "pulsar-broker"), "--dir", str(workdir / "pulsar")], log,
                          stdout=subprocess.PIPE)
        stack.callback(self.proc.stdout.close)
        self.web_url = first_line(self.proc, "scripts/pulsar-broker", log, 300)  # the first start fetches jars
        # The second line comes with the first (it is in the pipe's buffer, or in our reader's).
        self.service_url = self.proc.stdout.readline().decode().strip()
        self.client = pulsar.Client(self.service_url, operation_timeout_seconds=30,
                                    logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Warn))
        stack.callback(self.client.close)
        # A new broker loads the namespace's bundle at its first topic, which takes seconds:
        # paid here, before anything is timed.
        producer = self.client.create_producer(full_name("bench-first-topic"))
        producer.send(b"first")
        producer.close()

    def usage(self, process_cpu):
        return Usage(self.proc.pid, process_cpu)

    def messages_in(self, topic):
        """Messages the broker took on `topic` since it was loaded (its stats' msgInCounter)."""
        return json.loads(get(f"{self.web_url}/admin/v2/persistent/{NAMESPACE}/{topic}/stats")[1])["msgInCounter"]


def full_name(topic):
    return f"persistent://{NAMESPACE}/{topic}"


# --- eventrouter -----------------------------------------------------------------------------

def eventrouter_config(port, web_url, topic, args, consumer=None):
    """The service's defaults, plus the broker, one pulsar topic routed from the event type, and
    a consumer when given."""
    pulsar_settings = {"service_url": web_url}
    if args.window != DEFAULT_WINDOW:
        pulsar_settings["max_pending_messages"] = args.window
    return {
        "http": {"listen": f"127.0.0.1:{port}"},
        "reload": {"watch_file": False},
        "transports": {"pulsar": pulsar_settings},
        "topics": {topic: {"transport": "pulsar"}},
        "producer_config": {EVENT_TYPE: {topic: {"event_key_field": "xblock_info.usage_key"}}},
        "consumers": [consumer] if consumer else [],
    }


@contextlib.contextmanager
def eventrouter(env, name, topic, consumer=None):
    """A running eventrouter: (its port, its process); stopped after, its complaints shown."""
    port = free_port()
    config = env.workdir / f"{name}.json"
    config.write_text(json.dumps(eventrouter_config(port, env.broker.web_url, topic, env.args, consumer), indent=2))
    log = env.workdir / f"{name}.log"
    with contextlib.ExitStack() as stack:
        proc = spawn(stack, [str(EVENTROUTER), "run", "--config", str(config)], log, stdout=subprocess.DEVNULL)
        await_ready(f"http://127.0.0.1:{port}/readyz", proc, "eventrouter", log)
        yield port, proc
    report_complaints(log, config)


def wrk_answers(url, script, seconds, args):
    """wrk's 2xx answers, the others, and its seconds. A POST may take long (it waits for the
    broker): up to --timeout, not wrk's 2 s."""
    done = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", f"{args.timeout:.0f}s",
                           "-s", str(script), url],
                          capture_output=True, text=True, timeout=seconds + args.timeout + 60)
    answered = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", done.stdout)
    if done.returncode != 0 or not answered:
        raise BenchError(f"cannot read wrk's output:\n{done.stdout}{done.stderr}")
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    refused = int(refused.group(1)) if refused else 0
    seconds = float(answered.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[answered.group(3)]
    return int(answered.group(1)) - refused, refused, seconds


def eventrouter_produce(env, path, topic, script, events_per_request, seconds):
    with eventrouter(env, topic, topic) as (port, proc):
        usage = env.broker.usage(lambda: cpu_seconds([proc.pid]))
        accepted, refused, seconds = wrk_answers(f"http://127.0.0.1:{port}/v1/events", script, seconds, env.args)
        return Figure(path, accepted * events_per_request, seconds, refused=refused, **usage.done())


# --- the baselines ---------------------------------------------------------------------------

@dataclass
class Message:
    key: str
    properties: dict
    payload: bytes
    event_time: int  # ms since the epoch, 0 for none


def read_back(env, topic, most):
    """The messages on `topic`, from the earliest, `most` at most, read by a native Reader
    (untimed)."""
    count = min(most, env.broker.messages_in(topic))
    if count == 0:
        raise BenchError(f"nothing on {topic}: eventrouter's batch row had no event accepted (its log above)")
    reader = env.broker.client.create_reader(full_name(topic), pulsar.MessageId.earliest)
    messages = []
    deadline = time.monotonic() + env.args.timeout
    with contextlib.closing(reader):
        while len(messages) < count:
            left = int(1000 * (deadline - time.monotonic()))
            if left <= 0:
                raise BenchError(f"read {len(messages)} of the {count} messages on {topic} in {env.args.timeout} s")
            with contextlib.suppress(pulsar.Timeout):
                m = reader.read_next(timeout_millis=left)
                messages.append(Message(m.partition_key(), m.properties(), m.data(), m.event_timestamp()))
    return messages


def native_produce(env, topic, messages):
    producer = env.broker.client.create_producer(full_name(topic), batching_enabled=False,
                                                 max_pending_messages=env.args.window, block_if_queue_full=True,
                                                 send_timeout_millis=1000 * int(env.args.timeout))
    sends = []
    for m in messages:
        options = {"properties": m.properties}
        if m.key:
            options["partition_key"] = m.key
        if m.event_time:
            options["event_timestamp"] = m.event_time
        sends.append((m.payload, options))
    answered = {"ok": 0, "refused": 0}
    all_answered = threading.Event()

    def on_sent(result, _message_id):  # on the client's own thread, one at a time
        answered["ok" if result == pulsar.Result.Ok else "refused"] += 1
        if answered["ok"] + answered["refused"] == len(sends):
            all_answered.set()

    usage = env.broker.usage(time.process_time)
    started = time.monotonic()
    for payload, options in sends:
        producer.send_async(payload, on_sent, **options)
    if not all_answered.wait(env.args.timeout):
        raise BenchError(f"native producer: {answered} of {len(sends)} answered within {env.args.timeout} s")
    seconds = time.monotonic() - started
    figure = Figure("native", len(sends), seconds, refused=answered["refused"], **usage.done())
    producer.close()
    return figure


def websocket_frame(m):
    """m as a frame of the WebSocket producer, without its context and closing brace."""
    frame = {"payload": base64.b64encode(m.payload).decode("ascii"), "properties": m.properties}
    if m.key:
        frame["key"] = m.key
    if m.event_time:
        frame["eventTime"] = datetime.fromtimestamp(m.event_time / 1000, timezone.utc).isoformat(timespec="milliseconds")
    return json.dumps(frame, separators=(",", ":"))[:-1]


def websocket_produce(env, topic, messages):
    frames = env.workdir / f"{topic}.frames"
    frames.write_text("".join(websocket_frame(m) + "\n" for m in messages))
    web = urllib.parse.urlsplit(env.broker.web_url)
    usage = env.broker.usage(children_cpu_seconds)
    done = subprocess.run([str(WS_PRODUCE), web.hostname, str(web.port), f"/ws/v2/producer/persistent/{NAMESPACE}/{topic}",
                           str(env.args.window), str(frames)], capture_output=True, text=True, timeout=env.args.timeout)
    if done.returncode != 0:
        raise BenchError(f"pulsar_ws_produce failed:\n{done.stderr}")
    answer = json.loads(done.stdout)
    frames.unlink()
    return Figure("websocket", answer["messages"], answer["seconds"], refused=answer["refused"], **usage.done())


# --- consuming -------------------------------------------------------------------------------

def eventrouter_consume(env, topic, group, count):
    consumer = {"name": "drain", "topic": topic, "group_id": group, "sink": {"type": "log"}}
    pid = []  # the process's CPU is counted from its start
    usage = env.broker.usage(lambda: cpu_seconds(pid))
    started = time.monotonic()
    with eventrouter(env, group, topic, consumer) as (port, proc):
        pid.append(proc.pid)
        while (delivered := delivered_ok(port)) < count:
            if time.monotonic() - started > env.args.timeout:
                raise BenchError(f"eventrouter delivered {delivered:.0f} of {count} in {env.args.timeout} s")
            time.sleep(POLL_INTERVAL)
        return Figure("eventrouter consumer", count, time.monotonic() - started, **usage.done())


def native_consume(env, topic, subscription, count):
    usage = env.broker.usage(time.process_time)
    started = time.monotonic()
    consumer = env.broker.client.subscribe(full_name(topic), subscription, consumer_type=pulsar.ConsumerType.Shared,
                                           initial_position=pulsar.InitialPosition.Earliest)
    with contextlib.closing(consumer):
        for received in range(count):
            left = int(1000 * (started + env.args.timeout - time.monotonic()))
            try:
                consumer.acknowledge(consumer.receive(timeout_millis=max(left, 1)))
            except pulsar.Timeout:
                raise BenchError(f"native consumer: {received} of {count} in {env.args.timeout} s") from None
        return Figure("native consumer", count, time.monotonic() - started, **usage.done())


# --- one round -------------------------------------------------------------------------------

def round_of(env, i, seconds, events):
    """Every row once; the topics are new ones, named after the round."""
    single_script, batch_script = env.scripts
    figures = [eventrouter_produce(env, "eventrouter, batches", f"bench-batch-{i}", batch_script, BATCH_EVENTS,
                                   seconds),
               eventrouter_produce(env, "eventrouter, single", f"bench-single-{i}", single_script, 1, seconds)]
    messages = read_back(env, f"bench-batch-{i}", events)
    figures += [native_produce(env, f"bench-native-{i}", messages), websocket_produce(env, f"bench-ws-{i}", messages)]
    consumers = [lambda: eventrouter_consume(env, f"bench-batch-{i}", f"eventrouter-{i}", len(messages)),
                 lambda: native_consume(env, f"bench-batch-{i}", f"native-{i}", len(messages))]
    figures += [consume() for consume in (consumers if i % 2 else reversed(consumers))]
    return figures, messages


def describe(f):
    refused = f" ({f.refused} refused)" if f.refused else ""
    return (f"{f.path:<22} {f.messages:>7} messages {f.seconds:7.2f} s {f.rate:9.0f}/s{refused}; CPU s: process "
            f"{f.process_cpu:5.2f}, broker {f.broker_cpu:5.2f}; CPUs {100 * f.busy:3.0f} % busy")


# --- the report ------------------------------------------------------------------------------

ROWS = [
    ("eventrouter, batches", "eventrouter: HTTP batches of 100 -> pulsar topic (accepted events/s)"),
    ("eventrouter, single", "eventrouter: HTTP single events -> pulsar topic (accepted events/s)"),
    ("native", "native producer (pulsar-client, binary protocol), the same messages"),
    ("websocket", "bare WebSocket producer (pulsar_ws_produce), the same messages"),
    ("eventrouter consumer", "eventrouter: consumer, sink log, draining the topic"),
    ("native consumer", "native consumer (pulsar-client), draining the same topic"),
]


def print_report(env, runs, messages):
    med = {path: {key: statistics.median(getattr(f, key) for r in runs for f in r if f.path == path)
                  for key in ("rate", "process_cpu", "broker_cpu", "busy", "messages")}
           for path, _ in ROWS}
    for figures in med.values():
        for key in ("process_cpu", "broker_cpu"):
            figures[key] = 1e6 * figures[key] / figures["messages"]  # CPU ms per 1000 messages
    payload = statistics.mean(len(m.payload) for m in messages)
    args = env.args
    print(f"\nMedians of {args.runs} runs ({os.cpu_count()} CPUs, one Pulsar 4.2.4 standalone broker; "
          f"window (max_pending_messages) {args.window}; wrk -t1 -c{args.connections} -d{args.seconds}s; baselines and "
          f"consumers on at most {args.events} messages; payloads {payload:.0f} bytes, {len(messages[0].properties)} properties and a key each):\n")
    print("| path | messages | messages/s | process CPU ms / 1000 | broker CPU ms / 1000 | CPUs busy |")
    print("|------|---------:|-----------:|----------------------:|---------------------:|----------:|")
    for path, name in ROWS:
        f = med[path]
        print(f"| {name} | {f['messages']:.0f} | {f['rate']:.0f} | {f['process_cpu']:.0f} | {f['broker_cpu']:.0f} | "
              f"{100 * f['busy']:.0f} % |")
    rate = {path: med[path]["rate"] for path, _ in ROWS}
    share = rate["eventrouter, batches"] / rate["native"]
    print(f"\neventrouter batches / native producer: {100 * share:.1f} % (target >= 50 %: "
          f"{'met' if share >= 0.5 else 'NOT met'}); single events / native: "
          f"{100 * rate['eventrouter, single'] / rate['native']:.1f} %.")
    print(f"eventrouter batches / bare WebSocket producer: {100 * rate['eventrouter, batches'] / rate['websocket']:.1f} %; "
          f"bare WebSocket / native: {100 * rate['websocket'] / rate['native']:.1f} %.")
    print(f"eventrouter consumer / native consumer: {100 * rate['eventrouter consumer'] / rate['native consumer']:.1f} %.")


# --- main ------------------------------------------------------------------------------------

@dataclass
class Environment:
    workdir: Path
    args: object
    broker: Broker = None
    scripts: tuple = ()


def parse_args():
    parser = argument_parser("bench/pulsar_bench", __doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs of every row (default 3)")
    parser.add_argument("--events", type=int, default=50000,
                        help="messages the baselines produce and the consumers drain, at most (default 50000)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds of each HTTP load (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's connections (default 16)")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW,
                        help=f"messages in flight per producer, max_pending_messages (default {DEFAULT_WINDOW})")
    parser.add_argument("--warm-up-events", type=int, default=5000, help="messages of the uncounted first round "
                        f"(default 5000, HTTP loads of {WARM_UP_SECONDS} s; 0: no warm-up)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds any one wait may take (default 120)")
    args = parser.parse_args()
    if args.runs < 1 or args.events < BATCH_EVENTS or args.connections < 1 or args.window < 1:
        parser.error(f"need --runs >= 1, --events >= {BATCH_EVENTS}, --connections >= 1, --window >= 1")
    return args


def check_binaries(env):
    for binary, target in ((EVENTROUTER, "eventrouter"), (WS_PRODUCE, "pulsar_ws_produce")):
        if not os.access(binary, os.X_OK):
            raise BenchError(f"no {binary}: cmake --build build --target {target}")
    config = env.workdir / "check.json"
    config.write_text(json.dumps(eventrouter_config(free_port(), "http://127.0.0.1:8080", "check", env.args,
                                                    {"name": "c", "topic": "check", "group_id": "c",
                                                     "sink": {"type": "log"}})))
    done = subprocess.run([str(EVENTROUTER), "check-config", str(config)], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise BenchError(f"eventrouter check-config refused {config}:\n{done.stdout}{done.stderr}")


def main():
    args = parse_args()
    return run_in_workdir("pulsar-bench.", say, lambda workdir: bench(Environment(workdir, args)))


def bench(env):
    check_binaries(env)
    env.scripts = wrk_script(env.workdir)
    with contextlib.ExitStack() as stack:
        say(f"starting the Pulsar broker in {env.workdir}")
        env.broker = Broker(stack, env.workdir)
        if env.args.warm_up_events:
            say(f"warm-up round of {env.args.warm_up_events} events (not counted)")
            round_of(env, 0, WARM_UP_SECONDS, env.args.warm_up_events)
        runs = []
        for i in range(1, env.args.runs + 1):
            figures, messages = round_of(env, i, env.args.seconds, env.args.events)
            for f in figures:
                print(f"run {i}: {describe(f)}", flush=True)
            runs.append(figures)
        print_report(env, runs, messages)


if __name__ == "__main__":
    sys.exit(main())
