"""Proves the router's Avro codec (router/avro_codec.cpp) speaks the Open edX event bus wire format:
for every event type openedx-events can serialize, on samples covering every union branch of its
schema (avro_samples.py), fastavro reads what the C++ codec writes, the C++ codec reads what
fastavro writes, and the two write the very same bytes. What is read back must equal the sample in
value and type; the one tolerance is float32's rounding, where the schema says float. A schema of
every Avro type (EVERY_TYPE_SCHEMA) takes the same checks, for what the Open edX schemas lack.

Run in the venv of scripts/openedx-schemas (it has fastavro and openedx-events):
    EVENTROUTER_AVRO_TOOL=build/tests/avro_tool build/openedx-venv/bin/python -m pytest tests/interop/test_avro_roundtrip.py -q
EVENTROUTER_AVRO_TOOL (required) is the avro_tool that tests/CMakeLists.txt builds.
EVENTROUTER_OPENEDX_SCHEMAS (optional) is a folder of <event type>.avsc; without it the schemas are
written by scripts/openedx-schemas into a temporary folder, once per run.
"""
import io
import json
import math
import os
import random
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import fastavro
import pytest

import avro_samples

REPO = Path(__file__).resolve().parents[2]
SAMPLES_PER_TYPE = 5
MIN_EVENT_TYPES = 60  # openedx-events 10.5.0 serializes 63; fewer means the folder is not the real one
SCHEMA_FOLDER = pytest.StashKey[Path]()


def schema_folder(config):
    """The folder of .avsc files, made at most once per run."""
    if SCHEMA_FOLDER not in config.stash:
        given = os.environ.get("EVENTROUTER_OPENEDX_SCHEMAS")
        config.stash[SCHEMA_FOLDER] = Path(given) if given else write_schemas(config)
    return config.stash[SCHEMA_FOLDER]


def write_schemas(config):
    folder = Path(tempfile.mkdtemp(prefix="openedx-schemas-"))
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    result = subprocess.run([REPO / "scripts" / "openedx-schemas", "--out", folder],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"scripts/openedx-schemas failed ({result.returncode}):\n{result.stderr}", pytrace=False)
    return folder


def pytest_generate_tests(metafunc):
    if "event_type" in metafunc.fixturenames:
        types = sorted(path.stem for path in schema_folder(metafunc.config).glob("*.avsc"))
        metafunc.parametrize("event_type", types)


@pytest.fixture(scope="session")
def avro_tool():
    tool = os.environ.get("EVENTROUTER_AVRO_TOOL")
    if not tool:
        pytest.fail("EVENTROUTER_AVRO_TOOL is not set: build the avro_tool target (tests/CMakeLists.txt) "
                    "and set it to <build dir>/tests/avro_tool", pytrace=False)
    if not os.access(tool, os.X_OK):
        pytest.fail(f"EVENTROUTER_AVRO_TOOL={tool} is not an executable file", pytrace=False)
    return tool


class Case:
    """One schema: its file, its JSON, as fastavro parses it, and its samples."""

    def __init__(self, path, count, seed):
        self.path = path
        self.schema = json.loads(path.read_text(encoding="utf-8"))
        self.parsed = fastavro.parse_schema(self.schema)
        self.samples = avro_samples.samples(self.schema, count, seed)

    def expected(self, i):
        return avro_samples.read_back(self.schema, self.samples[i])

    def fastavro_bytes(self, i):
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self.parsed, self.samples[i], strict=True, disable_tuple_notation=True)
        return out.getvalue()

    def fastavro_read(self, data):
        stream = io.BytesIO(data)
        datum = fastavro.schemaless_reader(stream, self.parsed)
        assert stream.read() == b"", "bytes left after the datum"
        return datum


@pytest.fixture
def case(event_type, request):
    path = schema_folder(request.config) / f"{event_type}.avsc"
    return Case(path, SAMPLES_PER_TYPE, seed=zlib.crc32(event_type.encode()))


def run_tool(tool, mode, schema_path, lines):
    """avro_tool's output lines for `lines`, one each."""
    result = subprocess.run([tool, mode, schema_path], input="".join(f"{line}\n" for line in lines),
                            capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert result.returncode == 0, f"avro_tool {mode} exited {result.returncode}: {result.stderr}"
    out = result.stdout.split("\n")[:-1]  # not splitlines: U+2028 and friends are not line ends here
    assert len(out) == len(lines), f"avro_tool {mode}: {len(lines)} lines in, {len(out)} out"
    return out


def cpp_encodings(tool, case):
    # Half the samples with \u escapes (surrogate pairs for emoji), half as raw UTF-8.
    lines = [json.dumps(avro_samples.as_json(s), ensure_ascii=i % 2 == 0) for i, s in enumerate(case.samples)]
    out = run_tool(tool, "encode", case.path, lines)
    for i, line in enumerate(out):
        assert not line.startswith("error:"), f"sample {i}: the C++ codec refused {lines[i]}\n{line}"
    return [bytes.fromhex(line) for line in out]


def assert_same(expected, actual, where):
    """Equal and of the same type all the way down (True is not 1, 1.0 is not 1, -0.0 is not 0.0)."""
    assert type(actual) is type(expected), f"{where}: {actual!r} is not like {expected!r}"
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), f"{where}: keys {list(actual)} are not {list(expected)}"
        for key in expected:
            assert_same(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{where}: {len(actual)} items, not {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_same(e, a, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert actual == expected and math.copysign(1, actual) == math.copysign(1, expected), \
            f"{where}: {actual!r} is not {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} is not {expected!r}"


def check_fastavro_reads_what_cpp_writes(tool, case):
    for i, data in enumerate(cpp_encodings(tool, case)):
        assert_same(case.expected(i), case.fastavro_read(data), f"sample {i}: data")


def check_cpp_reads_what_fastavro_writes(tool, case):
    written = [case.fastavro_bytes(i) for i in range(len(case.samples))]
    out = run_tool(tool, "decode", case.path, [data.hex() for data in written])
    for i, line in enumerate(out):
        assert not line.startswith("error:"), f"sample {i}: the C++ codec refused fastavro's {written[i].hex()}\n{line}"
        assert_same(avro_samples.as_json(case.expected(i)), json.loads(line), f"sample {i}: data")


def check_cpp_writes_the_bytes_fastavro_writes(tool, case):
    for i, data in enumerate(cpp_encodings(tool, case)):
        assert data.hex() == case.fastavro_bytes(i).hex(), \
            f"sample {i}: {json.dumps(avro_samples.as_json(case.samples[i]))}"


def test_every_serializable_event_type_has_a_schema(request):
    folder = schema_folder(request.config)
    count = len(list(folder.glob("*.avsc")))
    assert count >= MIN_EVENT_TYPES, f"{folder} has {count} schemas; openedx-events serializes at least 60"


def test_the_samples_take_every_union_branch(case):
    assert avro_samples.untaken_branches(case.schema, case.samples) == []


def test_fastavro_reads_what_cpp_writes(avro_tool, case):
    check_fastavro_reads_what_cpp_writes(avro_tool, case)


def test_cpp_reads_what_fastavro_writes(avro_tool, case):
    check_cpp_reads_what_fastavro_writes(avro_tool, case)


def test_cpp_writes_the_bytes_fastavro_writes(avro_tool, case):
    check_cpp_writes_the_bytes_fastavro_writes(avro_tool, case)


# The Open edX schemas use records, strings, longs, booleans, a double, arrays, a map and
# ["null", X] unions. This one has the rest too: int, float, bytes, fixed, enum, wider unions,
# names from other namespaces, and recursion.
EVERY_TYPE_SCHEMA = {
    "type": "record", "name": "CloudEvent", "namespace": "org.example.every.type.v1",
    "fields": [
        {"name": "count", "type": "int"},
        {"name": "total", "type": "long"},
        {"name": "ratio", "type": "double"},
        {"name": "weight", "type": "float"},
        {"name": "passed", "type": "boolean"},
        {"name": "nothing", "type": "null"},
        {"name": "title", "type": "string"},
        {"name": "digest", "type": "bytes"},
        {"name": "id", "type": {"type": "fixed", "name": "Id", "size": 8}},
        {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["beginner", "intermediate", "advanced"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "weights", "type": {"type": "array", "items": "float"}},
        {"name": "scores", "type": {"type": "map", "values": "double"}},
        {"name": "user", "type": {"type": "record", "name": "User", "namespace": "org.example.people", "fields": [
            {"name": "id", "type": "long"},
            {"name": "level", "type": ["null", "org.example.every.type.v1.Level"]}]}},
        {"name": "created_by", "type": ["null", "org.example.people.User"]},
        {"name": "anything", "type": ["null", "boolean", "int", "string", {"type": "array", "items": "long"},
                                      {"type": "map", "values": "org.example.people.User"}]},
        {"name": "history", "type": {"type": "array", "items": ["null", "Level", {
            "type": "record", "name": "Attempt", "fields": [{"name": "at", "type": "long"},
                                                           {"name": "weight", "type": "float"}]}]}},
        {"name": "chain", "type": ["null", {"type": "record", "name": "Link", "fields": [
            {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Link"]}]}]},
    ],
}


def test_every_avro_type_round_trips(avro_tool, tmp_path):
    path = tmp_path / "every.type.v1.avsc"
    path.write_text(json.dumps(EVERY_TYPE_SCHEMA), encoding="utf-8")
    case = Case(path, count=16, seed=1)  # enough for the widest union and every value pool
    assert avro_samples.untaken_branches(case.schema, case.samples) == []
    check_fastavro_reads_what_cpp_writes(avro_tool, case)
    check_cpp_reads_what_fastavro_writes(avro_tool, case)
    check_cpp_writes_the_bytes_fastavro_writes(avro_tool, case)


def test_cpp_reads_doubles_as_python_writes_them(avro_tool, tmp_path):
    """A Python producer writes a double as its shortest repr, up to 17 digits; the router must read
    back that very double, or its Avro bytes (and its JSON) carry another number."""
    path = tmp_path / "double.avsc"
    path.write_text(json.dumps({"type": "record", "name": "CloudEvent", "fields": [{"name": "d", "type": "double"}]}))
    rng = random.Random(1)
    values = [rng.random() * 10 ** rng.randint(-5, 10) for _ in range(1000)]
    out = run_tool(avro_tool, "encode", path, [json.dumps({"d": v}) for v in values])
    misread = [(v, struct.unpack("<d", bytes.fromhex(line))[0]) for v, line in zip(values, out)
               if line != struct.pack("<d", v).hex()]
    assert misread == [], f"{len(misread)} of {len(values)} doubles misread, e.g. (written, read): {misread[:3]}"
