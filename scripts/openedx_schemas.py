"""Writes the Avro schema of every Open edX event type that openedx-events can put on the event bus.

Run by scripts/openedx-schemas inside the venv that script makes (it needs openedx-events, Django and
fastavro): python scripts/openedx_schemas.py --out DIR. Each schema is openedx-events' own
(openedx_events.event_bus.avro.serializer.AvroSignalSerializer(signal).schema, the one its Kafka and
Redis event buses use), written as DIR/<event_type>.avsc in indented JSON, with the keys in the order
openedx-events builds them. Event types that cannot be serialized are skipped and named on stderr.
Prints a one-line summary on stdout; exits 1 when no schema could be written.
"""
import argparse
import json
import os
import re
import sys
import tempfile

PROG = "openedx-schemas"


def say(msg):
    print(f"{PROG}: {msg}", file=sys.stderr)


def setup_django():
    """Configure the smallest Django settings under which openedx-events' signals import."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            USE_TZ=True,
            SECRET_KEY="eventrouter-openedx-schemas",
            INSTALLED_APPS=[],
            DATABASES={},
        )
    django.setup()


def short_reason(exc):
    text = re.sub(r"<class '([\w.]+)'>", r"\1", " ".join(str(exc).split())) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def schema_for(signal):
    """openedx-events' Avro schema for the signal, checked by fastavro; raises when there is none."""
    import fastavro
    from openedx_events.event_bus.avro.serializer import AvroSignalSerializer

    schema = AvroSignalSerializer(signal).schema
    fastavro.parse_schema(json.loads(json.dumps(schema)))
    return schema


def failing_field(signal):
    """The dotted path and Python type of the innermost field whose schema openedx-events cannot build."""
    import types

    from openedx_events.event_bus.avro.schema import schema_from_signal

    def fails(name, data_type):
        try:
            schema_from_signal(types.SimpleNamespace(event_type="probe", init_data={name: data_type}))
            return False
        except Exception:  # pylint: disable=broad-except
            return True

    def walk(path, data_type):
        for attribute in getattr(data_type, "__attrs_attrs__", ()):
            if fails(attribute.name, attribute.type):
                return walk(f"{path}.{attribute.name}", attribute.type)
        shown = data_type.__name__ if isinstance(data_type, type) else repr(data_type).replace("typing.", "")
        return f"{path} ({shown})"

    for name, data_type in signal.init_data.items():
        if fails(name, data_type):
            return walk(name, data_type)
    return None


def write_atomically(path, text):
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".avsc", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the .avsc files (created if missing)")
    args = parser.parse_args(argv)

    setup_django()
    import openedx_events
    from openedx_events.tooling import KNOWN_UNSERIALIZABLE_SIGNALS, OpenEdxPublicSignal, load_all_signals

    load_all_signals()
    signals = {}
    for signal in OpenEdxPublicSignal.all_events():
        signals.setdefault(signal.event_type, signal)
    if not signals:
        say(f"openedx-events {getattr(openedx_events, '__version__', '?')} defines no event types")
        return 1

    os.makedirs(args.out, exist_ok=True)
    written, skipped = [], []
    for event_type in sorted(signals):
        signal = signals[event_type]
        try:
            schema = schema_for(signal)
            error = None
        except Exception as exc:  # openedx-events raises bare Exception/TypeError for unsupported types
            schema, error = None, short_reason(exc)
            where = failing_field(signal)
            if where:
                error = f"field {where}: {error}"
        if event_type in KNOWN_UNSERIALIZABLE_SIGNALS:
            reason = "openedx-events lists it in KNOWN_UNSERIALIZABLE_SIGNALS (not for the event bus)"
            reason += f"; its schema fails too: {error}" if error else " although a schema could be built"
            skipped.append((event_type, reason))
            continue
        if error:
            skipped.append((event_type, error))
            continue
        write_atomically(os.path.join(args.out, f"{event_type}.avsc"), json.dumps(schema, indent=2) + "\n")
        written.append(event_type)

    for event_type, reason in skipped:
        say(f"skipped {event_type}: {reason}")
    version = getattr(openedx_events, "__version__", "?")
    summary = f"{PROG}: {len(written)} schemas written to {args.out} by openedx-events {version}"
    if skipped:
        summary += f" ({len(skipped)} event types skipped: {', '.join(t for t, _ in skipped)})"
    else:
        summary += " (no event type skipped)"
    print(summary)
    if not written:
        say("no schema could be written")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
