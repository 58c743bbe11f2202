"""A native Pulsar client for the C++ tests (tests/support/pulsar_oracle.cpp): PyPI's
pulsar-client, the Apache Pulsar C++ client in a wheel, as an independent witness of what is
on a topic. One request as JSON on stdin, one answer as JSON on stdout; payloads are base64.

  pulsar_oracle.py read      {"service_url", "topic", "count", "timeout_ms"}
      -> {"messages": [{"key", "properties", "payload", "event_time"}, ...]}
         every message from the earliest one, read by a Reader, until `count` came or
         `timeout_ms` passed (fewer then: the caller compares)
  pulsar_oracle.py produce   {"service_url", "topic", "timeout_ms",
                              "messages": [{"key", "properties", "payload", "event_time"}, ...]}
      -> {"message_ids": [str, ...]} once the broker acknowledged every one

`key` "" is no key; `event_time` is milliseconds since the epoch, 0 for none (Pulsar's own
convention). Any failure: a message on stderr and exit status 1.

Run by scripts/openedx-python, whose venv has pulsar-client (scripts/openedx-requirements.txt).
"""

import base64
import json
import sys
import threading
import time

import pulsar


def client(request):
    # The client logs to stderr at INFO by default; only what explains a failure is wanted there.
    return pulsar.Client(request["service_url"],
                         operation_timeout_seconds=max(1, request["timeout_ms"] // 1000),
                         logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Warn))


def read(request):
    deadline = time.monotonic() + request["timeout_ms"] / 1000
    c = client(request)
    try:
        reader = c.create_reader(request["topic"], pulsar.MessageId.earliest)
        messages = []
        while len(messages) < request["count"]:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                break
            try:
                m = reader.read_next(timeout_millis=left_ms)
            except pulsar.Timeout:
                break
            messages.append({
                "key": m.partition_key(),
                "properties": m.properties(),
                "payload": base64.b64encode(m.data()).decode("ascii"),
                "event_time": m.event_timestamp(),
            })
        reader.close()
        return {"messages": messages}
    finally:
        c.close()


def produce(request):
    c = client(request)
    try:
        # No batching: one message per entry, as a one-at-a-time producer writes them.
        producer = c.create_producer(request["topic"], batching_enabled=False,
                                     send_timeout_millis=request["timeout_ms"])
        results = [None] * len(request["messages"])
        all_sent = threading.Condition()

        def on_sent(i):
            def callback(result, message_id):  # on the client's own thread
                with all_sent:
                    results[i] = (result, message_id)
                    all_sent.notify_all()
            return callback

        for i, m in enumerate(request["messages"]):
            options = {"properties": m.get("properties") or {}}
            if m.get("key"):
                options["partition_key"] = m["key"]
            if m.get("event_time"):
                options["event_timestamp"] = m["event_time"]
            producer.send_async(base64.b64decode(m["payload"]), on_sent(i), **options)
        producer.flush()
        # The callbacks come on the client's thread, possibly just after flush returned.
        with all_sent:
            all_sent.wait_for(lambda: None not in results, timeout=request["timeout_ms"] / 1000)
        failed = [(i, r[0]) for i, r in enumerate(results) if r is None or r[0] != pulsar.Result.Ok]
        if failed:
            raise RuntimeError("sends failed (index, result): %s" % failed)
        ids = [str(message_id) for _, message_id in results]
        producer.close()
        return {"message_ids": ids}
    finally:
        c.close()


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("read", "produce"):
        print("usage: pulsar_oracle.py read|produce < request.json", file=sys.stderr)
        return 2
    request = json.load(sys.stdin)
    try:
        answer = read(request) if sys.argv[1] == "read" else produce(request)
    except Exception as e:  # noqa: BLE001 - the C++ caller shows whatever went wrong
        print("pulsar_oracle.py %s %s: %s: %s" % (sys.argv[1], request.get("topic"), type(e).__name__, e),
              file=sys.stderr)
        return 1
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
