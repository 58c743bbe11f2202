"""eventrouter and the real Open edX event bus packages on the same topics, in `openedx` format
(../shared/DESIGN.md, "Wire formats"), on Redis (edx-event-bus-redis) and on Kafka
(edx-event-bus-kafka, with the schema registry test double):

- what an Open edX producer writes, eventrouter consumes with the same data and metadata;
- what eventrouter publishes, an Open edX consumer (consume_events) receives as it was posted,
  also when it was posted with only the attributes CloudEvents requires;
- eventrouter bridges an Open edX producer on Redis to an Open edX consumer on Kafka;
- eventrouter writes the very records the Open edX producer writes for the same event;
- data that does not fit the event type's schema is refused with a 400 naming the field.

The tests taking `bus` run on both buses, and each test on topics of its own.
"""
import copy
from datetime import datetime, timedelta, timezone

import pytest

from harness import post_all
from openedx_bus import TOPIC_PREFIX, full_topic, produce
from openedx_samples import ATTRIBUTES, by_id, samples

REQUIRED_ATTRIBUTES = ("specversion", "id", "type", "source", "data")


def router_config(schemas_dir, topics, consumers=None):
    """eventrouter's configuration. topics: {topic: (bus, samples whose event types are routed
    to it with their key fields)}, each in openedx format; consumers: {topic: sink type}, one
    consumer per topic, named after its sink, reading the topic from its beginning in a group of
    its own."""
    config = {"http": {"listen": "127.0.0.1:0"}, "topic_prefix": TOPIC_PREFIX,
              "schemas": {"directory": str(schemas_dir)},
              "transports": {}, "topics": {}, "producer_config": {}, "consumers": []}
    for topic, (bus, routes) in topics.items():
        config["transports"].update(bus.transport)
        config["topics"][topic] = {"transport": bus.name, "format": "openedx"}
        for sample in routes:
            config["producer_config"].setdefault(sample.event_type, {})[topic] = {"event_key_field": sample.key_field}
    for topic, sink in (consumers or {}).items():
        config["consumers"].append({"name": sink, "topic": topic, "group_id": f"eventrouter-{topic}",
                                    "sink": {"type": sink}, "from_beginning": True})
    return config


def received_by_id(consumer, events):
    """What the Open edX consumer's receiver recorded for `events`, by event id."""
    return by_id(consumer.wait_for_events(len(events)), lambda record: record["metadata"]["id"])


def assert_received_as_sent(consumer, events):
    """The Open edX consumer's receiver got each event with the data and metadata it was sent with."""
    received = received_by_id(consumer, events)
    for sample in events:
        record = received[str(sample.metadata.id)]
        assert record["event_type"] == sample.event_type
        assert record["from_event_bus"] is True
        assert record["metadata"] == sample.metadata_json()
        assert record["data"] == sample.data_json()


def test_eventrouter_consumes_what_open_edx_produces(bus, topic, schemas_dir, start_eventrouter):
    bus.prepare_topic(topic)
    router = start_eventrouter(router_config(schemas_dir, {topic: (bus, [])}, {topic: "log"}))
    events = samples()
    produce(bus.openedx_settings, topic, events)

    lines = by_id(router.wait_for_log_lines(len(events)), lambda line: line["event"]["id"])
    for sample in events:
        line = lines[str(sample.metadata.id)]
        assert (line["consumer"], line["topic"], line["key"]) == ("log", full_topic(topic), bus.expected_key(sample))
        event = line["event"]
        assert {name: event.get(name) for name in ATTRIBUTES} == sample.attributes()
        assert event["data"] == sample.data_json()


def test_open_edx_consumes_what_eventrouter_publishes(bus, topic, schemas_dir, start_eventrouter,
                                                      start_openedx_consumer):
    bus.prepare_topic(topic)
    events = samples()
    router = start_eventrouter(router_config(schemas_dir, {topic: (bus, events)}))
    post_all(router, [sample.cloudevent() for sample in events])

    assert_received_as_sent(start_openedx_consumer(bus, topic), events)


def test_open_edx_consumes_events_posted_with_only_the_required_attributes(
        bus, topic, schemas_dir, start_eventrouter, start_openedx_consumer):
    """A producer that is not Open edX may leave out time, minorversion, sourcehost and sourcelib;
    its events must still be ones an Open edX consumer takes."""
    bus.prepare_topic(topic)
    events = samples()
    router = start_eventrouter(router_config(schemas_dir, {topic: (bus, events)}))
    before = datetime.now(timezone.utc)
    post_all(router, [{name: sample.cloudevent()[name] for name in REQUIRED_ATTRIBUTES} for sample in events])
    after = datetime.now(timezone.utc)

    received = received_by_id(start_openedx_consumer(bus, topic), events)
    for sample in events:
        record = received[str(sample.metadata.id)]
        metadata = record["metadata"]
        assert (metadata["event_type"], metadata["source"], metadata["minorversion"]) == \
            (sample.event_type, sample.metadata.source, 0)
        assert before <= datetime.fromisoformat(metadata["time"]) <= after, "time is not the time of receipt"
        assert record["data"] == sample.data_json()


def test_open_edx_consumes_events_posted_with_a_time_in_another_zone(
        bus, topic, schemas_dir, start_eventrouter, start_openedx_consumer):
    """Open edX consumers take times in UTC only; eventrouter writes the same instant in UTC."""
    bus.prepare_topic(topic)
    events = samples()
    router = start_eventrouter(router_config(schemas_dir, {topic: (bus, events)}))
    posted = []
    for sample in events:
        event = sample.cloudevent()
        event["time"] = sample.metadata.time.astimezone(timezone(timedelta(hours=-5, minutes=-30))).isoformat()
        posted.append(event)
    post_all(router, posted)

    received = received_by_id(start_openedx_consumer(bus, topic), events)
    for sample in events:
        record = received[str(sample.metadata.id)]
        assert datetime.fromisoformat(record["metadata"]["time"]) == sample.metadata.time
        assert record["data"] == sample.data_json()


def test_eventrouter_bridges_open_edx_services_from_redis_to_kafka(
        redis_bus, kafka_bus, topic, schemas_dir, start_eventrouter, start_openedx_consumer):
    """The migration path: a service producing with edx-event-bus-redis, one consuming with
    edx-event-bus-kafka, and eventrouter between them (a `route` sink reading the stream, routes
    to the Kafka topic)."""
    redis_topic, kafka_topic = f"{topic}-redis", f"{topic}-kafka"
    kafka_bus.prepare_topic(kafka_topic)
    events = samples()
    start_eventrouter(router_config(schemas_dir, {redis_topic: (redis_bus, []), kafka_topic: (kafka_bus, events)},
                                    {redis_topic: "route"}))
    produce(redis_bus.openedx_settings, redis_topic, events)

    assert_received_as_sent(start_openedx_consumer(kafka_bus, kafka_topic), events)


def test_eventrouter_writes_the_records_open_edx_writes(bus, topic, schemas_dir, start_eventrouter):
    """The same events, once from the Open edX producer and once posted to eventrouter, on two
    topics: the records are the same (Redis: every field, in order; Kafka: headers, key and value,
    schema ids included)."""
    openedx_topic, router_topic = f"{topic}-openedx", f"{topic}-eventrouter"
    for name in (openedx_topic, router_topic):
        bus.prepare_topic(name)
    events = samples()
    router = start_eventrouter(router_config(schemas_dir, {router_topic: (bus, events)}))
    post_all(router, [sample.cloudevent() for sample in events])
    produce(bus.openedx_settings, openedx_topic, events)

    assert bus.raw_records(router_topic, len(events)) == bus.raw_records(openedx_topic, len(events))


def without(data, path):
    """A copy of data without the field at the dotted path."""
    out = copy.deepcopy(data)
    *parents, name = path.split(".")
    inner = out
    for parent in parents:
        inner = inner[parent]
    del inner[name]
    return out


@pytest.mark.parametrize("index, path", [
    (0, "xblock_info.block_type"),
    (1, "enrollment.user.pii.email"),
    (2, "user.id"),
])
def test_data_missing_a_required_field_is_refused(bus, topic, schemas_dir, start_eventrouter, index, path):
    bus.prepare_topic(topic)
    refused, accepted = samples()[index], samples()[index]  # the same event type, two ids
    router = start_eventrouter(router_config(schemas_dir, {topic: (bus, [refused])}))
    event = refused.cloudevent()
    event["data"] = without(event["data"], path)

    status, answer = router.post(event)
    assert status == 400, f"{status} {answer}"
    assert path in answer["error"], f"the answer does not name {path}: {answer}"

    # Nothing of it was written: the first record on the topic is the next event, a valid one.
    post_all(router, [accepted.cloudevent()])
    assert bus.event_ids(topic, 1) == [str(accepted.metadata.id)]
