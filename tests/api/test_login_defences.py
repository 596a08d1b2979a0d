"""Login defences over HTTP: strangers cannot lock the owner out, and slow password hashing
never stalls the rest of the API."""

import asyncio
import threading

from argon2 import PasswordHasher

from adapters.passwords import Argon2Hasher
from api.app import create_app
from api.services import build_services
from tests.conftest import PASSWORD, client_for, make_settings, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


async def test_a_distributed_attack_does_not_stop_the_owner_from_a_known_client(settings, services):
    """100 addresses (behind a trusted proxy) guess the owner's password: clients the account
    does not know are locked out, the owner's own client is not."""
    await seed_tenants(services, tenant_config("leipzig"), tenant_config("dresden"))
    behind_proxy = build_services(make_settings(settings.database_url, trusted_proxies="127.0.0.1"))
    behind_proxy.hasher = Argon2Hasher(CHEAP)
    async for http in client_for(create_app(behind_proxy.settings, behind_proxy)):
        owner = await sign_up_and_log_in(http, "leipzig", "owner@example.org")
        guesses = [
            await http.post(
                "/v1/auth/login",
                headers={
                    "X-Tenant": ("leipzig", "dresden")[n % 2],
                    "X-Forwarded-For": f"203.0.113.{n}",
                },
                json={"email": "owner@example.org", "password": f"guess number {n}"},
            )
            for n in range(100)
        ]
        assert {g.status_code for g in guesses} == {401}

        stranger = await http.post(
            "/v1/auth/login",
            headers={"X-Tenant": "leipzig", "X-Forwarded-For": "198.51.100.7"},
            json={"email": "owner@example.org", "password": PASSWORD},
        )
        known = await http.post(
            "/v1/auth/login",
            headers={"X-Tenant": "leipzig", "X-Forwarded-For": "198.51.100.8"},
            json={
                "email": "owner@example.org",
                "password": PASSWORD,
                "device_token": owner["device_token"],
            },
        )
    assert stranger.status_code == 429 and stranger.json()["code"] == "login-locked"
    assert known.status_code == 200, known.text
    assert known.json()["device_token"] not in (None, owner["device_token"])


async def test_a_device_token_is_no_access_token_and_no_access_token_a_device_token(
    services, client
):
    await seed_tenants(services, tenant_config("leipzig"))
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    as_bearer = await client.get(
        "/v1/me",
        headers={"X-Tenant": "leipzig", "Authorization": f"Bearer {session['device_token']}"},
    )
    assert as_bearer.status_code == 401
    devices = services.identity.devices
    assert devices.account_of(session["access_token"]) is None
    assert (
        str(devices.account_of(session["device_token"])[0])
        == (
            (
                await client.get(
                    "/v1/me",
                    headers={
                        "X-Tenant": "leipzig",
                        "Authorization": f"Bearer {session['access_token']}",
                    },
                )
            ).json()["id"]
        )
    )


class BlockingHasher(PasswordHasher):
    """Verifications wait until released, so a test can hold logins mid-hash."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)
        self.threads: set[str] = set()

    def verify(self, hash, password):  # type: ignore[no-untyped-def]
        self.threads.add(threading.current_thread().name)
        self.entered.release()
        self.release.wait(timeout=20)
        return super().verify(hash, password)


async def test_other_requests_answer_while_logins_hash(settings, services, client):
    """Five logins sit inside the password hash; /healthz and a tenant read still answer.
    Hashing on the event loop would freeze both until the hashes end."""
    await seed_tenants(services, tenant_config("leipzig"))
    await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    blocking = BlockingHasher()
    held = build_services(settings)
    held.hasher = Argon2Hasher(blocking, threads=2)
    async for http in client_for(create_app(settings, held)):
        logins = [
            asyncio.create_task(
                http.post(
                    "/v1/auth/login",
                    headers={"X-Tenant": "leipzig"},
                    json={"email": "ada@example.org", "password": "a wrong password"},
                )
            )
            for _ in range(5)
        ]
        # Wait (off the loop) until two logins are inside the hash: the pool's two threads.
        for _ in range(2):
            assert await asyncio.to_thread(blocking.entered.acquire, timeout=10)
        health = await http.get("/healthz")
        tenant = await http.get("/v1/tenant", headers={"X-Tenant": "leipzig"})
        pending = sum(not login.done() for login in logins)
        blocking.release.set()
        answers = await asyncio.gather(*logins)
    assert health.status_code == 200 and tenant.status_code == 200
    assert pending == 5
    assert {a.status_code for a in answers} == {401}
    assert blocking.threads and not {"MainThread"} & blocking.threads
    assert len(blocking.threads) <= 2  # bounded: the other logins queued for the pool
