"""Schemathesis over the committed OpenAPI document, against a live server, as two tenants,
with its default checks on every operation (server errors, status codes, content types,
response schemas including each status's problem codes, headers, and that every request the
spec allows is accepted and every one it forbids refused). Where a rule could not be said in
JSON Schema, the behaviour was made to fit the spec: cursors that are positions, a box of any
two corners, a query without words that finds nothing."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from domain.tenancy.model import CategorySeed, Feature, OpenDataSettings, PaymentSettings
from tests.conftest import make_settings, seed_tenants
from tests.factories import tenant_config

ROOT = Path(__file__).resolve().parents[2]
TENANTS = ("stadt-a", "stadt-b")
WEBHOOK = "/v1/payments/stripe/webhook"

schema = schemathesis.openapi.from_path(ROOT / "openapi" / "openapi.json")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
async def live_server(migrated_database: str, clean_database_module: None):
    from api.services import build_services

    services = build_services(make_settings(migrated_database))
    await seed_tenants(
        services,
        tenant_config(
            TENANTS[0],
            hostnames=("stadt-a.example",),
            features=frozenset({Feature.BUSINESSES, Feature.OPEN_DATA, Feature.CAMPAIGNS}),
            payments=PaymentSettings(
                bank_account_holder="Stadt A", bank_iban="DE89370400440532013000"
            ),
            categories=(CategorySeed("food", "Essen"), CategorySeed("bakery", "Bäcker", "food")),
            open_data=OpenDataSettings(
                "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
            ),
        ),
        # Without campaigns: its funding routes answer feature-off.
        tenant_config(TENANTS[1], parent=TENANTS[0], features=frozenset({Feature.BUSINESSES})),
    )
    await services.close()

    port = free_port()
    # The tenant comes from the Host; generated X-Tenant values are ignored, as in production.
    app = create_app(make_settings(migrated_database, allow_tenant_header=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
async def clean_database_module(migrated_database: str) -> None:
    from tests.conftest import wipe_database

    await wipe_database(migrated_database)


@pytest.mark.parametrize("tenant", TENANTS)
@schema.parametrize()
# Derandomized: CI sees the same examples on every run (a landing never hangs on a new random
# draw); explore further locally with more examples.
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_contract(case, tenant, live_server):
    # The one rule no schema can say: a webhook's Stripe-Signature is an HMAC of its body,
    # so a generated one never verifies and is refused (400, as Stripe asks); every other
    # check still runs on it.
    excluded = [positive_data_acceptance] if case.path == WEBHOOK else []
    case.call_and_validate(
        base_url=live_server,
        headers={"Host": f"{tenant}.stadtkern.test"},
        excluded_checks=excluded,
    )
