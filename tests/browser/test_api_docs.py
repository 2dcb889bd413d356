"""The self-hosted API documentation works in a real browser under the strict CSP: Swagger UI
loads from this service (no CDN), renders every operation, and breaks no policy."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_the_partner_operations_with_no_csp_errors(
    page: Page, live_server: Any
) -> None:
    errors: list[str] = []
    outside: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def watch(request: Request) -> None:
        if not request.url.startswith(live_server.url) and not request.url.startswith("data:"):
            outside.append(request.url)

    page.on("console", record)
    page.on("request", watch)
    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.get_by_text("Send a police domestic abuse notification")).to_be_visible()
    expect(
        page.get_by_text("Is this child on a child protection plan or looked after?")
    ).to_be_visible()
    assert errors == []
    assert outside == []
