"""The schema registry test double (schema_registry.py) against confluent-kafka's real clients.

Run in the venv of scripts/openedx-schemas:

    build/openedx-venv/bin/python -m pytest tests/interop/test_schema_registry.py
"""

import json
import signal
import struct
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import (
    Schema,
    SchemaRegistryClient,
    SchemaRegistryError,
    topic_record_subject_name_strategy,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

sys.path.insert(0, str(Path(__file__).parent))
import schema_registry  # noqa: E402 -- the module under test sits next to this file

SCRIPT = Path(__file__).parent / "schema_registry.py"

XBLOCK_SCHEMA = {
    "name": "CloudEvent",
    "namespace": "org.openedx.content_authoring.xblock.published.v1",
    "type": "record",
    "fields": [{"name": "xblock_info", "type": {
        "name": "XBlockData", "type": "record",
        "fields": [
            {"name": "usage_key", "type": "string"},
            {"name": "block_type", "type": "string"},
            {"name": "version", "type": ["null", "string"], "default": None},
        ],
    }}],
}
# As openedx-events writes schemas: json.dumps(schema, sort_keys=True).
XBLOCK_SCHEMA_STR = json.dumps(XBLOCK_SCHEMA, sort_keys=True)
XBLOCK_EVENT = {"xblock_info": {
    "usage_key": "block-v1:edX+DemoX+Demo_Course+type@vertical+block@v1",
    "block_type": "vertical",
    "version": None,
}}


@pytest.fixture
def registry():
    with schema_registry.start() as running:
        yield running


def client(registry, **conf):
    # No retries: an error from the double is final, and the tests should not sleep on it.
    return SchemaRegistryClient({"url": registry.url, "max.retries": 0, **conf})


def test_register_look_up_and_fetch_by_id(registry):
    sr = client(registry)
    subject = "dev-topic-org.openedx.content_authoring.xblock.published.v1.CloudEvent"
    schema_id = sr.register_schema(subject, Schema(XBLOCK_SCHEMA_STR, "AVRO"))

    # A fresh client, so the answers come from the double and not the first client's cache.
    sr = client(registry)
    found = sr.lookup_schema(subject, Schema(XBLOCK_SCHEMA_STR, "AVRO"))
    assert (found.subject, found.schema_id, found.version) == (subject, schema_id, 1)
    fetched = sr.get_schema(schema_id)
    assert fetched.schema_type == "AVRO"
    assert fetched.schema_str == XBLOCK_SCHEMA_STR
    latest = sr.get_latest_version(subject)
    assert (latest.schema_id, latest.version, latest.schema.schema_str) == (schema_id, 1, XBLOCK_SCHEMA_STR)
    assert sr.get_subjects() == [subject]
    assert sr.get_versions(subject) == [1]
    assert [(v.subject, v.version) for v in sr.get_schema_versions(schema_id)] == [(subject, 1)]
    assert sr.get_compatibility() == "BACKWARD"
    assert registry.unhandled == []


def test_registering_again_returns_the_same_id_and_version(registry):
    subject = "dev-topic-value"
    first = client(registry).register_schema(subject, Schema(XBLOCK_SCHEMA_STR, "AVRO"))
    again = client(registry).register_schema(subject, Schema(XBLOCK_SCHEMA_STR, "AVRO"))
    assert again == first
    assert client(registry).get_versions(subject) == [1]


def test_same_schema_under_two_subjects_has_one_id(registry):
    sr = client(registry)
    first = sr.register_schema("a-value", Schema(XBLOCK_SCHEMA_STR, "AVRO"))
    # The same schema written compactly and with its keys in another order is still the same one.
    compact = json.dumps(XBLOCK_SCHEMA, separators=(",", ":"))
    second = sr.register_schema("b-value", Schema(compact, "AVRO"))
    assert second == first
    other = sr.register_schema("b-value", Schema('{"type": "string"}', "AVRO"))
    assert other != first
    assert sr.get_versions("b-value") == [1, 2]


def test_avro_serializer_round_trip_through_the_double(registry):
    topic = "dev-content-authoring-xblock-lifecycle"
    serializer = AvroSerializer(client(registry), XBLOCK_SCHEMA_STR,
                                conf={"subject.name.strategy": topic_record_subject_name_strategy})
    headers = {}
    value = serializer(XBLOCK_EVENT, SerializationContext(topic, MessageField.VALUE, headers))

    subject = f"{topic}-org.openedx.content_authoring.xblock.published.v1.CloudEvent"
    schema_id = client(registry).lookup_schema(subject, Schema(XBLOCK_SCHEMA_STR, "AVRO")).schema_id
    # Confluent framing: magic byte 0, the schema id as 4 bytes big-endian, then the Avro binary;
    # nothing in the headers.
    assert value[:5] == struct.pack(">bI", 0, schema_id)
    assert headers == {}

    # Another client, so the deserializer has to fetch the writer's schema by its id.
    deserializer = AvroDeserializer(client(registry))
    assert deserializer(value, SerializationContext(topic, MessageField.VALUE, headers)) == XBLOCK_EVENT
    assert f"GET /schemas/ids/{schema_id}?subject={topic}-value" in registry.requests
    assert registry.unhandled == []


def test_errors_have_the_confluent_shape(registry):
    sr = client(registry)
    with pytest.raises(SchemaRegistryError) as invalid:
        sr.register_schema("bad-value", Schema('{"type": "record", ', "AVRO"))
    assert (invalid.value.http_status_code, invalid.value.error_code) == (422, 42201)
    with pytest.raises(SchemaRegistryError) as unknown_id:
        sr.get_schema(404)
    assert (unknown_id.value.http_status_code, unknown_id.value.error_code) == (404, 40403)
    with pytest.raises(SchemaRegistryError) as unknown_subject:
        sr.lookup_schema("nobody", Schema(XBLOCK_SCHEMA_STR, "AVRO"))
    assert (unknown_subject.value.http_status_code, unknown_subject.value.error_code) == (404, 40401)
    sr.register_schema("somebody", Schema('"string"', "AVRO"))
    with pytest.raises(SchemaRegistryError) as unknown_schema:
        sr.lookup_schema("somebody", Schema(XBLOCK_SCHEMA_STR, "AVRO"))
    assert (unknown_schema.value.http_status_code, unknown_schema.value.error_code) == (404, 40403)
    with pytest.raises(SchemaRegistryError) as unknown_path:
        sr.delete_subject("somebody")
    assert (unknown_path.value.http_status_code, unknown_path.value.error_code) == (404, 404)
    assert registry.unhandled == ["DELETE /subjects/somebody"]


def test_basic_auth_refuses_requests_without_the_credentials():
    with schema_registry.start(basic_auth="router:s3cret") as registry:
        for conf in ({}, {"basic.auth.user.info": "router:wrong"}):
            with pytest.raises(SchemaRegistryError) as refused:
                client(registry, **conf).register_schema("a-value", Schema(XBLOCK_SCHEMA_STR, "AVRO"))
            assert (refused.value.http_status_code, refused.value.error_code) == (401, 401)

        credentials = {"basic.auth.user.info": "router:s3cret"}
        schema_id = client(registry, **credentials).register_schema("a-value", Schema(XBLOCK_SCHEMA_STR, "AVRO"))
        assert client(registry, **credentials).get_schema(schema_id).schema_str == XBLOCK_SCHEMA_STR


def test_command_line_prints_its_url_and_stops_on_sigterm():
    # -I -S: no site-packages, as under the system python3 the C++ tests start it with.
    process = subprocess.Popen([sys.executable, "-I", "-S", str(SCRIPT), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert urllib.parse.urlsplit(url).hostname == "127.0.0.1"
        assert urllib.parse.urlsplit(url).port > 0
        schema_id = SchemaRegistryClient({"url": url}).register_schema("a-value", Schema('"string"', "AVRO"))
        assert schema_id == 1
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert stdout == ""
