"""Sample data for an Avro schema, for the interop tests (test_avro_roundtrip.py).

samples(schema, count, seed) makes `count` data values of a schema (its JSON, parsed), the same ones
for the same seed: realistic values of every Avro type, with the edges an encoder gets wrong (integers
at the varint and int/long limits, negative zero, subnormal and largest floats, floats that float32
must round, non-ASCII and escaped strings, strings long enough for a two-byte length, empty and
non-empty arrays and maps). Each union takes its branches in turn, each array and map alternates
empty with non-empty, and each value pool is cycled, so a few samples cover every branch of the
Open edX schemas (untaken_branches says which a set of samples misses).

Values are in fastavro's form (bytes and fixed as bytes); as_json gives the router's JSON form.
read_back gives what a faithful reader returns for a sample: the same, floats rounded to float32.
Union branches are only those JSON can tell apart: the first branch of each JSON kind, as the
router's codec picks them.
"""
import itertools
import random
import struct

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
NAMED = {"record", "enum", "fixed"}

# The JSON kind of each Avro type: what picks a union's branch.
JSON_KIND = {
    "null": "null", "boolean": "boolean",
    "int": "number", "long": "number", "float": "number", "double": "number",
    "string": "string", "bytes": "string", "enum": "string", "fixed": "string",
    "array": "array", "record": "object", "map": "object",
}

STRINGS = [
    "course-v1:edX+DemoX+Demo_Course",
    "block-v1:edX+DemoX+Demo_Course+type@vertical+block@vertical_0c4f1e",
    "2023-06-09T14:12:45.320819+00:00",
    "audit",
    "edx@example.com",
    "",
    "Éloïse Müller-Gaspé",
    "中文课程：数据结构",
    "🎓 graduated 🎉👩🏽‍🎓",
    'a "quoted" back\\slash, a tab\t, a newline\n and a NUL \u0000 inside',
    "\u007f\u0080\u07ff\u0800\uffff\U00010000\U0010ffff",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 5,
]
MAP_KEYS = ["lti_message_type", "custom_course", "é", "中文", "🎓", "", "key with spaces"]
POOLS = {
    "boolean": [True, False],
    "int": [0, 1, -1, 63, -64, 64, -65, 1000000, 2**31 - 1, -2**31],
    "long": [0, -1, 63, 64, -65, 1686319965320, 2**31, -2**31 - 1, 2**53 + 1, 2**63 - 1, -2**63],
    # Extremes and the usual suspects; test_avro_roundtrip.py reads 1000 random 17-digit doubles on
    # top (Boost.JSON 1.81 alone misreads about one in ten: router/exact_json).
    "double": [0.0, -0.0, 1.5, -2.25, 0.1, 1 / 3, 0.30000000000000004, 3.141592653589793, 1686319965.320819,
               1e-300, 5e-324, 2.5e-308, 1.7976931348623157e308, -1e21],
    # 3.4028235e38 is how most languages print float32's largest value: a hair above it, so it rounds
    # down to it. 0.1, 1/3 and 16777217 are not float32 values either: readers get them rounded.
    "float": [0.0, -0.0, 1.5, -0.25, 0.1, 1 / 3, 16777217.0, 3.4028235e38, -3.4028234663852886e38,
              1.1754943508222875e-38, 1.401298464324817e-45],
    "string": STRINGS,
    "bytes": [s.encode() for s in STRINGS[:8]],
}

# Past this depth (recursive schemas) unions take null where they can and arrays and maps are empty.
MAX_DEPTH = 8


def resolve(schema):
    """The schema as a graph of dicts, each with a "type": unions {"type": "union", "branches": [...]},
    named references replaced by their definition (the same dict, so a recursive schema is a cycle)."""
    named = {}

    def walk(s, namespace):
        if isinstance(s, list):
            return {"type": "union", "branches": [walk(b, namespace) for b in s]}
        if isinstance(s, str):
            if s in PRIMITIVES:
                return {"type": s}
            full = s if "." in s or not namespace else f"{namespace}.{s}"
            if full not in named:
                raise ValueError(f"unknown type name {s!r} (looked for {full!r})")
            return named[full]
        kind = s["type"]
        if not isinstance(kind, str) or kind not in PRIMITIVES | NAMED | {"array", "map"}:
            return walk(kind, namespace)  # {"type": <a type>}
        node = dict(s)
        if kind in NAMED:
            space = s.get("namespace", namespace)
            full = s["name"] if "." in s["name"] or not space else f"{space}.{s['name']}"
            named[full] = node  # before the fields: they may refer to it
            namespace = full.rpartition(".")[0]
        if kind == "record":
            node["fields"] = [dict(f, type=walk(f["type"], namespace)) for f in s["fields"]]
        elif kind == "array":
            node["items"] = walk(s["items"], namespace)
        elif kind == "map":
            node["values"] = walk(s["values"], namespace)
        return node

    return walk(schema, "")


def json_kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (str, bytes)):
        return "string"
    return "array" if isinstance(value, list) else "object"


def choosable_branches(union):
    """The branches a JSON value can pick: the first of each JSON kind."""
    firsts = {}
    for branch in union["branches"]:
        firsts.setdefault(JSON_KIND[branch["type"]], branch)
    return list(firsts.values())


def branch_for(union, value):
    return next(b for b in union["branches"] if JSON_KIND[b["type"]] == json_kind(value))


class _Sampler:
    """Makes values; each union and array keeps its own turn, so nested ones cycle too."""

    def __init__(self, seed):
        self._rng = random.Random(seed)
        self._pools = {kind: itertools.cycle(self._rng.sample(pool, len(pool))) for kind, pool in POOLS.items()}
        self._turns = {}

    def value(self, node, depth=0):
        kind = node["type"]
        if kind == "record":
            # Field order is the producer's: the encoders must write the schema's order whatever it is.
            fields = self._rng.sample(node["fields"], len(node["fields"]))
            return {f["name"]: self.value(f["type"], depth + 1) for f in fields}
        if kind == "union":
            return self.value(self._branch(node, depth), depth)
        if kind == "array":
            return [self.value(node["items"], depth + 1) for _ in range(self._length(node, depth))]
        if kind == "map":
            keys = self._rng.sample(MAP_KEYS, self._length(node, depth))
            return {key: self.value(node["values"], depth + 1) for key in keys}
        if kind == "enum":
            return self._rng.choice(node["symbols"])
        if kind == "fixed":
            return bytes(self._rng.choice(b"0123456789abcdef") for _ in range(node["size"]))
        if kind == "null":
            return None
        return next(self._pools[kind])

    def _turn(self, node):
        turn = self._turns.get(id(node), 0)
        self._turns[id(node)] = turn + 1
        return turn

    def _branch(self, union, depth):
        branches = choosable_branches(union)
        if depth > MAX_DEPTH and any(b["type"] == "null" for b in branches):
            return next(b for b in branches if b["type"] == "null")
        return branches[self._turn(union) % len(branches)]

    def _length(self, node, depth):
        if depth > MAX_DEPTH or self._turn(node) % 2 == 0:
            return 0
        return self._rng.randint(1, 4)


def samples(schema, count=5, seed=0):
    """`count` values of `schema` (parsed JSON), the same for the same seed."""
    sampler = _Sampler(seed)
    root = resolve(schema)
    return [sampler.value(root) for _ in range(count)]


def read_back(schema, sample):
    """What a faithful reader returns for `sample`: the same, with floats rounded to float32."""

    def walk(node, value):
        kind = node["type"]
        if kind == "float":
            return struct.unpack("<f", struct.pack("<f", value))[0]
        if kind == "union":
            return walk(branch_for(node, value), value)
        if kind == "record":
            return {f["name"]: walk(f["type"], value[f["name"]]) for f in node["fields"]}
        if kind == "array":
            return [walk(node["items"], item) for item in value]
        if kind == "map":
            return {key: walk(node["values"], item) for key, item in value.items()}
        return value

    return walk(resolve(schema), sample)


def as_json(value):
    """The router's JSON form of a value: bytes and fixed as the text they hold."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    return value


def untaken_branches(schema, samples_made):
    """The union branches no sample takes, each as "<field path>: <branch type>"."""
    taken = set()

    def note(node, value, path):
        kind = node["type"]
        if kind == "union":
            branch = branch_for(node, value)
            taken.add((path, branch["type"]))
            note(branch, value, path)
        elif kind == "record":
            for f in node["fields"]:
                note(f["type"], value[f["name"]], f"{path}.{f['name']}")
        elif kind in ("array", "map"):
            for item in value if kind == "array" else value.values():
                note(node["items" if kind == "array" else "values"], item, path + "[]")

    def every(node, path, enclosing):
        kind = node["type"]
        if id(node) in enclosing:  # a recursive reference: its unions are listed where it was defined
            return
        inner = enclosing | {id(node)}
        if kind == "union":
            for branch in choosable_branches(node):
                yield path, branch["type"]
                yield from every(branch, path, inner)
        elif kind == "record":
            for f in node["fields"]:
                yield from every(f["type"], f"{path}.{f['name']}", inner)
        elif kind in ("array", "map"):
            yield from every(node["items" if kind == "array" else "values"], path + "[]", inner)

    root = resolve(schema)
    for sample in samples_made:
        note(root, sample, "data")
    return [f"{path}: {kind}" for path, kind in every(root, "data", frozenset()) if (path, kind) not in taken]
