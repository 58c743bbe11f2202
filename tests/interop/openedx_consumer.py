"""An Open edX consuming service: runs openedx-events' `consume_events` management command -- what
an Open edX deployment runs to consume a topic -- with a signal receiver that prints, per event,
one JSON line on stdout:

    {"event_type": ..., "metadata": EventsMetadata.to_json_data(), "from_event_bus": true,
     "data": AvroSignalSerializer(signal).to_dict(the signal's data)}

and one line {"error": ...} per error the event bus logs (a message it could not decode, a
receiver that failed), so that a test fails at once instead of waiting for an event that will not
come. Runs until killed.

    python openedx_consumer.py --topic TOPIC --group GROUP [--extra JSON]

The bus, and where it is, come from the Django settings in openedx_settings.py (see there).
"""
import argparse
import json
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openedx_settings")

import django  # noqa: E402 -- after the settings module is named

django.setup()

from django.core.management import call_command  # noqa: E402
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer  # noqa: E402
from openedx_events.tooling import OpenEdxPublicSignal  # noqa: E402


def emit(line):
    print(json.dumps(line), flush=True)


def record_event(sender, signal, metadata, from_event_bus, **data):  # pylint: disable=unused-argument
    emit({"event_type": signal.event_type, "metadata": metadata.to_json_data(),
          "from_event_bus": from_event_bus, "data": AvroSignalSerializer(signal).to_dict(data)})


class ErrorLines(logging.Handler):
    """The message alone: the traceback is on stderr, which a failing test shows too."""

    def emit(self, record):
        emit({"error": record.getMessage()})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--topic", required=True, help="topic, without EVENT_BUS_TOPIC_PREFIX")
    parser.add_argument("--group", required=True)
    parser.add_argument("--extra", default="{}", help="JSON: more arguments for the bus's consumer class")
    args = parser.parse_args()

    error_lines = ErrorLines(level=logging.ERROR)
    for package in ("edx_event_bus_redis", "edx_event_bus_kafka", "openedx_events"):
        logging.getLogger(package).addHandler(error_lines)
    # openedx_events' app loaded every signal in django.setup().
    for signal in OpenEdxPublicSignal.all_events():
        signal.connect(record_event)

    call_command("consume_events", "--topic", args.topic, "--group_id", args.group, "--extra", args.extra)
    return 1  # consume_events returns only when it gave up (it logged why)


if __name__ == "__main__":
    sys.exit(main())
