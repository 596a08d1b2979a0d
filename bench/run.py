"""Benchmarks: the product against a bare baseline (raw Starlette + asyncpg, same SQL, same
worker count), both on PostgreSQL, driven by wrk on loopback, alternating runs, medians.

    ./dev bench [--duration 10] [--connections 64] [--workers 2] [--runs 3] [--scenario NAME]
                [--businesses 50000] [--reuse]

`--scenario pledges` runs bench/pledges.py (pledge throughput on one hot campaign against raw
asyncpg, no server), `upload` bench/upload.py, `import` bench/import_speed.py. `--scenario
changes` reads the partner change feed with a partner key per tenant (bench/change_data.py).

Prints requests/s and p50/p99 latency for both, and the ratio product/baseline. Needs
PostgreSQL (BENCH_DATABASE_URL, default the local server) and Redis (BENCH_REDIS_URL); installs
wrk from Debian's packages when it is missing and the user may.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import campaign_data
import change_data
import directory_data
import import_speed

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BASE_DOMAIN = "bench.example"
DATABASE = "stadtkern_bench"
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# Both servers connect as this role, which owns no table: row-level security binds it as in
# production (the tables' owner, or a superuser, would bypass the policies).
APP_ROLE = "stadtkern_bench_app"
LIST_TENANTS, LIST_BUSINESSES = 20, 2_500


# Paths known only once the servers run (ids, cursors): asked of the product (port, host).
PathsOf = Callable[[int, str], tuple[str, ...]]


@dataclass(frozen=True)
class Call:
    """One request of a scenario whose requests differ in more than the path (host, key)."""

    host: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()


# A scenario's requests, asked of the product once it runs (its port).
CallsOf = Callable[[int], list[Call]]


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: tuple[str, ...] | PathsOf | CallsOf  # requests rotate through these (and the
    # setup's hosts), or through the calls (each with its host and headers) when `calls`
    setup: str  # "tenants": 200 tenants; "directory": one tenant with businesses; "list";
    # "campaigns": 20 tenants with 5,000 campaigns each; "changes": those with their outbox
    description: str
    calls: bool = False
    connections: int = 64  # wrk's connections unless --connections says otherwise


def list_paths(*, category: bool, deep: bool = False) -> PathsOf:
    """The list scenarios' one path: the first page of 20 (of the top-level category `food`,
    with its children a third of the tenant), or with `deep` the 31st page, reached by
    following the product's own cursors."""

    def paths(port: int, host: str) -> tuple[str, ...]:
        path = "/v1/businesses?limit=20"
        if category:
            tree = fetch_json(port, "/v1/categories", host)
            food = next(c["id"] for c in tree if c["key"] == "food")
            path += f"&category={food}"
        if deep:
            cursor = None
            for _ in range(30):
                page = fetch_json(port, path + (f"&cursor={cursor}" if cursor else ""), host)
                cursor = page["next_cursor"]
            path += f"&cursor={cursor}"
        return (path,)

    return paths


CHANGE_PAGE = 100
CHANGE_STARTS_PER_TENANT = 5


def change_calls(port: int) -> list[Call]:
    """Pages of 100 changes from the middle of each tenant's feed, each with the tenant's
    partner key: from positions 30 % to 70 % into the tenant's own outbox rows, the product is
    asked for a page, and the cursor it gives out after it is where a request starts (so
    each cursor is the product's own; 5 per tenant, 100 in all)."""
    calls = []
    starts = change_data.middle_positions(database_url("postgresql"), CHANGE_STARTS_PER_TENANT)
    for slug, position in starts:
        host = campaign_data.host_of(slug)
        headers = (("Authorization", f"Bearer {change_data.key_secret(slug)}"),)
        page = fetch_json(
            port, f"/v1/sync/changes?after={position}&limit={CHANGE_PAGE}", host, dict(headers)
        )
        if len(page["items"]) != CHANGE_PAGE or not page["has_more"]:
            sys.exit(f"bench: {slug}'s feed gave {len(page['items'])} changes after {position}")
        path = f"/v1/sync/changes?after={page['next_cursor']}&limit={CHANGE_PAGE}"
        calls.append(Call(host, path, headers))
    return calls


SCENARIOS = [
    Scenario(
        "tenant",
        ("/v1/tenant",),
        "tenants",
        "GET /v1/tenant, tenant resolved from Host, 200 tenants",
    ),
    Scenario(
        "map",
        tuple(directory_data.map_paths(50)),
        "directory",
        "GET /v1/map?bbox= over 50 street-level views (a few hundred pins each)",
    ),
    Scenario(
        "search",
        tuple(directory_data.search_paths()),
        "directory",
        "GET /v1/search?q= over 10 queries (words, prefixes, two-word queries)",
    ),
    Scenario(
        "list",
        list_paths(category=True),
        "list",
        "GET /v1/businesses?category=&limit=20: the first page of one top-level category "
        "(833 of 2,500 businesses) in one of 20 tenants",
    ),
    Scenario(
        "list-all",
        list_paths(category=False),
        "list",
        "GET /v1/businesses?limit=20: the first page without a filter, same data",
    ),
    Scenario(
        "list-deep",
        list_paths(category=True, deep=True),
        "list",
        "GET /v1/businesses?category=&cursor=: the 31st page of that category, by the "
        "product's own cursor",
    ),
    Scenario(
        "campaigns",
        ("/v1/campaigns?status=live&sort=newest&limit=20",),
        "campaigns",
        "GET /v1/campaigns?status=live&sort=newest&limit=20: the first page of the newest live "
        "campaigns (about 3,500 of 5,000) in one of 20 tenants (100,000 campaigns)",
    ),
    Scenario(
        "campaigns-public",
        ("/v1/campaigns?limit=20",),
        "campaigns",
        "GET /v1/campaigns?limit=20: the first page of what anyone may see (live, succeeded, "
        "failed, paid out: about 4,600 of 5,000), newest first, same data",
    ),
    Scenario(
        "changes",
        change_calls,
        "changes",
        f"GET /v1/sync/changes?after=&limit={CHANGE_PAGE}: a page of the partner change feed "
        "from the middle of one of 20 tenants' feeds (about 21,000 changes each: campaigns "
        "created, changed, pledged to; 100 cursors), each change with its campaign's current "
        "document and tiers, with the tenant's partner key (sync:read)",
        calls=True,
        # A page is 320 kB of JSON and tens of ms of CPU: 64 connections would queue requests
        # past wrk's 10 s timeout on the product's side.
        connections=16,
    ),
]


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: installing wrk from Debian's packages", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or sys.exit("bench: wrk could not be installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str, url: str = SERVER_URL) -> None:
    subprocess.run(["psql", url, "-q", "-c", sql], check=True, capture_output=True)


def database_url(driver: str, role: str | None = None) -> str:
    base = SERVER_URL.rsplit("/", 1)[0]
    if role:  # the same server, another user (trust or the same password setup)
        scheme, _, rest = base.partition("://")
        base = f"{scheme}://{role}@{rest.rpartition('@')[2]}"
    return f"{base}/{DATABASE}".replace("postgresql://", f"{driver}://", 1)


def write_tenants(directory: Path, count: int) -> list[str]:
    """`count` generated tenants, each with an own hostname; returns the hostnames."""
    hosts = []
    for i in range(count):
        slug = f"city-{i:04d}"
        host = f"{slug}.example"
        hosts.append(host if i % 2 else f"{slug}.{BASE_DOMAIN}")  # own hostname / subdomain
        (directory / f"{slug}.toml").write_text(
            f'slug = "{slug}"\nname = "Bench City {i}"\nhostnames = ["{host}"]\n'
            'features = ["events", "posts"]\n'
            '[branding]\napp_name = "Bench"\n'
            '[branding.colors]\nprimary = "#0b4f8a"\non_primary = "#ffffff"\n'
            'background = "#ffffff"\ntext = "#1a1a1a"\naccent = "#e0a100"\n'
            '[branding.legal]\nimprint_url = "https://b.example/i"\n'
            'privacy_url = "https://b.example/p"\n'
        )
    return hosts


@cache
def signing_keys() -> str:
    stadtkern = str(VENV_BIN / "stadtkern")
    return subprocess.run(
        [stadtkern, "keys", "generate"], check=True, capture_output=True, text=True
    ).stdout.strip()


def product_env() -> dict[str, str]:
    return {
        **os.environ,
        "STADTKERN_JWT_PRIVATE_KEYS": signing_keys(),
        "STADTKERN_ENVIRONMENT": "production",
        "STADTKERN_DATABASE_URL": database_url("postgresql+asyncpg"),
        "STADTKERN_REDIS_URL": REDIS_URL,
        "STADTKERN_BASE_DOMAIN": BASE_DOMAIN,
        "STADTKERN_LOG_LEVEL": "WARNING",
    }


def serving_env() -> dict[str, str]:
    """The product as it serves: connected as the app role."""
    return {**product_env(), "STADTKERN_DATABASE_URL": database_url("postgresql+asyncpg", APP_ROLE)}


def upgrade_schema(env: dict[str, str]) -> None:
    """Migrate as the owner and let the app role read and write."""
    psql(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} LOGIN; END IF; END $$"
    )
    subprocess.run(
        [str(VENV_BIN / "stadtkern"), "db", "upgrade", "--grant-to", APP_ROLE],
        check=True,
        env=env,
        capture_output=True,
    )


def fresh_database() -> dict[str, str]:
    """An empty, migrated bench database; returns the product's environment for it."""
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DATABASE}"')
    env = product_env()
    upgrade_schema(env)
    return env


def apply_tenants(directory: str, env: dict[str, str]) -> None:
    applied = subprocess.run(
        [str(VENV_BIN / "stadtkern"), "tenants", "apply", directory],
        env=env,
        capture_output=True,
        text=True,
    )
    if applied.returncode:
        sys.exit(f"bench: tenants apply failed:\n{applied.stdout[-1000:]}{applied.stderr[-1000:]}")


def prepare_tenants(count: int) -> list[str]:
    env = fresh_database()
    with tempfile.TemporaryDirectory() as tmp:
        hosts = write_tenants(Path(tmp), count)
        apply_tenants(tmp, env)
    return hosts


def businesses_already_loaded(slug: str) -> int:
    """How many businesses the bench database holds for `slug` (0 if there is none)."""
    found = subprocess.run(
        ["psql", database_url("postgresql"), "-tAc",
         "SELECT count(*) FROM businesses b JOIN tenants t ON t.id = b.tenant_id "
         f"WHERE t.slug = '{slug}'"],
        capture_output=True, text=True,
    )  # fmt: skip
    return int(found.stdout.strip()) if found.returncode == 0 else 0


def prepare_directory(businesses: int, reuse: bool) -> list[str]:
    """One tenant whose directory holds `businesses` rows, loaded by the product's importer
    (`stadtkern businesses import`); prints how long the import took. With `reuse`, a bench
    database that already holds them is kept (after a schema upgrade)."""
    slug, host = "bench-directory", "bench-directory.example"
    reusing = reuse and businesses_already_loaded(slug) == businesses
    env = product_env() if reusing else fresh_database()
    if reusing:
        upgrade_schema(env)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"{slug}.toml").write_text(directory_data.tenant_file(slug, host))
        apply_tenants(tmp, env)
        if reusing:
            print(f"\nsetup: reusing the {businesses:,} businesses already in {DATABASE}")
            return [host]
        data = Path(tmp) / "businesses.csv"
        directory_data.write_businesses(data, businesses)
        started = time.monotonic()
        subprocess.run(
            [str(VENV_BIN / "stadtkern"), "businesses", "import", slug, str(data)],
            check=True,
            env=env,
            capture_output=True,
        )
        took = time.monotonic() - started
    psql("ANALYZE", database_url("postgresql"))  # fresh statistics, as autovacuum would give
    print(
        f"\nsetup: {businesses:,} businesses imported with `stadtkern businesses import` in "
        f"{took:.0f} s ({businesses / took:,.0f} rows/s)"
    )
    return [host]


def list_tenants_loaded() -> int:
    found = subprocess.run(
        ["psql", database_url("postgresql"), "-tAc",
         "SELECT count(*) FROM businesses b JOIN tenants t ON t.id = b.tenant_id "
         "WHERE t.slug LIKE 'list-%'"],
        capture_output=True, text=True,
    )  # fmt: skip
    return int(found.stdout.strip()) if found.returncode == 0 else 0


def prepare_list(reuse: bool) -> list[str]:
    """20 tenants, each with 12 categories and 2,500 businesses, loaded by the product's
    importer; the list scenarios ask the first tenant."""
    slugs = [f"list-{i:02d}" for i in range(LIST_TENANTS)]
    hosts = [f"{slug}.example" for slug in slugs]
    total = LIST_TENANTS * LIST_BUSINESSES
    reusing = reuse and list_tenants_loaded() == total
    env = product_env() if reusing else fresh_database()
    if reusing:
        upgrade_schema(env)
    with tempfile.TemporaryDirectory() as tmp:
        for slug, host in zip(slugs, hosts, strict=True):
            (Path(tmp) / f"{slug}.toml").write_text(
                directory_data.tenant_file(slug, host, directory_data.LIST_CATEGORIES)
            )
        apply_tenants(tmp, env)
        if reusing:
            print(f"\nsetup: reusing the {total:,} businesses already in {DATABASE}")
            return hosts[:1]
        started = time.monotonic()
        for seed, slug in enumerate(slugs):
            data = Path(tmp) / f"{slug}.csv"
            directory_data.write_businesses(
                data, LIST_BUSINESSES, seed, categories=directory_data.LIST_CATEGORY_KEYS
            )
            subprocess.run(
                [str(VENV_BIN / "stadtkern"), "businesses", "import", slug, str(data)],
                check=True,
                env=env,
                capture_output=True,
            )
        took = time.monotonic() - started
    psql("ANALYZE", database_url("postgresql"))
    print(
        f"\nsetup: {LIST_TENANTS} tenants x {LIST_BUSINESSES:,} businesses imported with "
        f"`stadtkern businesses import` in {took:.0f} s ({total / took:,.0f} rows/s)"
    )
    return hosts[:1]


def campaigns_already_loaded() -> int:
    found = subprocess.run(
        ["psql", database_url("postgresql"), "-tAc",
         "SELECT count(*) FROM campaigns c JOIN tenants t ON t.id = c.tenant_id "
         f"WHERE t.slug LIKE '{campaign_data.SLUG_PREFIX}%'"],
        capture_output=True, text=True,
    )  # fmt: skip
    return int(found.stdout.strip()) if found.returncode == 0 else 0


def prepare_changes(reuse: bool) -> list[str]:
    """The campaign tenants and campaigns (prepare_campaigns), and for the change feed their
    tiers, listings, outbox rows and a partner key each (change_data.py)."""
    owner = database_url("postgresql")
    total = campaign_data.TENANTS * campaign_data.CAMPAIGNS_PER_TENANT
    reusing = (
        reuse
        and campaigns_already_loaded() == total
        and change_data.keys_loaded(owner) == campaign_data.TENANTS
    )
    hosts = prepare_campaigns(reuse)
    if reusing:
        print(f"setup: reusing the change feed's outbox already in {DATABASE}")
        return hosts
    started = time.monotonic()
    counts = change_data.load_changes(owner)
    print(
        f"setup: {counts['outbox']:,} outbox rows, {counts['tiers']:,} reward tiers, "
        f"{counts['listings']:,} listings and {campaign_data.TENANTS} partner keys copied in "
        f"{time.monotonic() - started:.0f} s"
    )
    return hosts


def prepare_campaigns(reuse: bool) -> list[str]:
    """20 tenants with 5,000 campaigns each, copied into the table (campaign_data.py); the
    campaign scenarios ask the first tenant."""
    slugs = campaign_data.slugs()
    total = campaign_data.TENANTS * campaign_data.CAMPAIGNS_PER_TENANT
    reusing = reuse and campaigns_already_loaded() == total
    env = product_env() if reusing else fresh_database()
    if reusing:
        upgrade_schema(env)
    with tempfile.TemporaryDirectory() as tmp:
        for slug in slugs:
            (Path(tmp) / f"{slug}.toml").write_text(campaign_data.tenant_file(slug))
        apply_tenants(tmp, env)
    hosts = [campaign_data.host_of(slugs[0])]
    if reusing:
        print(f"\nsetup: reusing the {total:,} campaigns already in {DATABASE}")
        return hosts
    started = time.monotonic()
    loaded = campaign_data.load_campaigns(database_url("postgresql"))
    print(
        f"\nsetup: {campaign_data.TENANTS} tenants x {campaign_data.CAMPAIGNS_PER_TENANT:,} "
        f"campaigns ({loaded:,}) copied in {time.monotonic() - started:.0f} s"
    )
    return hosts


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            if process.poll() is not None:
                sys.exit(f"bench: server exited: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    process.kill()
    sys.exit(f"bench: server on {port} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def calls_script(calls: list[Call], directory: Path) -> Path:
    """A wrk script whose requests go round the calls, each formatted once."""

    def lua(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    listed = ",\n".join(
        f"  {{{lua(c.path)}, {{"
        + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in (("Host", c.host), *c.headers))
        + "}}"
        for c in calls
    )
    script = directory / "calls.lua"
    script.write_text(
        f"local calls = {{\n{listed}\n}}\nlocal formatted = {{}}\nlocal i = 0\n"
        "init = function(args)\n  for n, c in ipairs(calls) do\n"
        "    formatted[n] = wrk.format(nil, c[1], c[2])\n  end\nend\n"
        "request = function()\n  i = i + 1\n  return formatted[(i - 1) % #formatted + 1]\nend\n"
    )
    return script


def rotation_script(hosts: list[str], paths: tuple[str, ...], directory: Path) -> Path:
    """A wrk script whose requests go round the hosts and the paths."""
    script = directory / "rotate.lua"
    listed_hosts = ", ".join(f'"{h}"' for h in hosts)
    listed_paths = ", ".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local hosts = {{{listed_hosts}}}\nlocal paths = {{{listed_paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        '  wrk.headers["Host"] = hosts[(i - 1) % #hosts + 1]\n'
        "  return wrk.format(nil, paths[(i - 1) % #paths + 1])\nend\n"
    )
    return script


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> Result:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(match.group(1)) * _UNIT_MS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    count = int(errors.group(1)) if errors else 0
    count += sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    return Result(float(rps.group(1)) if rps else 0.0, latency("50"), latency("99"), count)


def drive(wrk: str, url: str, script: Path, args: argparse.Namespace) -> Result:
    output = subprocess.run(
        [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "--timeout",
            "10s",  # closed-loop saturation is not a failure; a request over 10 s is
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse_wrk(output)


def median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


def fetch_json(port: int, path: str, host: str, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": host, **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def answer(port: int, path: str, host: str) -> object:
    """What identifies a response's content: the pins' ids, the hits' ids, the tenant's slug;
    a list page whole (the same JSON, cursor included)."""
    body = fetch_json(port, path, host)
    if "next_cursor" in body:
        return body
    if body.get("type") == "FeatureCollection":
        return sorted(f["id"] for f in body["features"])
    if "query" in body:
        return [item["id"] for item in body["items"]]
    return body["slug"]


def same_answers(paths: tuple[str, ...], host: str, baseline_port: int, product_port: int) -> None:
    """Both servers must answer alike, or the comparison compares different work."""
    for path in paths:
        base, prod = answer(baseline_port, path, host), answer(product_port, path, host)
        if base != prod:
            sys.exit(f"bench: {path} answers differently:\nbaseline {base}\nproduct  {prod}")


def same_calls(calls: list[Call], baseline_port: int, product_port: int) -> None:
    """Both servers must answer a sample of the calls alike (the whole JSON)."""
    for call in calls[:: max(len(calls) // 10, 1)]:
        headers = dict(call.headers)
        base = fetch_json(baseline_port, call.path, call.host, headers)
        prod = fetch_json(product_port, call.path, call.host, headers)
        if base != prod:
            sys.exit(
                f"bench: {call.host}{call.path} answers differently:\n"
                f"baseline {json.dumps(base)[:3000]}\nproduct  {json.dumps(prod)[:3000]}"
            )


def run_scenario(scenario: Scenario, hosts: list[str], wrk: str, args: argparse.Namespace) -> None:
    connections = args.connections or scenario.connections
    args = argparse.Namespace(**{**vars(args), "connections": connections})
    product_port, baseline_port = free_port(), free_port()
    product = start(
        [
            str(VENV_BIN / "stadtkern"),
            "serve",
            "--port",
            str(product_port),
            "--workers",
            str(args.workers),
        ],
        serving_env(),
        product_port,
    )
    baseline = start(
        [
            str(VENV_BIN / "uvicorn"),
            "baseline:app",
            "--app-dir",
            "bench",
            "--port",
            str(baseline_port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        {
            **os.environ,
            "BENCH_DSN": database_url("postgresql", APP_ROLE),
            "BENCH_BASE_DOMAIN": BASE_DOMAIN,
            "BENCH_REDIS_URL": REDIS_URL,
        },
        baseline_port,
    )
    runs: dict[str, list[Result]] = {"baseline": [], "product": []}
    try:
        if scenario.calls:
            calls = scenario.paths(product_port)  # type: ignore[call-arg,operator]
            same_calls(calls, baseline_port, product_port)
        else:
            paths = (
                scenario.paths if isinstance(scenario.paths, tuple)
                else scenario.paths(product_port, hosts[0])  # type: ignore[call-arg]
            )  # fmt: skip
            same_answers(paths, hosts[0], baseline_port, product_port)
        with tempfile.TemporaryDirectory() as tmp:
            script = (
                calls_script(calls, Path(tmp)) if scenario.calls
                else rotation_script(hosts, paths, Path(tmp))
            )  # fmt: skip
            for port in (baseline_port, product_port):  # warm-up, not counted
                drive(
                    wrk,
                    f"http://127.0.0.1:{port}",
                    script,
                    argparse.Namespace(**{**vars(args), "duration": 2}),
                )
            for _ in range(args.runs):  # alternate, so drift hits both alike
                for name, port in (("baseline", baseline_port), ("product", product_port)):
                    url = f"http://127.0.0.1:{port}"
                    runs[name].append(drive(wrk, url, script, args))
    finally:
        stop(product)
        stop(baseline)
    base, prod = median(runs["baseline"]), median(runs["product"])
    print(f"\n## {scenario.name}: {scenario.description}")
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.workers} "
        f"worker(s) each, median of {args.runs} alternating run(s)\n"
    )
    print("| server | req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for name, r in (("baseline (Starlette + asyncpg)", base), ("stadtkern", prod)):
        print(
            f"| {name} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
            f"{r.errors} |"
        )
    ratio = prod.requests_per_second / base.requests_per_second if base.requests_per_second else 0
    print(f"\nratio stadtkern/baseline: {ratio:.2f}x req/s")
    for name, results in runs.items():
        print(f"{name} runs: " + ", ".join(f"{r.requests_per_second:,.0f}" for r in results))


UPLOAD_SCENARIO = "upload"
PLEDGES_SCENARIO = "pledges"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in SCENARIOS]
        + [import_speed.SCENARIO, UPLOAD_SCENARIO, PLEDGES_SCENARIO],
        help="repeatable; `import` times the importer alone (bench/import_speed.py), "
        "`upload` an image upload with its variants (bench/upload.py), `pledges` pledges "
        "on one hot campaign against raw asyncpg (bench/pledges.py)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument(
        "--connections", type=int, default=None, help="wrk's connections (64; `changes`: 16)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="server processes, both sides")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--businesses", type=int, default=50_000, help="directory size for map and search"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a bench database that already holds the directory (skips the import)",
    )
    args = parser.parse_args()
    if args.scenario and UPLOAD_SCENARIO in args.scenario:
        # In-process, no server: the codec's work against Pillow alone.
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("upload.py")), "--runs", str(args.runs)],
            check=True,
        )
        args.scenario = [s for s in args.scenario if s != UPLOAD_SCENARIO]
        if not args.scenario:
            return
    if args.scenario and PLEDGES_SCENARIO in args.scenario:
        # In-process against asyncpg alone, no server: a database of its own.
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("pledges.py")),
                "--runs",
                str(args.runs),
                "--server",
                SERVER_URL,
                "--app-role",
                APP_ROLE,
            ],
            check=True,
        )
        args.scenario = [s for s in args.scenario if s != PLEDGES_SCENARIO]
        if not args.scenario:
            return
    if args.scenario and import_speed.SCENARIO in args.scenario:
        import_speed.measure(SERVER_URL, APP_ROLE, args.businesses, VENV_BIN / "stadtkern")
        args.scenario = [s for s in args.scenario if s != import_speed.SCENARIO]
        if not args.scenario:
            return
    wrk = ensure_wrk()
    prepared: tuple[str, list[str]] | None = None  # the scenarios of one setup share it
    for scenario in SCENARIOS:
        if args.scenario and scenario.name not in args.scenario:
            continue
        if prepared is None or prepared[0] != scenario.setup:
            if scenario.setup == "tenants":
                hosts = prepare_tenants(200)
            elif scenario.setup == "list":
                hosts = prepare_list(args.reuse)
            elif scenario.setup == "campaigns":
                hosts = prepare_campaigns(args.reuse)
            elif scenario.setup == "changes":
                # After the campaign scenarios in the same run, their data is there already.
                hosts = prepare_changes(args.reuse or bool(prepared and prepared[0] == "campaigns"))
            else:
                hosts = prepare_directory(args.businesses, args.reuse)
            prepared = (scenario.setup, hosts)
        run_scenario(scenario, prepared[1], wrk, args)


if __name__ == "__main__":
    main()
