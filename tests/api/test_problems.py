"""Every error is an RFC 9457 problem document; only a real fault is a 500."""

from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.problems import install_problem_handlers

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:stadtkern:problem:{code}" and body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_unknown_path_is_a_404_problem(client):
    assert_problem(await client.get("/v1/nothing-here"), 404, "not-found")


async def test_wrong_method_is_a_405_problem_with_allow(client):
    response = await client.delete("/v1/tenant", headers={"X-Tenant": "x"})
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"


async def test_oversized_body_is_a_413_problem_by_content_length(client):
    response = await client.post(
        "/graphql", content=b"x" * 1_100_000, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload-too-large")


async def test_oversized_streamed_body_is_a_413_problem():
    # Without Content-Length the limit is counted while the body streams in.
    app = _app_with_body_route()

    async def chunks():
        for _ in range(40):
            yield b"x" * 1024

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/things", content=chunks(), headers={"content-type": "application/json"}
        )
    assert_problem(response, 413, "payload-too-large")


async def test_the_tenant_is_checked_before_the_graphql_body(client):
    response = await client.post(
        "/graphql",
        content=b"{not json",
        headers={"X-Tenant": "nobody", "content-type": "application/json"},
    )
    # The tenant is checked first: an unknown tenant stays a 404 whatever the body.
    assert_problem(response, 404, "unknown-tenant")


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    count: int = Field(ge=0, le=100)


def _app_with_body_route() -> FastAPI:
    """A bare app with the product's problem handlers and middleware and one body route,
    for the REST validation paths no foundation route has yet."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(thing: Thing, limit: Annotated[int, Query(le=50)] = 10) -> Thing:
        return thing

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=16 * 1024)
    app.add_middleware(RequestContextMiddleware)
    return app


@pytest.fixture
async def bare():
    transport = httpx.ASGITransport(app=_app_with_body_route(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_validation_errors_are_422_with_one_entry_per_field(bare):
    response = await bare.post("/things?limit=500", json={"name": "", "count": 10**30})
    body = assert_problem(response, 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"body.name", "body.count", "query.limit"}


async def test_malformed_json_is_a_400_problem_on_rest(bare):
    response = await bare.post(
        "/things", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed-json")


async def test_json_nested_thousands_deep_is_a_400_problem_on_rest(bare):
    response = await bare.post(
        "/things", content=b"[" * 5000 + b"]" * 5000, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed-json")


async def test_json_sent_as_text_plain_is_a_4xx_problem(bare):
    response = await bare.post(
        "/things", content=b'{"name": "a", "count": 1}', headers={"content-type": "text/plain"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_a_real_fault_is_a_500_problem_without_internals(bare):
    response = await bare.get("/boom")
    body = assert_problem(response, 500, "internal-error")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "detail" not in body
