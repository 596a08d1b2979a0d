"""Test set-up. Integration and API tests run on SQLite + fakeredis by default, and on
PostgreSQL + Redis when STADTKERN_TEST_DATABASE_URL and STADTKERN_TEST_REDIS_URL are set."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from joserfc.jwk import KeySet
from sqlalchemy import delete, update
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import adapters.db.tables  # noqa: F401  (every table on the metadata, for wiping)
from adapters.db import migrate
from adapters.db.engine import create_engine
from adapters.db.tenancy import TenantHostnameRow, TenantRegistryRow, TenantRow
from adapters.jwt_tokens import generate_signing_key, key_set_to_json
from adapters.passwords import Argon2Hasher
from api.app import create_app
from api.services import Services, build_services
from api.settings import Settings
from domain.tenancy.model import TenantConfig
from domain.tenancy.onboarding import ApplyTenantConfigs, SourcedConfig, apply_tenant_configs

TEST_DATABASE_URL = os.environ.get("STADTKERN_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("STADTKERN_TEST_REDIS_URL", "")

# Tests build their settings explicitly; nothing from the developer's shell leaks in.
for _name in [n for n in os.environ if n.startswith("STADTKERN_") and "_TEST_" not in n]:
    del os.environ[_name]


def on_postgres() -> bool:
    return bool(TEST_DATABASE_URL)


async def create_scratch_database(tag: str) -> str:
    """A fresh, empty PostgreSQL database next to the test URL's; returns its URL."""
    base = make_url(TEST_DATABASE_URL)
    name = f"stadtkern_{tag}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_scratch_database(url: str) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(
        parsed.set(
            drivername="postgresql", database=make_url(TEST_DATABASE_URL).database
        ).render_as_string(False)
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if not on_postgres():
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/stadtkern.db"
        return
    url = await create_scratch_database("test")
    yield url
    await drop_scratch_database(url)


@pytest.fixture(scope="session")
async def migrated_database(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return database_url


TEST_JWT_KEYS = key_set_to_json(KeySet([generate_signing_key()]))
OUTBOX = Path(tempfile.mkdtemp(prefix="stadtkern-test-outbox-"))
MEDIA_DIR = Path(tempfile.mkdtemp(prefix="stadtkern-test-media-"))


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": TEST_REDIS_URL,
        # Counters of other tests (and parallel workers, other checkouts) never count: each
        # app gets its own keys unless a test hands two apps the same settings.
        "redis_prefix": f"sk-test-{uuid.uuid4().hex[:12]}:",
        "tenant_cache_seconds": 0,
        "base_domain": "stadtkern.test",
        "jwt_private_keys": TEST_JWT_KEYS,
        "mail_outbox_dir": str(OUTBOX),
        "media_dir": str(MEDIA_DIR),
        # No worker runs beside apps under test (its polling would show in statement counts):
        # `settle` runs the jobs a test waits for. test_outbox_and_worker.py runs it in-process.
        "worker_in_process": False,
        "worker_poll_seconds": 0.05,
        "worker_retry_base_seconds": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def settings(migrated_database: str) -> Settings:
    return make_settings(migrated_database)


@pytest.fixture
async def clean_database(migrated_database: str) -> None:
    """Every test starts with no tenants."""
    await wipe_database(migrated_database)


async def wipe_database(migrated_database: str) -> None:
    engine = create_engine(migrated_database)
    try:
        async with engine.begin() as conn:
            for table in reversed(SQLModel.metadata.sorted_tables):
                if table.name not in ("tenants", "tenant_hostnames", "tenant_registry"):
                    await conn.execute(table.delete())
            await conn.execute(delete(TenantHostnameRow))
            await conn.execute(update(TenantRow).values(parent_id=None))
            await conn.execute(delete(TenantRow))
            await conn.execute(
                update(TenantRegistryRow).values(generation=TenantRegistryRow.generation + 1)
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def services(settings: Settings, clean_database: None) -> AsyncIterator[Services]:
    built = build_services(settings)
    # Argon2 at its lowest cost: the tests sign up and log in hundreds of times.
    built.hasher = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield built
    await built.close()


async def seed_tenants(services: Services, *configs: TenantConfig) -> None:
    from api.cli.runtime import seed_categories_of

    await apply_tenant_configs(
        ApplyTenantConfigs(tuple(SourcedConfig("test", c) for c in configs)),
        uow=services.tenancy_uow(),
        ids=services.ids,
        clock=services.clock,
    )
    await seed_categories_of(services, list(configs))


async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
        ) as client,
    ):
        yield client


@pytest.fixture
async def app(services: Services) -> FastAPI:
    return create_app(services.settings, services)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(app):
        yield c


PASSWORD = "correct horse battery staple"


async def sign_up_and_log_in(
    client: httpx.AsyncClient, slug: str, email: str, password: str = PASSWORD
) -> dict:
    """A fresh account on `slug`; returns the login answer (access and refresh token)."""
    signed = await client.post(
        "/v1/auth/signup",
        json={"email": email, "password": password, "display_name": email.split("@")[0]},
        headers={"X-Tenant": slug},
    )
    assert signed.status_code == 202, signed.text
    return await log_in(client, slug, email, password)


async def log_in(
    client: httpx.AsyncClient, slug: str, email: str, password: str = PASSWORD
) -> dict:
    response = await client.post(
        "/v1/auth/login", json={"email": email, "password": password}, headers={"X-Tenant": slug}
    )
    assert response.status_code == 200, response.text
    return response.json()


def as_user(session: dict, slug: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}", "X-Tenant": slug}


async def set_role(services: Services, slug: str, email: str, role: str) -> None:
    """Give an account a role on a tenant, as an admin would."""
    from domain.identity.model import Membership, Role

    tenant = await services.tenant_directory.by_slug(slug)
    async with services.identity_uow() as uow:
        account = await uow.accounts.get_by_email(email)
    assert tenant and account
    async with services.identity_uow(tenant.id) as uow:
        current = await uow.memberships.get(account.id)
        if current is None:
            await uow.memberships.add(
                Membership(tenant.id, account.id, Role(role), tenant.created_at)
            )
        else:
            await uow.memberships.update(
                Membership(tenant.id, account.id, Role(role), current.created_at)
            )
        await uow.commit()


async def settle(services: Services) -> None:
    """Wait until the worker has run every job that is due (the mails of a sign-up, say)."""
    await services.worker.run_until_idle(within=20)


def mails_to(address: str) -> list:
    """Mails the outbox mailer wrote for `address`, oldest first."""
    import email
    from email import policy

    found = []
    for path in sorted(OUTBOX.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def token_in(message) -> str:  # type: ignore[no-untyped-def]
    import re

    return re.search(r"token=(\S+)", message.get_content()).group(1)  # type: ignore[union-attr]
