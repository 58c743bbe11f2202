"""The Open edX side of the interop tests: the event bus settings for Redis and Kafka, a producer in
the test process (openedx-events' get_producer(), as an Open edX service's signal handler calls
it), and consumers in subprocesses (openedx_consumer.py: the consume_events management command).
"""
import json
import logging
import os
import sys

from django.test import override_settings
from edx_event_bus_kafka import KafkaEventProducer
from openedx_events.event_bus import NoEventBusProducer, get_producer

from harness import HERE, ManagedProcess

TOPIC_PREFIX = "dev"  # EVENT_BUS_TOPIC_PREFIX in openedx_settings.py
FLUSH_TIMEOUT = 30


def full_topic(topic):
    return f"{TOPIC_PREFIX}-{topic}"


def redis_settings(url):
    return {
        "EVENT_BUS_PRODUCER": "edx_event_bus_redis.create_producer",
        "EVENT_BUS_CONSUMER": "edx_event_bus_redis.RedisEventConsumer",
        "EVENT_BUS_REDIS_CONNECTION_URL": url,
    }


def kafka_settings(bootstrap, registry_url, registry_user, registry_password):
    return {
        "EVENT_BUS_PRODUCER": "edx_event_bus_kafka.create_producer",
        "EVENT_BUS_CONSUMER": "edx_event_bus_kafka.KafkaEventConsumer",
        "EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL": registry_url,
        "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY": registry_user,
        "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET": registry_password,
    }


class _ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(self.format(record))


def produce(settings, topic, events):
    """Hands each event (openedx_samples.Sample) to the producer of the bus in `settings`, as
    openedx-events' signal handler does, and returns once the bus has them. The producers log
    their errors rather than raise them: those fail the test here."""
    errors = _ErrorRecords()
    loggers = [logging.getLogger(name) for name in ("edx_event_bus_redis", "edx_event_bus_kafka")]
    for logger in loggers:
        logger.addHandler(errors)
    try:
        # override_settings signals setting_changed, which clears the packages' cached producer,
        # registry client and serializers, so they are made from these settings.
        with override_settings(**settings):
            producer = get_producer()
            # get_producer() falls back, with a warning, to one that drops every event.
            assert not isinstance(producer, NoEventBusProducer), f"no Open edX producer from {settings}"
            for sample in events:
                producer.send(signal=sample.signal, topic=topic, event_key_field=sample.key_field,
                              event_data=sample.data, event_metadata=sample.metadata)
            if isinstance(producer, KafkaEventProducer):
                # What its prepare_for_shutdown() does, with a deadline: wait for the broker's
                # acknowledgements (delivery failures are logged, so caught below).
                left = producer.producer.flush(FLUSH_TIMEOUT)
                assert left == 0, f"{left} events not acknowledged by Kafka within {FLUSH_TIMEOUT} s"
        assert not errors.messages, f"the Open edX producer failed: {errors.messages}"
    finally:
        for logger in loggers:
            logger.removeHandler(errors)


class Consumer(ManagedProcess):
    """openedx_consumer.py on a topic: an Open edX service consuming with the bus in `settings`.
    consume_events runs until killed, as in a deployment: stop() sends SIGTERM, whose default
    action ends it."""

    STOP_TIMEOUT = 15

    def __init__(self, settings, topic, group, extra=None):
        env = dict(os.environ, EVENTROUTER_INTEROP_SETTINGS=json.dumps(settings), PYTHONUNBUFFERED="1")
        super().__init__(f"Open edX consumer of {full_topic(topic)}", [
            sys.executable, HERE / "openedx_consumer.py", "--topic", topic, "--group", group,
            "--extra", json.dumps(extra or {})], env=env)

    def wait_for_events(self, count, timeout=60):
        """The first `count` events the signal receiver recorded; fails at the first error the bus
        logged."""
        def enough():
            lines = [json.loads(line) for line in self.stdout if line.startswith("{")]
            errors = [line["error"] for line in lines if "error" in line]
            assert not errors, "the Open edX consumer logged errors:\n" + "\n".join(errors) + "\n" + self._tails()
            events = [line for line in lines if "event_type" in line]
            return events[:count] if len(events) >= count else None
        return self.wait_for(f"{count} events received", enough, timeout)
