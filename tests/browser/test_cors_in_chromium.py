"""CORS in a real browser: a page on one loopback origin calls the API on another.

Chromium comes from Debian (`apt-get install chromium`), Playwright from PyPI as a Python
package only (never `playwright install`). Without either the test is skipped on a developer
machine; CI sets STADTKERN_TEST_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from domain.tenancy.model import CorsSettings
from tests.conftest import make_settings, seed_tenants
from tests.factories import tenant_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
PAGE = Path(__file__).with_name("cors_page.html")


@pytest.fixture
def browser_ready() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[dev]')")
    if not missing:
        return
    reason = "browser test needs " + " and ".join(missing)
    if os.environ.get("STADTKERN_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def page_port() -> Iterator[int]:
    """Serves the test page on 127.0.0.1; `localhost` reaches it as a second origin."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(PAGE.parent))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def api_socket() -> Iterator[socket.socket]:
    sock = _loopback_socket()
    yield sock
    sock.close()


@pytest.fixture
async def api_url(browser_ready, services, api_socket, page_port) -> AsyncIterator[str]:
    """The API in production mode (no loopback rule) on its own thread and event loop; the
    tenant allows exactly the page's 127.0.0.1 origin."""
    await seed_tenants(
        services,
        tenant_config("browsertown", cors=CorsSettings((f"http://127.0.0.1:{page_port}",))),
    )
    settings = make_settings(
        services.settings.database_url, environment="production", base_domain="localhost"
    )
    config = uvicorn.Config(
        functools.partial(create_app, settings),
        factory=True,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [api_socket]}, daemon=True)
    thread.start()
    await asyncio.to_thread(_wait_until_started, server, thread)
    assert server.started, "the API server did not start"
    # Chromium resolves *.localhost to loopback itself: the tenant is found by its Host.
    yield f"http://browsertown.localhost:{api_socket.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    while not server.started and thread.is_alive():
        time.sleep(0.05)


async def _run_pages(*page_urls: str) -> list[dict]:
    """What the page's script found, for each page, in one headless Chromium."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            results = []
            for url in page_urls:
                page = await browser.new_page()
                await page.goto(url)
                results.append(await page.evaluate("window.corsCheck"))
            return results
        finally:
            await browser.close()


async def test_the_allowed_origin_reads_answers_headers_and_problems_and_another_is_refused(
    api_url, page_port
):
    allowed, refused = await _run_pages(
        f"http://127.0.0.1:{page_port}/cors_page.html?api={api_url}",
        f"http://localhost:{page_port}/cors_page.html?api={api_url}",
    )
    assert "error" not in allowed, allowed
    assert (allowed["status"], allowed["slug"]) == (200, "browsertown")
    assert allowed["etag"] and allowed["rateLimit"]  # exposed headers are readable
    assert allowed["problemStatus"] == 401
    assert allowed["problemType"].startswith("application/problem+json")
    assert allowed["problem"]["status"] == 401 and allowed["problem"]["code"]
    assert allowed["graphqlSlug"] == "browsertown"  # a POST with JSON: preflighted
    # The same page on another origin: the browser rejects the fetch, the script reads nothing.
    assert "status" not in refused
    assert "Failed to fetch" in refused["error"]
