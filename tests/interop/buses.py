"""The two event buses the interop tests run every scenario on, behind one interface: what
eventrouter's configuration and the Open edX settings say to reach the bus, how a topic is prepared
for a consumer group, and how the raw records of a topic are read back for a byte comparison.
"""
import json
import time

import fastavro
import pytest
import redis
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient

import openedx_bus

KAFKA_TIMEOUT = 30


class RedisBus:
    name = "redis"

    def __init__(self, url):
        self.openedx_settings = openedx_bus.redis_settings(url)
        self.transport = {"redis": {"url": url}}
        self._client = redis.Redis.from_url(url)

    def prepare_topic(self, topic):
        """Nothing: XADD and the consumers make the stream."""

    def group_from_beginning(self, topic, group):  # pylint: disable=unused-argument
        """The --extra arguments of consume_events for a new group that reads the topic from its
        beginning: RedisEventConsumer's consumer name (required), and check_backlog, which
        creates the group at the start of the stream rather than at its end."""
        return {"consumer_name": f"{group}-1", "check_backlog": True}

    def expected_key(self, sample):  # pylint: disable=unused-argument
        """The key eventrouter reports for an event read from this bus: stream entries have none."""
        return ""

    def raw_records(self, topic, count):
        """The first `count` entries of the stream: each the list of its (field, value) pairs, in
        order, as bytes."""
        stream = openedx_bus.full_topic(topic)
        entries = self._client.xrange(stream, count=count)
        assert len(entries) == count, f"{stream} holds {len(entries)} entries, expected {count}"
        return [list(fields.items()) for _, fields in entries]

    def event_ids(self, topic, count):
        return [dict(fields)[b"id"].decode() for fields in self.raw_records(topic, count)]


class KafkaBus:
    """Kafka with the schema registry test double (with basic auth, as production registries have)."""

    name = "kafka"

    def __init__(self, bootstrap, registry_url, user, password):
        self.bootstrap = bootstrap
        self.registry = SchemaRegistryClient({"url": registry_url, "basic.auth.user.info": f"{user}:{password}"})
        self.openedx_settings = openedx_bus.kafka_settings(bootstrap, registry_url, user, password)
        self.transport = {"kafka": {"bootstrap_servers": bootstrap, "schema_registry_url": registry_url,
                                    "schema_registry_basic_auth": f"{user}:{password}"}}
        self._admin = AdminClient({"bootstrap.servers": bootstrap})

    def prepare_topic(self, topic):
        """Creates the topic with one partition, so that reading it back gives the order written."""
        futures = self._admin.create_topics([NewTopic(openedx_bus.full_topic(topic), 1, 1)],
                                            operation_timeout=KAFKA_TIMEOUT)
        for future in futures.values():
            future.result(timeout=KAFKA_TIMEOUT)

    def group_from_beginning(self, topic, group):
        """KafkaEventConsumer takes no more arguments, and leaves auto.offset.reset at librdkafka's
        `latest`: a new group would miss what was written before it joined. So the group's offset
        is set to the beginning before it starts, as an operator would with
        kafka-consumer-groups --reset-offsets."""
        partition = TopicPartition(openedx_bus.full_topic(topic), 0, 0)
        futures = self._admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, [partition])])
        for future in futures.values():
            future.result(timeout=KAFKA_TIMEOUT)
        return {}

    def expected_key(self, sample):
        return sample.key()

    def raw_records(self, topic, count):
        """The first `count` messages of the topic, each {"key", "value", "headers"}: key and value
        split as _unframe() does, headers sorted (their order means nothing to a consumer, which
        looks them up by name; edx-event-bus-kafka writes ce_specversion and the content types
        first, eventrouter ce_type first)."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "interop-raw-reader",
                             "enable.auto.commit": False})
        try:
            consumer.assign([TopicPartition(openedx_bus.full_topic(topic), 0, 0)])
            messages = []
            deadline = time.monotonic() + KAFKA_TIMEOUT
            while len(messages) < count and time.monotonic() < deadline:
                message = consumer.poll(0.5)
                if message is None:
                    continue
                assert message.error() is None, f"reading {topic}: {message.error()}"
                messages.append(message)
        finally:
            consumer.close()
        if len(messages) < count:
            pytest.fail(f"{topic}: {len(messages)} messages within {KAFKA_TIMEOUT} s, expected {count}", pytrace=False)
        return [{"key": self._unframe(m.key()), "value": self._unframe(m.value()),
                 "headers": sorted(m.headers() or [])} for m in messages]

    def event_ids(self, topic, count):
        return [dict(record["headers"])["ce_id"].decode() for record in self.raw_records(topic, count)]

    def _unframe(self, framed):
        """(schema id, that schema in Avro's canonical form, Avro body) of a Confluent-framed
        payload: all its bytes, with the schema shown for a readable failure when the ids differ."""
        assert framed[:1] == b"\0", f"not in Confluent framing (magic byte 0): {framed[:8]!r}"
        schema_id = int.from_bytes(framed[1:5], "big")
        schema = fastavro.parse_schema(json.loads(self.registry.get_schema(schema_id).schema_str))
        return schema_id, fastavro.schema.to_parsing_canonical_form(schema), framed[5:]

