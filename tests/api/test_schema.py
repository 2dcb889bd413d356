"""The OpenAPI schema and its self-hosted docs (DESIGN §9): a valid schema with no generator
warnings, every operation documented well enough to call it without asking (summary,
description, security, its errors, examples that match the schema), and a docs page that runs
under the strict Content Security Policy with every asset served by the app itself.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from django.test import Client

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"
METHODS = {"get", "put", "patch", "post", "delete"}
# OpenAPI 3.0 keywords JSON Schema does not know (``nullable`` is translated below).
OPENAPI_ONLY = {"nullable", "example", "readOnly", "writeOnly", "discriminator", "xml"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = Client().get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    loaded: dict[str, Any] = response.json()
    return loaded


def operations(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_schema_is_valid_with_no_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    written = yaml.safe_load(out.read_text())
    assert written["openapi"].startswith("3.")
    assert "/api/v1/partner/notifications/" in written["paths"]


def test_the_schema_is_served_to_anyone(schema: dict[str, Any]) -> None:
    assert {"/api/v1/partner/notifications/", "/api/v1/kpis/snapshots/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"][
        "tokenUrl"
    ] == ("/o/token/")


def test_every_operation_has_a_summary_description_and_security(schema: dict[str, Any]) -> None:
    undocumented = [
        name
        for name, operation in operations(schema)
        if not (operation.get("summary") and operation.get("description") and operation["security"])
    ]

    assert operations(schema)
    assert undocumented == []


def test_every_operation_documents_its_client_errors(schema: dict[str, Any]) -> None:
    """At least one 4xx with the one error body, and always 401 and 403."""
    missing = [
        name
        for name, operation in operations(schema)
        if not {"401", "403"} <= set(operation["responses"])
        or any(
            response["content"]["application/json"]["schema"]
            != {"$ref": "#/components/schemas/Error"}
            for status, response in operation["responses"].items()
            if status.startswith("4")
        )
    ]

    assert missing == []


def test_every_operation_has_examples(schema: dict[str, Any]) -> None:
    """An example of each success response, of each error and of each request body."""
    without = [
        f"{name} {where}"
        for name, operation in operations(schema)
        for where, content in [
            *((status, r.get("content", {})) for status, r in operation["responses"].items()),
            ("request", operation.get("requestBody", {}).get("content", {})),
        ]
        for media_type in content.values()
        if not media_type.get("examples")
    ]

    assert without == []


def _json_schema(node: Any, *, in_properties: bool = False) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: ``nullable`` becomes ``null`` allowed."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if in_properties:  # keys are field names, not keywords
        return {name: _json_schema(field) for name, field in node.items()}
    converted = {
        key: _json_schema(value, in_properties=key == "properties")
        for key, value in node.items()
        if key not in OPENAPI_ONLY
    }
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def examples(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    found = []
    for name, operation in operations(schema):
        bodies = [
            *((status, r.get("content", {})) for status, r in operation["responses"].items()),
            ("request", operation.get("requestBody", {}).get("content", {})),
        ]
        for where, content in bodies:
            for media_type in content.values():
                for title, example in media_type.get("examples", {}).items():
                    label = f"{name} {where} {title}"
                    found.append((label, media_type["schema"], example["value"]))
    return found


def test_every_example_matches_its_schema(schema: dict[str, Any]) -> None:
    """A partner copying an example gets a valid request, and reads a real response shape."""
    components = _json_schema(schema["components"])
    wrong = {}
    for label, body_schema, value in examples(schema):
        validator = jsonschema.Draft7Validator(
            {"allOf": [_json_schema(body_schema)], "components": components}
        )
        errors = [error.message for error in validator.iter_errors(value)]
        if errors:
            wrong[label] = errors

    assert len(examples(schema)) > len(operations(schema))
    assert wrong == {}


# --- the docs page -----------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            self._in_script = True
            if not attributes.get("src"):
                self.inline.append("<script> without src")
        self.inline += [f"{tag} {name}=" for name in attributes if name.startswith("on")]
        self.inline += [f"{tag} style=" for name in attributes if name == "style"]
        url = attributes.get("src") or (attributes.get("href") if tag == "link" else None)
        if url:
            self.assets.append(url)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script body")


@pytest.fixture(scope="module")
def docs() -> tuple[Any, _Page]:
    response = Client().get(DOCS_URL)
    page = _Page()
    page.feed(response.content.decode())
    return response, page


def test_the_docs_page_renders_with_no_inline_script_or_style(docs: tuple[Any, _Page]) -> None:
    response, page = docs

    assert response.status_code == 200
    assert page.inline == []
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_docs_page_loads_swagger_ui_from_this_app(docs: tuple[Any, _Page]) -> None:
    _, page = docs

    sidecar = [url for url in page.assets if "/drf_spectacular_sidecar/swagger-ui-dist/" in url]
    assert {Path(url).name for url in sidecar} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    }
    assert all(url.startswith("/") for url in page.assets)  # nothing from a CDN


def test_every_asset_of_the_docs_page_is_served(docs: tuple[Any, _Page]) -> None:
    _, page = docs
    client = Client()

    statuses = {url: client.get(url) for url in page.assets}

    assert {url: response.status_code for url, response in statuses.items()} == dict.fromkeys(
        page.assets, 200
    )
    initialiser = statuses[f"{DOCS_URL}?script="]
    assert initialiser["Content-Type"].startswith("application/javascript")
    assert SCHEMA_URL.encode() in initialiser.content
