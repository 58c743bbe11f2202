"""A minimal Open edX service for bench/openedx_bridge: Django settings and the real event-bus
packages (edx-event-bus-redis, edx-event-bus-kafka), nothing of edx-platform.

Run by bench/openedx_bridge with the venv's python, one role per process:

  openedx_service.py fill   --redis URL --events N
      the real edx-event-bus-redis producer writes N XBLOCK_PUBLISHED events (distinct ids and
      usage keys) to the stream dev-content-authoring-xblock-lifecycle, then exits.
  openedx_service.py bridge --redis URL --kafka HOST:PORT --registry URL --group G --to TOPIC
      Open edX's own Redis -> Kafka bridge: the real RedisEventConsumer reads that stream from
      its beginning in group G; a signal receiver re-produces each event with the real
      edx-event-bus-kafka producer to Kafka topic dev-TOPIC. Runs until killed.

The settings are configured before any event-bus module is imported, because both packages read
some settings (stream max length, poll timeout) at import time.
"""

import argparse
import sys

import django
from django.conf import settings

TOPIC_PREFIX = "dev"
SOURCE_TOPIC = "content-authoring-xblock-lifecycle"  # the stream is dev-<this>
EVENT_KEY_FIELD = "xblock_info.usage_key"


def configure_django(args):
    """Only what the event-bus packages read; no database, no apps."""
    settings.configure(
        SECRET_KEY="openedx-bridge-bench",
        USE_TZ=True,
        INSTALLED_APPS=[],
        EVENTS_SERVICE_NAME="bench",
        EVENT_BUS_TOPIC_PREFIX=TOPIC_PREFIX,
        EVENT_BUS_REDIS_CONNECTION_URL=args.redis,
        # The default (10000) would trim a larger backlog away while it is being written.
        EVENT_BUS_REDIS_STREAM_MAX_LEN=max(10_000, 2 * getattr(args, "events", 0)),
        EVENT_BUS_PRODUCER="edx_event_bus_kafka.create_producer",
        EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS=getattr(args, "kafka", None),
        EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL=getattr(args, "registry", None),
    )
    django.setup()


def xblock_published_data(i):
    """Realistic, distinct data for event i: a published vertical of one course."""
    from openedx_events.content_authoring.data import XBlockData
    from opaque_keys.edx.keys import UsageKey

    course = "block-v1:BenchX+Bridge+2026"
    return {
        "xblock_info": XBlockData(
            usage_key=UsageKey.from_string(f"{course}+type@vertical+block@unit{i:06d}"),
            block_type="vertical",
            version=UsageKey.from_string(
                f"{course}+branch@published-branch+version@{i:024x}+type@vertical+block@unit{i:06d}"),
        )
    }


def fill(args):
    from edx_event_bus_redis import create_producer
    from openedx_events.content_authoring.signals import XBLOCK_PUBLISHED

    producer = create_producer()
    for i in range(args.events):
        producer.send(signal=XBLOCK_PUBLISHED, topic=SOURCE_TOPIC, event_key_field=EVENT_KEY_FIELD,
                      event_data=xblock_published_data(i),
                      event_metadata=XBLOCK_PUBLISHED.generate_signal_metadata())


def bridge(args):
    from edx_event_bus_redis.internal.consumer import RedisEventConsumer
    from openedx_events.content_authoring.signals import XBLOCK_PUBLISHED
    from openedx_events.event_bus import get_producer

    producer = get_producer()

    # Events a consumer emits carry from_event_bus=True, so openedx-events' own producing
    # handler (EVENT_BUS_PRODUCER_CONFIG) would skip them: a bridge needs a receiver of its own.
    def re_produce(sender, signal, metadata, from_event_bus, **event_data):  # pylint: disable=unused-argument
        producer.send(signal=signal, topic=args.to, event_key_field=EVENT_KEY_FIELD,
                      event_data=event_data, event_metadata=metadata)

    XBLOCK_PUBLISHED.connect(re_produce, weak=False)
    consumer = RedisEventConsumer(topic=SOURCE_TOPIC, group_id=args.group, consumer_name="bench-bridge",
                                  check_backlog=True)  # the group starts at the stream's beginning
    consumer.consume_indefinitely()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    roles = parser.add_subparsers(dest="role", required=True)
    f = roles.add_parser("fill")
    f.add_argument("--redis", required=True)
    f.add_argument("--events", type=int, required=True)
    b = roles.add_parser("bridge")
    b.add_argument("--redis", required=True)
    b.add_argument("--kafka", required=True)
    b.add_argument("--registry", required=True)
    b.add_argument("--group", required=True)
    b.add_argument("--to", required=True, help="Kafka topic, without the dev- prefix")
    args = parser.parse_args()
    configure_django(args)
    {"fill": fill, "bridge": bridge}[args.role](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
