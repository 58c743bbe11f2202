"""Processes for the interop tests -- redis-server, a Kafka broker, the schema registry double,
eventrouter -- and waiting on them.

Every wait here has a deadline and ends the test with what the process printed when it runs out,
so a broken build fails in seconds with its own words rather than hanging the suite.
"""
import contextlib
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TAIL_LINES = 40


def wait_until(what, predicate, timeout, interval=0.05):
    """Polls predicate() until it returns something truthy, and returns that; fails the test after
    `timeout` seconds. For conditions no process announces (an HTTP endpoint answering)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"no {what} within {timeout} s", pytrace=False)
        time.sleep(interval)


def free_port():
    """A port nothing listens on now (the kernel's pick; a race with other processes is possible
    but rare on a test machine)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ManagedProcess:
    """A child process whose stdout and stderr lines threads collect, so that a test can wait for a
    line with a deadline and show the output when something goes wrong."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.stdout = []
        self.stderr = []
        self._changed = threading.Condition()
        self._open_pipes = 2
        self._proc = subprocess.Popen(
            [str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", env=env)
        self._readers = [
            threading.Thread(target=self._collect, args=(pipe, lines), name=f"{name}-{label}", daemon=True)
            for pipe, lines, label in ((self._proc.stdout, self.stdout, "stdout"),
                                       (self._proc.stderr, self.stderr, "stderr"))
        ]
        for reader in self._readers:
            reader.start()

    def _collect(self, pipe, lines):
        for line in pipe:
            with self._changed:
                lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._open_pipes -= 1
            self._changed.notify_all()

    def wait_for(self, what, predicate, timeout):
        """Waits until predicate() -- called with the lines collected so far, under the lock --
        returns something truthy, and returns that. Fails the test when the deadline passes or the
        process closed its output without it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                if self._open_pipes == 0:
                    status = self._proc.poll()
                    gone = "closed its output" if status is None else f"exited with status {status}"
                    pytest.fail(f"{self.name} {gone} before {what}\n{self._tails()}", pytrace=False)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"{self.name}: no {what} within {timeout} s\n{self._tails()}", pytrace=False)
                self._changed.wait(remaining)

    def wait_for_line(self, what, stream, pattern, timeout):
        """The first match of the regular expression `pattern` in a line of `stream` (self.stdout or
        self.stderr), waiting for it."""
        regex = re.compile(pattern)

        def search():
            return next((m for m in map(regex.search, stream) if m), None)
        return self.wait_for(what, search, timeout)

    def ready_or_stop(self, wait, stop_timeout=60):
        """Returns wait() -- a wait for the process to be ready; if that fails, the process is
        stopped first, so that no failed start leaves one behind."""
        try:
            return wait()
        except BaseException:
            with contextlib.suppress(Exception, pytest.fail.Exception):
                self.stop(stop_timeout)
            raise

    @property
    def pid(self):
        return self._proc.pid

    def send_signal(self, sig):
        """Sends `sig` without waiting (SIGSTOP, SIGCONT, SIGHUP); nothing once the process exited."""
        if self._proc.poll() is None:
            self._proc.send_signal(sig)

    def stop(self, timeout, sig=signal.SIGTERM):
        """Sends `sig`, waits for the exit, and returns the exit status (negative: killed by that
        signal). A process still there at the deadline is killed and the test fails."""
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            pytest.fail(f"{self.name} did not exit within {timeout} s of signal {sig.name}; killed\n"
                        f"{self._tails()}", pytrace=False)
        finally:
            for reader in self._readers:
                reader.join(timeout)
        return self._proc.returncode

    def _tails(self):
        def tail(label, lines):
            shown = lines[-TAIL_LINES:]
            return f"--- {self.name} {label} (last {len(shown)} of {len(lines)} lines)\n" + "\n".join(shown)
        return tail("stdout", self.stdout) + "\n" + tail("stderr", self.stderr)

    def tails(self):
        """The last lines of stdout and stderr, for a failure message."""
        with self._changed:
            return self._tails()


class RedisServer(ManagedProcess):
    """redis-server on a free loopback port, in memory only (as tests/support/redis_server.cpp).
    With `durable`, it keeps an append-only file in `folder`, written before each reply, so a
    restart on the same port and folder (a broker restart) loses nothing it acknowledged."""

    def __init__(self, folder, port=None, durable=False):
        self.port = port or free_port()
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if durable else ["--appendonly", "no"]
        super().__init__(f"redis-server :{self.port}", [
            "redis-server", "--port", self.port, "--bind", "127.0.0.1", "--save", "", *persistence,
            "--dir", folder, "--daemonize", "no"])
        self.ready_or_stop(lambda: self.wait_for_line("readiness", self.stdout, "Ready to accept connections", 20))
        self.url = f"redis://127.0.0.1:{self.port}"


class KafkaBroker(ManagedProcess):
    """A single-node Kafka broker from scripts/kafka-broker, which prints its bootstrap address on
    stdout once the broker answers. The first run fetches the jars from Maven Central
    (scripts/broker-jars kafka, cached in $EVENTROUTER_KAFKA_JARS), hence the long deadline."""

    START_TIMEOUT = 420

    def __init__(self, port=None, folder=None):
        """`port` and `folder` (scripts/kafka-broker's --port and --dir) given again restart the same
        broker with its topics and committed offsets."""
        options = [*(["--port", port] if port else []), *(["--dir", folder] if folder else [])]
        super().__init__("kafka-broker", [REPO / "scripts" / "kafka-broker", *options])
        match = self.ready_or_stop(lambda: self.wait_for_line(
            "bootstrap address", self.stdout, r"^(127\.0\.0\.1:\d+)$", self.START_TIMEOUT))
        self.bootstrap = match.group(1)
        self.port = int(self.bootstrap.rsplit(":", 1)[1])


class RegistryDouble(ManagedProcess):
    """The schema registry test double (schema_registry.py) in a process of its own, so that its
    request log lines are collected with the other processes' output rather than written over
    pytest's."""

    STOP_TIMEOUT = 10

    def __init__(self, basic_auth):
        super().__init__("schema registry double", [
            sys.executable, HERE / "schema_registry.py", "--basic-auth", basic_auth])
        self.url = self.ready_or_stop(lambda: self.wait_for_line(
            "URL", self.stdout, r"^http://\S+$", timeout=20).group(0))

    def unhandled(self):
        """The requests it had no endpoint for (it logs each)."""
        return [line for line in self.stderr if "no such endpoint" in line]


def http(method, url, body=None, headers=None, timeout=10):
    """(status, body parsed as JSON when it is JSON, else text) of one request; 4xx and 5xx are
    answers, not exceptions."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class Eventrouter(ManagedProcess):
    """`eventrouter run` on a configuration given as a dict, listening on a free port; its log
    sinks' lines (stdout) are the events it consumed. stop() expects a clean exit (status 0)."""

    START_TIMEOUT = 20
    STOP_TIMEOUT = 30

    def __init__(self, binary, config, folder):
        path = Path(folder) / "eventrouter.json"
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        self.config_path = path
        super().__init__(f"eventrouter ({path})", [binary, "run", "--config", path])
        self.url = self.ready_or_stop(self._wait_until_ready)

    def _wait_until_ready(self):
        match = self.wait_for_line("'listening' log line", self.stderr,
                                   r"eventrouter listening on (http://127\.0\.0\.1:\d+)", self.START_TIMEOUT)
        url = match.group(1)
        wait_until(f"200 from {url}/readyz", lambda: self._ready(url), self.START_TIMEOUT)
        return url

    @staticmethod
    def _ready(url):
        try:
            return http("GET", f"{url}/readyz", timeout=2)[0] == 200
        except OSError:  # not accepting yet
            return False

    def post(self, event):
        """Posts one CloudEvent in structured mode; (status, answer)."""
        return http("POST", f"{self.url}/v1/events", json.dumps(event).encode(),
                    {"content-type": "application/cloudevents+json"})

    def wait_for_log_lines(self, count, timeout=30):
        """The first `count` lines the log sinks printed, parsed."""
        def enough():
            lines = [json.loads(line) for line in self.stdout if line.startswith("{")]
            return lines[:count] if len(lines) >= count else None
        return self.wait_for(f"{count} log sink lines", enough, timeout)

    def stop_cleanly(self):
        status = self.stop(self.STOP_TIMEOUT)
        assert status == 0, f"eventrouter exited with status {status} on SIGTERM\n{self.tails()}"


def post_all(router, events):
    """Posts each event to eventrouter and checks it was accepted (202)."""
    for event in events:
        status, answer = router.post(event)
        assert status == 202, f"POST of {event['type']} {event['id']}: {status} {answer}"
