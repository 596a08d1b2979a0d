"""The import scenario: how fast `stadtkern businesses import` loads the directory's generated
rows (50,000 by default) into a freshly migrated PostgreSQL database, connected as the API's
role (row-level security on, as in production), and how fast a second import of the same
rows, each one changed, updates them. Wall time of the command, start-up included.

    ./dev bench --scenario import [--businesses 50000]
"""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
import time
from pathlib import Path

import directory_data

SCENARIO = "import"
DATABASE = "stadtkern_bench_import"  # never the map and search database, which --reuse keeps
SLUG, HOST = "bench-import", "import.bench.example"


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-q", "-c", sql], check=True, capture_output=True)


def _timed_import(stadtkern: Path, env: dict[str, str], data: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [str(stadtkern), "businesses", "import", SLUG, str(data)],
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"bench: the import failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    print(f"  {done.stdout.strip().splitlines()[-1]}")
    return took


def _changed(source: Path, target: Path) -> None:
    """Every row with another description: the second import updates all of them."""
    with source.open(newline="") as given, target.open("w", newline="") as changed:
        rows = csv.DictReader(given)
        writer = csv.DictWriter(changed, rows.fieldnames or [])
        writer.writeheader()
        for row in rows:
            writer.writerow(row | {"description": row["description"] + " Jetzt neu."})


def measure(server_url: str, app_role: str, businesses: int, stadtkern: Path) -> None:
    """`server_url`: a database of the server to create the bench database next to, as a
    user who may; `app_role`: the role the product connects as (created when missing)."""
    base = server_url.rsplit("/", 1)[0]
    owner_url = f"{base}/{DATABASE}"
    scheme, _, rest = base.partition("://")
    app_url = f"{scheme}://{app_role}@{rest.rpartition('@')[2]}/{DATABASE}"
    _psql(server_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    _psql(server_url, f'CREATE DATABASE "{DATABASE}"')
    _psql(
        server_url,
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_role}') "
        f"THEN CREATE ROLE {app_role} LOGIN; END IF; END $$",
    )
    asyncpg = "postgresql+asyncpg://"
    env = {
        **os.environ,
        "STADTKERN_LOG_LEVEL": "WARNING",
        "STADTKERN_DATABASE_URL": owner_url.replace("postgresql://", asyncpg, 1),
    }

    def as_owner(*args: str) -> None:
        subprocess.run([str(stadtkern), *args], check=True, env=env, capture_output=True)

    as_owner("db", "upgrade", "--grant-to", app_role)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / f"{SLUG}.toml").write_text(directory_data.tenant_file(SLUG, HOST))
            as_owner("tenants", "apply", tmp)
            fresh, changed = Path(tmp) / "businesses.csv", Path(tmp) / "changed.csv"
            directory_data.write_businesses(fresh, businesses)
            _changed(fresh, changed)
            as_app = env | {"STADTKERN_DATABASE_URL": app_url.replace("postgresql://", asyncpg, 1)}
            print(f"\n## import: {businesses:,} businesses, `stadtkern businesses import`")
            created = _timed_import(stadtkern, as_app, fresh)
            updated = _timed_import(stadtkern, as_app, changed)
    finally:
        _psql(server_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    print("\n| import | seconds | rows/s |\n|---|---:|---:|")
    for name, took in (("into a fresh database", created), ("every row changed", updated)):
        print(f"| {name} | {took:.1f} | {businesses / took:,.0f} |")
