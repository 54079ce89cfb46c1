"""Fuzzing the api from its own OpenAPI schema, with hypothesis.

(schemathesis does this, but it is not on the machine's package mirror;
this is the same idea, small: every operation in `app.openapi()`, with
path and query parameters and JSON bodies drawn from their schemas, and
now and then something the schema does not allow, sent with and without
the bearer token the `/internal` routes need.)

`request_strategy(app)` draws `FuzzRequest`s; `send(client, request)`
sends one. The test (tests/api/test_fuzz_openapi.py) and the bench
(bench/fuzz_api.py) say that no answer may be a 5xx.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st

# Words a family might send, and things that have broken parsers before.
NASTY_TEXT = st.sampled_from([
    "", " ", "riverside", "FB1 2AB", "tmrw", "0", "-1", "99999999999999999999", "07700 900123", "FH482913",
    "riverside_messy_play_tue@2026-11-24", "wait:riverside_messy_play_tue@2026-11-24", "x@2026-02-30",
    "'; DROP TABLE bookings; --", "{placeholder}", "{}", "%s", "\x00", "\u202e", "caf\u00e9 \U0001F600",
    "a" * 5000, "../../etc/passwd", "null", "true", "[]", "<script>alert(1)</script>",
])
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40) | NASTY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@dataclass
class Operation:
    method: str
    path: str
    path_params: list[dict] = field(default_factory=list)
    query_params: list[dict] = field(default_factory=list)
    header_params: list[dict] = field(default_factory=list)
    body_schema: dict | None = None
    form_schema: dict | None = None

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass
class FuzzRequest:
    operation: Operation
    url: str
    headers: dict
    json_body: object = None
    form_body: dict | None = None
    raw_body: bytes | None = None

    def describe(self) -> str:
        return f"{self.operation.method.upper()} {self.url}"


def _resolve(schema: dict, spec: dict, depth: int = 0) -> dict:
    if depth > 20:
        return {}
    if "$ref" in schema:
        target = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {})
        return _resolve(target, spec, depth + 1)
    return schema


def operations(spec: dict) -> list[Operation]:
    """Every operation in an OpenAPI document."""
    found = []
    for path, items in sorted(spec.get("paths", {}).items()):
        for method, operation in sorted(items.items()):
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            op = Operation(method, path)
            for parameter in operation.get("parameters", []):
                parameter = _resolve(parameter, spec)
                {"path": op.path_params, "query": op.query_params, "header": op.header_params}.get(
                    parameter.get("in"), []).append(parameter)
            content = _resolve(operation.get("requestBody", {}), spec).get("content", {})
            if "application/json" in content:
                op.body_schema = _resolve(content["application/json"].get("schema", {}), spec)
            for kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
                if kind in content:
                    op.form_schema = _resolve(content[kind].get("schema", {}), spec)
            found.append(op)
    return found


def from_schema(schema: dict, spec: dict, depth: int = 0) -> st.SearchStrategy:
    """Values for a JSON schema (the parts FastAPI writes), now and then
    with a value of the wrong type or size."""
    schema = _resolve(schema or {}, spec)
    if depth > 4:
        return st.none()
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([from_schema(part, spec, depth + 1) for part in schema[key]])
    kind = schema.get("type")
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True) | NASTY_TEXT
        return st.text(max_size=schema.get("maxLength", 60) + 5) | NASTY_TEXT
    if kind == "integer":
        return st.integers(min_value=-(2 ** 63), max_value=2 ** 63)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), spec, depth + 1), max_size=5)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {name: from_schema(sub, spec, depth + 1) for name, sub in properties.items()}
        return st.fixed_dictionaries(
            {name: strategy for name, strategy in fields.items() if name in required},
            optional={name: strategy for name, strategy in fields.items() if name not in required})
    return ANY_JSON


def _text_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


@st.composite
def _request(draw, operation: Operation, spec: dict, token: str) -> FuzzRequest:
    url = operation.path
    for parameter in operation.path_params:
        value = _text_value(draw(from_schema(parameter.get("schema", {}), spec) | NASTY_TEXT))
        url = url.replace("{" + parameter["name"] + "}", quote(value, safe="") or "x")
    query = {}
    for parameter in operation.query_params:
        if parameter.get("required") or draw(st.booleans()):
            query[parameter["name"]] = _text_value(draw(from_schema(parameter.get("schema", {}), spec)))
    if query:
        url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())
    headers = {}
    auth = draw(st.sampled_from(["token", "token", "token", "none", "wrong"]))
    if auth == "token":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "wrong":
        headers["Authorization"] = "Bearer wrong"
    for parameter in operation.header_params:
        if parameter.get("required") or draw(st.booleans()):
            value = _text_value(draw(from_schema(parameter.get("schema", {}), spec)))
            headers[parameter["name"]] = value.encode("ascii", "ignore").decode().replace("\n", " ")[:200]
    request = FuzzRequest(operation, url, headers)
    if operation.method in ("post", "put", "patch"):
        shape = draw(st.sampled_from(["schema", "schema", "schema", "any", "broken"]))
        if operation.form_schema is not None and shape == "schema":
            values = draw(from_schema(operation.form_schema, spec))
            request.form_body = {k: _text_value(v) for k, v in (values or {}).items()} \
                if isinstance(values, dict) else {}
        elif shape == "schema" and operation.body_schema is not None:
            request.json_body = draw(from_schema(operation.body_schema, spec))
        elif shape == "broken":
            request.raw_body = draw(st.sampled_from([b"{", b"\xff\xfe", b"[1, 2", b"null", b"a=1&b"]))
        else:
            request.json_body = draw(ANY_JSON)
    return request


def request_strategy(spec: dict, token: str, skip=lambda operation: False) -> st.SearchStrategy[FuzzRequest]:
    """Requests for every operation in the schema, but those `skip` names."""
    chosen = [op for op in operations(spec) if not skip(op)]
    return st.sampled_from(chosen).flatmap(lambda op: _request(op, spec, token))


def send(client, request: FuzzRequest):
    """Send one request with a (Starlette) TestClient or an httpx.Client."""
    method = request.operation.method.upper()
    sent = {"headers": request.headers, "follow_redirects": False}  # a 303 to sign in is the answer
    if request.raw_body is not None:
        sent["headers"] = {**request.headers, "Content-Type": "application/json"}
        return client.request(method, request.url, content=request.raw_body, **sent)
    if request.form_body is not None:
        return client.request(method, request.url, data=request.form_body, **sent)
    if request.json_body is not None or method in ("POST", "PUT", "PATCH"):
        return client.request(method, request.url, json=request.json_body, **sent)
    return client.request(method, request.url, **sent)
