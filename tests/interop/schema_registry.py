#!/usr/bin/env python3
"""A TEST DOUBLE of Confluent Schema Registry, for the interop and integration tests.

Confluent Schema Registry is a Java service that none of the package registries this project can
reach carries, so the tests run against this in-memory stand-in instead. It speaks the subset of
the registry's REST API that confluent-kafka 2.16.1 (SchemaRegistryClient, AvroSerializer,
AvroDeserializer, as edx-event-bus-kafka drives them) and the router's C++ client use, with the
real registry's response and error shapes. Python 3.11 standard library only: the C++ integration
tests start it with the system python3, outside any venv.

Endpoints (path segments are percent-decoded; query parameters the real registry takes, such as
normalize, deleted, format, subject, are accepted and ignored):

  GET  /                                    {}
  POST /subjects/{subject}/versions         register -> {"id": N}
  POST /subjects/{subject}                  look up -> {"subject", "id", "version", "schema"}
  GET  /subjects                            ["subject", ...]
  GET  /subjects/{subject}/versions         [1, 2, ...]
  GET  /subjects/{subject}/versions/{version|latest}
                                            {"subject", "id", "version", "schema"}
  GET  /schemas/ids/{id}                    {"schema"}
  GET  /schemas/ids/{id}/versions           [{"subject", "version"}, ...]
  GET  /schemas/ids/{id}/subjects           ["subject", ...]
  GET  /schemas/types                       ["JSON", "PROTOBUF", "AVRO"]
  GET  /config                              {"compatibilityLevel": "BACKWARD"}
  GET  /mode                                {"mode": "READWRITE"}
  GET  /associations/resources/{namespace}/{name}
                                            [] -- confluent-kafka's default subject name
                                            strategy (ASSOCIATED) asks this first and falls back
                                            to the topic strategy when nothing is associated.

Responses carry "schemaType" only when it is not AVRO, and "references" only when there are some,
as the real registry does. Errors are {"error_code": ..., "message": ...} with the real codes:
40401 subject not found, 40402 version not found, 40403 schema not found, 42201 invalid schema,
42202 invalid version, 401 unauthorised. Any other method or path gets 404 (error_code 404) and a
line on stderr, so a client calling an endpoint this double lacks shows up in the test output.

Where it differs from the real registry: a schema is identified by its JSON text canonicalised
(json.loads, then json.dumps with sorted keys and no spaces) rather than by Avro's parsed form,
and it is returned as first registered rather than re-printed by Avro; there is no compatibility
checking (a different schema under a subject just becomes its next version); nothing is deleted
and nothing persists.

  python3 tests/interop/schema_registry.py [--host 127.0.0.1] [--port 0] [--basic-auth USER:PASSWORD]

binds (port 0 picks a free port), prints one line `http://HOST:PORT` on stdout, and serves until
SIGTERM or SIGINT, then exits 0. From Python, start() runs it on a thread.
"""

import argparse
import base64
import hmac
import http.server
import json
import signal
import sys
import threading
import urllib.parse

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryError(Exception):
    """A request the registry refuses, in the Confluent error shape."""

    def __init__(self, status, error_code, message):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


def _not_found(method, path):
    return RegistryError(404, 404, f"HTTP 404 Not Found: {method} {path}")


class Store:
    """The registry's state: schemas by global id, and each subject's versions. Thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._schemas = {}  # id -> {"schema": text, "schemaType": ..., "references": [...]}
        self._ids_by_identity = {}  # _identity(...) -> id, so equal schemas share an id
        self._subjects = {}  # subject -> [id of version 1, id of version 2, ...]

    @staticmethod
    def _identity(schema_text, schema_type, references):
        if schema_type == "PROTOBUF":
            canonical = schema_text.strip()
        else:
            try:
                canonical = json.dumps(json.loads(schema_text), sort_keys=True, separators=(",", ":"))
            except ValueError as e:
                raise RegistryError(422, 42201, f"Invalid schema: {e}") from None
        return (schema_type, canonical, json.dumps(references, sort_keys=True))

    @staticmethod
    def _parse_request(body):
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            raise RegistryError(422, 42201, "Invalid schema: the request has no \"schema\" string")
        schema_type = body.get("schemaType") or "AVRO"
        references = body.get("references") or []
        return body["schema"], schema_type, references

    def _describe(self, schema_id):
        stored = self._schemas[schema_id]
        out = {"schema": stored["schema"]}
        if stored["schemaType"] != "AVRO":
            out["schemaType"] = stored["schemaType"]
        if stored["references"]:
            out["references"] = stored["references"]
        return out

    def _versions(self, subject):
        versions = self._subjects.get(subject)
        if not versions:
            raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
        return versions

    def register(self, subject, body):
        schema_text, schema_type, references = self._parse_request(body)
        identity = self._identity(schema_text, schema_type, references)
        with self._lock:
            schema_id = self._ids_by_identity.get(identity)
            if schema_id is None:
                schema_id = len(self._schemas) + 1
                self._schemas[schema_id] = {
                    "schema": schema_text, "schemaType": schema_type, "references": references,
                }
                self._ids_by_identity[identity] = schema_id
            versions = self._subjects.setdefault(subject, [])
            if schema_id not in versions:
                versions.append(schema_id)
            return {"id": schema_id}

    def lookup(self, subject, body):
        schema_text, schema_type, references = self._parse_request(body)
        identity = self._identity(schema_text, schema_type, references)
        with self._lock:
            versions = self._versions(subject)
            schema_id = self._ids_by_identity.get(identity)
            if schema_id not in versions:
                raise RegistryError(404, 40403, "Schema not found")
            return {"subject": subject, "id": schema_id, "version": versions.index(schema_id) + 1,
                    **self._describe(schema_id)}

    def schema_by_id(self, schema_id):
        with self._lock:
            if schema_id not in self._schemas:
                raise RegistryError(404, 40403, f"Schema {schema_id} not found")
            return self._describe(schema_id)

    def versions_of_id(self, schema_id):
        with self._lock:
            if schema_id not in self._schemas:
                raise RegistryError(404, 40403, f"Schema {schema_id} not found")
            return [{"subject": subject, "version": versions.index(schema_id) + 1}
                    for subject, versions in sorted(self._subjects.items()) if schema_id in versions]

    def subjects(self):
        with self._lock:
            return sorted(self._subjects)

    def subject_versions(self, subject):
        with self._lock:
            return list(range(1, len(self._versions(subject)) + 1))

    def subject_version(self, subject, version):
        with self._lock:
            versions = self._versions(subject)
            if version == "latest":
                number = len(versions)
            else:
                try:
                    number = int(version)
                except ValueError:
                    number = 0
                if number < 1:
                    raise RegistryError(422, 42202, f"The specified version '{version}' is not a valid "
                                        "version id. Allowed values are between [1, 2^31-1] and the "
                                        "string \"latest\"")
                if number > len(versions):
                    raise RegistryError(404, 40402, f"Version {version} not found.")
            schema_id = versions[number - 1]
            return {"subject": subject, "version": number, "id": schema_id, **self._describe(schema_id)}


def _schema_id(text, method, path):
    try:
        return int(text)
    except ValueError:
        raise _not_found(method, path) from None


def route(store, method, path, body):
    """The JSON answer to one request, or RegistryError. `path` excludes the query string."""
    # Split before decoding: a subject may hold an encoded "/".
    parts = [urllib.parse.unquote(part) for part in path.split("/") if part]
    match (method, parts):
        case ("GET", []):
            return {}
        case ("POST", ["subjects", subject, "versions"]):
            return store.register(subject, body)
        case ("POST", ["subjects", subject]):
            return store.lookup(subject, body)
        case ("GET", ["subjects"]):
            return store.subjects()
        case ("GET", ["subjects", subject, "versions"]):
            return store.subject_versions(subject)
        case ("GET", ["subjects", subject, "versions", version]):
            return store.subject_version(subject, version)
        case ("GET", ["schemas", "ids", schema_id]):
            return store.schema_by_id(_schema_id(schema_id, method, path))
        case ("GET", ["schemas", "ids", schema_id, "versions"]):
            return store.versions_of_id(_schema_id(schema_id, method, path))
        case ("GET", ["schemas", "ids", schema_id, "subjects"]):
            return [entry["subject"] for entry in store.versions_of_id(_schema_id(schema_id, method, path))]
        case ("GET", ["schemas", "types"]):
            return ["JSON", "PROTOBUF", "AVRO"]
        case ("GET", ["config"]):
            return {"compatibilityLevel": "BACKWARD"}
        case ("GET", ["mode"]):
            return {"mode": "READWRITE"}
        case ("GET", ["associations", "resources", _namespace, _name]):
            return []
    raise _not_found(method, path)


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1 so clients (httpx among them) keep their connection alive between requests.
    protocol_version = "HTTP/1.1"
    server_version = "schema-registry-test-double"

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        self.server.requests.append(f"{self.command} {self.path}")
        try:
            self._check_auth()
            try:
                body = json.loads(raw_body) if raw_body else None
            except ValueError as e:
                raise RegistryError(400, 400, f"Malformed request body: {e}") from None
            self._reply(200, route(self.server.store, self.command, path, body))
        except RegistryError as e:
            if e.error_code == 404:
                self.server.unhandled.append(f"{self.command} {self.path}")
                sys.stderr.write(f"schema_registry: no such endpoint: {self.command} {self.path}\n")
            self._reply(e.status, {"error_code": e.error_code, "message": e.message})

    def _check_auth(self):
        expected = self.server.basic_auth
        if expected is None:
            return
        scheme, _, credentials = (self.headers.get("Authorization") or "").partition(" ")
        try:
            given = base64.b64decode(credentials, validate=True).decode()
        except ValueError:
            given = ""
        if scheme.lower() != "basic" or not hmac.compare_digest(given.encode(), expected.encode()):
            raise RegistryError(401, 401, "Unauthorized")

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="SchemaRegistry"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 -- the base class's parameter name
        sys.stderr.write(f"schema_registry: {format % args}\n")


class Server(http.server.ThreadingHTTPServer):
    # Daemon threads: stop() must not wait for clients that keep an idle connection open.
    daemon_threads = True

    def __init__(self, host, port, basic_auth):
        super().__init__((host, port), Handler)
        self.store = Store()
        self.basic_auth = basic_auth
        # "METHOD /path?query" of every request, and of those no endpoint answered, for tests
        # (list.append is atomic, so the handler threads need no lock for these).
        self.requests = []
        self.unhandled = []

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class RunningRegistry:
    """A registry serving on a background thread: .url, .requests, .unhandled, .stop(); a context
    manager."""

    def __init__(self, server):
        self._server = server
        # A short poll interval, as stop() waits for the serving loop to notice it.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="schema-registry", daemon=True)
        self._thread.start()

    @property
    def url(self):
        return self._server.url

    @property
    def requests(self):
        return self._server.requests

    @property
    def unhandled(self):
        return self._server.unhandled

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start(port=0, basic_auth=None, host="127.0.0.1"):
    """Serve on host:port (0: a free port) until .stop(); basic_auth is "user:password" or None."""
    return RunningRegistry(Server(host, port, basic_auth))


def main():
    parser = argparse.ArgumentParser(description="A test double of Confluent Schema Registry.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--basic-auth", metavar="USER:PASSWORD",
                        help="refuse (401) every request without these credentials")
    args = parser.parse_args()
    if args.basic_auth is not None and ":" not in args.basic_auth:
        parser.error("--basic-auth takes USER:PASSWORD")

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    registry = start(args.port, args.basic_auth, args.host)
    print(registry.url, flush=True)
    stopping.wait()
    registry.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
