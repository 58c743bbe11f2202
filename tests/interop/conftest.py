"""Fixtures of the interop tests (tests/interop/run runs them all).

Environment:
  EVENTROUTER_BINARY           eventrouter to test (default build/app/eventrouter)
  EVENTROUTER_OPENEDX_SCHEMAS  a folder of <event type>.avsc; without it, scripts/openedx-schemas
                               writes one for the run (tests/interop/run does so once, for every
                               test file)
  EVENTROUTER_KAFKA_JARS       where scripts/kafka-broker keeps the broker's jars

Brokers are started once per run: redis-server when a test needs Redis, a Kafka broker
(scripts/kafka-broker) and the schema registry test double (schema_registry.py, with basic auth,
which both eventrouter and edx-event-bus-kafka are given) when one needs Kafka. Each test uses
topics and consumer groups of its own, so tests do not see each other's events.

A skipped test fails here: this suite is the proof of wire compatibility, and a skip would pass
for one.
"""
import contextlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

import django
import pytest

# The Open edX packages read settings when imported, so Django comes first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openedx_settings")
django.setup()

import buses  # noqa: E402
import openedx_bus  # noqa: E402
from harness import REPO, Eventrouter, KafkaBroker, RedisServer, RegistryDouble  # noqa: E402

REGISTRY_USER, REGISTRY_PASSWORD = "interop", "interop-secret"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    report = (yield).get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, which counts as a failure in the interop suite: {reason}"


@pytest.fixture(scope="session")
def schemas_dir(tmp_path_factory):
    given = os.environ.get("EVENTROUTER_OPENEDX_SCHEMAS")
    if given:
        return Path(given)
    folder = tmp_path_factory.mktemp("openedx-schemas")
    result = subprocess.run([REPO / "scripts" / "openedx-schemas", "--out", folder],
                            capture_output=True, text=True, check=False, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"scripts/openedx-schemas failed ({result.returncode}):\n{result.stderr}", pytrace=False)
    return folder


@pytest.fixture(scope="session")
def eventrouter_binary():
    binary = os.environ.get("EVENTROUTER_BINARY") or str(REPO / "build" / "app" / "eventrouter")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"eventrouter binary {binary} is not an executable file (set EVENTROUTER_BINARY)",
                    pytrace=False)
    return binary


@pytest.fixture(scope="session")
def redis_bus(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield buses.RedisBus(server.url)
    server.stop(20)


@pytest.fixture(scope="session")
def kafka_bus():
    broker = KafkaBroker()
    with contextlib.ExitStack() as stops:
        stops.callback(broker.stop, 60)
        registry = RegistryDouble(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}")
        stops.callback(registry.stop, RegistryDouble.STOP_TIMEOUT)
        yield buses.KafkaBus(broker.bootstrap, registry.url, REGISTRY_USER, REGISTRY_PASSWORD)
        assert not registry.unhandled(), f"endpoints the registry double lacks were called: {registry.unhandled()}"


@pytest.fixture(params=["redis", "kafka"])
def bus(request):
    """Each test taking `bus` runs once on Redis and once on Kafka."""
    return request.getfixturevalue(f"{request.param}_bus")


@pytest.fixture
def topic(request):
    """A topic name of this test's own (Kafka allows [A-Za-z0-9._-])."""
    return "interop-" + re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name).strip("-")


@pytest.fixture
def start_eventrouter(eventrouter_binary, tmp_path):
    """start(config dict) -> a running Eventrouter; each is stopped with SIGTERM after the test,
    which fails unless it exits 0."""
    with contextlib.ExitStack() as stops:  # stops every one, even when stopping another failed
        def start(config):
            router = Eventrouter(eventrouter_binary, config, tempfile.mkdtemp(prefix="eventrouter-", dir=tmp_path))
            stops.callback(router.stop_cleanly)
            return router
        yield start


@pytest.fixture
def start_openedx_consumer():
    """start(bus, topic) -> an Open edX consumer (consume_events) of the topic, reading it from its
    beginning; killed after the test. Each consumer has a group of its own: a killed Kafka
    consumer does not leave its group, whose next member would wait for its session to time out."""
    with contextlib.ExitStack() as stops:
        def start(bus, topic):
            group = f"openedx-{topic}"
            consumer = openedx_bus.Consumer(bus.openedx_settings, topic, group,
                                            bus.group_from_beginning(topic, group))
            stops.callback(consumer.stop, openedx_bus.Consumer.STOP_TIMEOUT)
            return consumer
        yield start
