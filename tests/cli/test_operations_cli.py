"""`stadtkern db ...`, `demo seed`, the shipped demo tenants, and the schema guard."""

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.tenant_files import read_tenant_files
from api.app import create_app
from api.cli import cli, seed_demo
from api.services import build_services
from tests.conftest import (
    client_for,
    create_scratch_database,
    drop_scratch_database,
    make_settings,
    on_postgres,
)

ROOT = Path(__file__).resolve().parents[2]
HOUR = timedelta(hours=1)


def test_the_shipped_demo_tenants_are_valid_and_include_a_parent_platform():
    configs, problems = read_tenant_files([ROOT / "tenants"])
    assert problems == []
    slugs = {c.config.slug for c in configs}
    parents = {c.config.parent for c in configs if c.config.parent}
    assert len(configs) >= 5 and parents and parents <= slugs


def test_db_upgrade_and_current_on_a_fresh_embedded_database(tmp_path):
    env = {
        "STADTKERN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/fresh.db",
        "STADTKERN_JWT_KEYS_FILE": str(tmp_path / "keys.json"),
    }
    runner = CliRunner()
    assert "database: empty" in runner.invoke(cli, ["db", "current"], env=env).output
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    current = runner.invoke(cli, ["db", "current"], env=env).output
    revision = current.split("code: ")[1].strip()
    assert f"database: {revision}" in current
    assert runner.invoke(cli, ["db", "downgrade", "base"], env=env).exit_code == 0
    assert "database: empty" in runner.invoke(cli, ["db", "current"], env=env).output


def test_demo_seed_loads_the_tenants_directory_once(tmp_path):
    env = {
        "STADTKERN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db",
        "STADTKERN_TENANTS_DIR": str(ROOT / "tenants"),
        "STADTKERN_JWT_KEYS_FILE": str(tmp_path / "keys.json"),
    }
    runner = CliRunner()
    seeded = runner.invoke(cli, ["demo", "seed"], env=env)
    assert seeded.exit_code == 0, seeded.output
    assert runner.invoke(cli, ["demo", "seed"], env=env).exit_code == 0
    listing = runner.invoke(cli, ["tenants", "list"], env=env).output
    assert "nordstart" in listing and "startbahn" in listing


async def test_demo_seed_gives_every_demo_tenant_with_the_directory_businesses(
    migrated_database, clean_database
):
    settings = make_settings(migrated_database, tenants_dir=str(ROOT / "tenants"))
    services = build_services(settings)
    try:
        report = await seed_demo(services)
        configs, _ = read_tenant_files([ROOT / "tenants"])
        with_directory = [c.config.slug for c in configs if "businesses" in c.config.features]
        assert {"kulturnetz", "stadtgespraech", "wirhalten"} <= set(with_directory)
        assert "wirhalten" in report and not re.search(r"\b[1-9][0-9]* bad", report)
        async for client in client_for(create_app(settings, services)):
            for slug in with_directory:
                listed = await client.get("/v1/businesses", headers={"X-Tenant": slug})
                assert listed.status_code == 200 and len(listed.json()["items"]) >= 5, slug
    finally:
        await services.close()


@pytest.mark.skipif(not on_postgres(), reason="the embedded SQLite database migrates itself")
def test_commands_refuse_a_postgres_database_that_is_not_migrated():
    url = asyncio.run(create_scratch_database("unmigrated"))
    try:
        env = {"STADTKERN_DATABASE_URL": url, "STADTKERN_JWT_KEYS_FILE": "/tmp/sk-keys.json"}
        result = CliRunner().invoke(cli, ["tenants", "list"], env=env)
        assert result.exit_code == 1
        assert "run `stadtkern db upgrade`" in result.output
    finally:
        asyncio.run(drop_scratch_database(url))


def test_worker_status_shows_pending_failed_and_scheduled_work(tmp_path):
    env = {
        "STADTKERN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/jobs.db",
        "STADTKERN_JWT_KEYS_FILE": str(tmp_path / "keys.json"),
        "STADTKERN_TENANTS_DIR": str(tmp_path / "none"),
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0

    async def queue_work() -> None:
        services = build_services(make_settings(env["STADTKERN_DATABASE_URL"]))
        try:
            now = services.clock.now()
            await services.jobs.enqueue("test.broken", now, max_attempts=1)
            [job] = await services.jobs.claim("w", limit=1, now=now, lease=HOUR)
            await services.jobs.fail(job, "w", "ValueError: broken", now=now, retry_at=None)
            await services.jobs.enqueue("test.waiting", now)
        finally:
            await services.close()

    asyncio.run(queue_work())
    result = runner.invoke(cli, ["worker", "status"], env=env)
    assert result.exit_code == 0, result.output
    assert re.search(r"failed\s+1\b", result.output)
    assert re.search(r"pending\s+1\b", result.output)
    assert "job 1 (test.broken): ValueError: broken" in result.output
    assert "periodic   jobs.prune: next run" in result.output
    assert "Run the worker" in runner.invoke(cli, ["worker", "--help"], env=env).output
