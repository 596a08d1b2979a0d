"""Accounts and sessions with in-memory fakes (no I/O)."""

import asyncio
import dataclasses
import uuid

import pytest

from domain.errors import InvalidInput
from domain.identity import sessions
from domain.identity.errors import InvalidCredentials, InvalidToken, TooManyAttempts
from domain.identity.model import Role
from domain.identity.sessions import IdentityPorts, LogIn, SignUp, TenantRef
from tests.fakes import (
    CountingSecrets,
    FakeDeviceTokens,
    FakeHasher,
    FakeIdentityStore,
    FakeIdentityUnitOfWork,
    FakeThrottle,
    FakeTokens,
    FixedClock,
    RecordingMailer,
    SequentialIds,
    send_mails,
)

LEIPZIG = TenantRef(uuid.UUID(int=501), "leipzig", "https://leipzig.example", ("de", "en"))
DRESDEN = TenantRef(uuid.UUID(int=502), "dresden", "https://dresden.example", ("en",))
PASSWORD = "correct horse battery"


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    class World:
        store = FakeIdentityStore()
        clock = FixedClock()
        mailer = RecordingMailer()
        hasher = FakeHasher()
        devices = FakeDeviceTokens()
        throttle = FakeThrottle()
        ports = IdentityPorts(
            hasher, FakeTokens(), devices, CountingSecrets(), mailer, clock, SequentialIds()
        )

        def uow(self, tenant=LEIPZIG):  # type: ignore[no-untyped-def]
            return FakeIdentityUnitOfWork(self.store, tenant.id)

        async def sign_up(self, email="ada@example.org", tenant=LEIPZIG):  # type: ignore[no-untyped-def]
            await sessions.sign_up(
                SignUp(tenant, email, PASSWORD, "Ada"), uow=self.uow(tenant), ports=self.ports
            )
            await self.send_mails()

        async def send_mails(self) -> None:
            await send_mails(self.store, self.ports, LEIPZIG, DRESDEN)

        async def log_in(  # type: ignore[no-untyped-def]
            self, email="ada@example.org", password=PASSWORD, tenant=LEIPZIG, device=None
        ):
            return await sessions.log_in(
                LogIn(tenant, email, password, device),
                uow=self.uow(tenant),
                ports=self.ports,
                throttle=self.throttle,
            )

    return World()


async def test_sign_up_creates_a_member_and_mails_a_verification_link(world):
    await world.sign_up("  Ada@Example.org ")
    account = next(iter(world.store.accounts.values()))
    assert account.email == "ada@example.org" and account.password_hash != PASSWORD
    assert [m.role for m in world.store.memberships.values()] == [Role.MEMBER]
    assert world.mailer.sent[-1].to == "ada@example.org"
    assert world.mailer.last_link().startswith("https://leipzig.example/verify-email?token=")


async def test_signing_up_twice_mails_the_owner_and_creates_nothing(world):
    await world.sign_up()
    await world.sign_up()
    assert len(world.store.accounts) == 1
    assert world.mailer.sent[-1].subject == "Du hast schon ein Konto"


async def test_weak_passwords_and_bad_emails_are_refused(world):
    with pytest.raises(InvalidInput) as caught:
        await sessions.sign_up(
            SignUp(LEIPZIG, "not-an-email", "short", "Ada"), uow=world.uow(), ports=world.ports
        )
    assert {p.field for p in caught.value.problems} == {"email", "password"}
    assert world.store.accounts == {}


async def test_unknown_email_and_wrong_password_fail_alike_and_cost_the_same(world):
    await world.sign_up()
    with pytest.raises(InvalidCredentials) as wrong:
        await world.log_in(password="wrong password here")
    with pytest.raises(InvalidCredentials) as unknown:
        await world.log_in(email="nobody@example.org")
    assert type(wrong.value) is type(unknown.value) and str(wrong.value) == str(unknown.value)
    assert world.hasher.spent == 2  # the unknown email still paid for a hash check


async def test_signing_up_costs_one_hash_whether_or_not_the_email_is_taken(world):
    await world.sign_up()
    first = world.hasher.hashed
    await world.sign_up()
    assert first == 1 and world.hasher.hashed == 2


async def test_after_100_failures_an_unknown_client_is_refused_even_with_the_right_password(world):
    await world.sign_up()
    for _ in range(100):
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here")
    with pytest.raises(TooManyAttempts) as caught:
        await world.log_in()
    assert caught.value.retry_after > 0


async def test_a_client_that_logged_in_before_is_not_locked_out_by_strangers(world):
    await world.sign_up()
    known = (await world.log_in()).device_token
    for _ in range(100):
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here")
    session = await world.log_in(device=known)
    assert session.account_id == next(iter(world.store.accounts))
    assert session.device_token and session.device_token != known


async def test_a_device_token_of_another_account_does_not_exempt_from_the_lock(world):
    await world.sign_up()
    await world.sign_up("eve@example.org")
    foreign = (await world.log_in("eve@example.org")).device_token
    for _ in range(100):
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here")
    with pytest.raises(TooManyAttempts):
        await world.log_in(device=foreign)
    with pytest.raises(TooManyAttempts):
        await world.log_in(device="forged|token")


async def test_a_device_token_guessing_passwords_loses_its_exemption_after_ten_failures(world):
    await world.sign_up()
    known = (await world.log_in()).device_token
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here", device=known)
    for _ in range(100):  # from here on it counts like any unknown client
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here", device=known)
    with pytest.raises(TooManyAttempts):
        await world.log_in(device=known)


async def test_a_burst_of_concurrent_attempts_gets_no_more_guesses_than_the_limit(world):
    await world.sign_up()

    class QueuedHasher(FakeHasher):
        async def verify(self, password_hash: str, password: str) -> bool:
            await asyncio.sleep(0)  # as the real hasher waits for its threads
            return await super().verify(password_hash, password)

    world.ports = dataclasses.replace(world.ports, hasher=QueuedHasher())
    outcomes = await asyncio.gather(
        *(world.log_in(password="wrong password here") for _ in range(300)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, InvalidCredentials) for o in outcomes) == 100
    assert sum(isinstance(o, TooManyAttempts) for o in outcomes) == 200
    assert world.ports.hasher.spent == 100  # the refused ones were never checked


async def test_a_rehash_with_new_parameters_voids_no_device_token(world):
    await world.sign_up()
    known = (await world.log_in()).device_token

    class UpgradingHasher(FakeHasher):
        def needs_rehash(self, password_hash: str) -> bool:
            return not password_hash.startswith("v2:")

        async def hash(self, password: str) -> str:
            return "v2:" + await super().hash(password)

        async def verify(self, password_hash: str, password: str) -> bool:
            return await super().verify(password_hash.removeprefix("v2:"), password)

    world.ports = dataclasses.replace(world.ports, hasher=UpgradingHasher())
    await world.log_in()  # from another client: the stored hash is upgraded
    assert next(iter(world.store.accounts.values())).password_hash.startswith("v2:")
    for _ in range(100):
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here")
    assert (await world.log_in(device=known)).access_token  # the first client still gets in


async def test_a_password_change_voids_the_device_tokens_issued_before(world):
    await world.sign_up()
    known = (await world.log_in()).device_token
    account_id = next(iter(world.store.accounts))
    world.clock.advance(minutes=5)
    await sessions.change_password(
        sessions.ChangePassword(account_id, PASSWORD, "a brand new passphrase"),
        uow=world.uow(),
        ports=world.ports,
    )
    for _ in range(100):
        with pytest.raises(InvalidCredentials):
            await world.log_in(password="wrong password here")
    with pytest.raises(TooManyAttempts):  # whoever held the old token is a stranger now
        await world.log_in(password="a brand new passphrase", device=known)


async def test_passwords_are_never_hashed_inside_a_transaction(world):
    """A hash takes a thread for a while; a transaction held meanwhile would block writers."""

    class WatchingHasher(FakeHasher):
        inside: list[int] = []

        async def hash(self, password: str) -> str:
            self.inside.append(FakeIdentityUnitOfWork.open_blocks)
            return await super().hash(password)

        async def verify(self, password_hash: str, password: str) -> bool:
            self.inside.append(FakeIdentityUnitOfWork.open_blocks)
            return await super().verify(password_hash, password)

    hasher = WatchingHasher()
    world.ports = dataclasses.replace(world.ports, hasher=hasher)
    FakeIdentityUnitOfWork.open_blocks = 0  # whatever blocks earlier tests left unclosed
    await world.sign_up()
    await world.log_in()
    account_id = next(iter(world.store.accounts))
    await sessions.change_password(
        sessions.ChangePassword(account_id, PASSWORD, "a brand new passphrase"),
        uow=world.uow(),
        ports=world.ports,
    )
    await sessions.request_password_reset(
        LEIPZIG, "ada@example.org", uow=world.uow(), ports=world.ports
    )
    await world.send_mails()
    await sessions.reset_password(
        sessions.ResetPassword(world.mailer.last_token(), "yet another passphrase"),
        uow=world.uow(),
        ports=world.ports,
    )
    assert len(hasher.inside) >= 5 and set(hasher.inside) == {0}


async def test_logging_in_on_another_tenant_joins_it_as_member(world):
    await world.sign_up()
    await world.log_in(tenant=DRESDEN)
    assert {t for (t, _) in world.store.memberships} == {LEIPZIG.id, DRESDEN.id}


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(world):
    await world.sign_up()
    first = await world.log_in()
    second = await sessions.refresh_session(
        LEIPZIG, first.refresh_token, uow=world.uow(), ports=world.ports
    )
    assert second.refresh_token != first.refresh_token
    with pytest.raises(InvalidToken):
        await sessions.refresh_session(
            LEIPZIG, first.refresh_token, uow=world.uow(), ports=world.ports
        )
    # The thief's replay ended the session for the rightful holder too.
    with pytest.raises(InvalidToken):
        await sessions.refresh_session(
            LEIPZIG, second.refresh_token, uow=world.uow(), ports=world.ports
        )


async def test_a_refresh_token_works_only_on_its_own_tenant(world):
    await world.sign_up()
    session = await world.log_in()
    with pytest.raises(InvalidToken):
        await sessions.refresh_session(
            DRESDEN, session.refresh_token, uow=world.uow(DRESDEN), ports=world.ports
        )


async def test_expired_refresh_tokens_are_refused(world):
    await world.sign_up()
    session = await world.log_in()
    world.clock.advance(days=31)
    with pytest.raises(InvalidToken):
        await sessions.refresh_session(
            LEIPZIG, session.refresh_token, uow=world.uow(), ports=world.ports
        )


async def test_logout_ends_the_session(world):
    await world.sign_up()
    session = await world.log_in()
    await sessions.log_out(session.refresh_token, uow=world.uow(), ports=world.ports)
    with pytest.raises(InvalidToken):
        await sessions.refresh_session(
            LEIPZIG, session.refresh_token, uow=world.uow(), ports=world.ports
        )


async def test_password_change_needs_the_current_one_and_ends_other_sessions(world):
    await world.sign_up()
    session = await world.log_in()
    change = sessions.ChangePassword(session.account_id, "wrong current one", "new passphrase 1")
    with pytest.raises(InvalidCredentials):
        await sessions.change_password(change, uow=world.uow(), ports=world.ports)
    change = sessions.ChangePassword(session.account_id, PASSWORD, "new passphrase 1")
    await sessions.change_password(change, uow=world.uow(), ports=world.ports)
    with pytest.raises(InvalidToken):
        await sessions.refresh_session(
            LEIPZIG, session.refresh_token, uow=world.uow(), ports=world.ports
        )
    assert (await world.log_in(password="new passphrase 1")).access_token


async def test_verification_token_is_single_use(world):
    await world.sign_up()
    token = world.mailer.last_token()
    await sessions.verify_email(token, uow=world.uow(), ports=world.ports)
    assert next(iter(world.store.accounts.values())).email_verified
    with pytest.raises(InvalidToken):
        await sessions.verify_email(token, uow=world.uow(), ports=world.ports)


async def test_reset_links_expire_and_work_once(world):
    await world.sign_up()
    await sessions.request_password_reset(
        LEIPZIG, "ada@example.org", uow=world.uow(), ports=world.ports
    )
    await world.send_mails()
    token = world.mailer.last_token()
    world.clock.advance(hours=2)
    with pytest.raises(InvalidToken):
        await sessions.reset_password(
            sessions.ResetPassword(token, "brand new passphrase"),
            uow=world.uow(),
            ports=world.ports,
        )
    await sessions.request_password_reset(
        LEIPZIG, "ada@example.org", uow=world.uow(), ports=world.ports
    )
    await world.send_mails()
    token = world.mailer.last_token()
    await sessions.reset_password(
        sessions.ResetPassword(token, "brand new passphrase"), uow=world.uow(), ports=world.ports
    )
    with pytest.raises(InvalidToken):
        await sessions.reset_password(
            sessions.ResetPassword(token, "another passphrase"), uow=world.uow(), ports=world.ports
        )
    assert (await world.log_in(password="brand new passphrase")).access_token


async def test_a_reset_for_an_unknown_email_mails_nothing_and_says_nothing(world):
    await sessions.request_password_reset(
        LEIPZIG, "ghost@example.org", uow=world.uow(), ports=world.ports
    )
    await world.send_mails()
    assert world.mailer.sent == []


async def test_a_verification_token_is_no_reset_token(world):
    await world.sign_up()
    with pytest.raises(InvalidToken):
        await sessions.reset_password(
            sessions.ResetPassword(world.mailer.last_token(), "brand new passphrase"),
            uow=world.uow(),
            ports=world.ports,
        )


async def test_sign_up_stores_the_language_as_the_tenant_spells_it_and_mails_in_it(world):
    await sessions.sign_up(
        SignUp(LEIPZIG, "ada@example.org", PASSWORD, "Ada", language="EN"),
        uow=world.uow(),
        ports=world.ports,
    )
    await world.send_mails()
    [account] = world.store.accounts.values()
    assert account.preferred_language == "en"
    assert world.mailer.sent[-1].language == "en"
    assert world.mailer.sent[-1].subject == "Confirm your email address"


async def test_a_sign_up_in_a_language_the_tenant_lacks_is_refused_with_its_other_problems(world):
    with pytest.raises(InvalidInput) as caught:
        await sessions.sign_up(
            SignUp(LEIPZIG, "ada@example.org", "short", "Ada", language="fr"),
            uow=world.uow(),
            ports=world.ports,
        )
    assert {p.field for p in caught.value.problems} == {"password", "language"}
    assert world.store.accounts == {}


async def test_an_account_update_with_one_bad_field_changes_nothing(world):
    await world.sign_up()
    [before] = world.store.accounts.values()
    with pytest.raises(InvalidInput) as caught:
        await sessions.update_account(
            sessions.UpdateAccount(
                before.id, LEIPZIG, display_name="Ada L.", preferred_language="fr"
            ),
            uow=world.uow(),
        )
    assert [p.field for p in caught.value.problems] == ["preferred_language"]
    assert list(world.store.accounts.values()) == [before]
    changed = await sessions.update_account(
        sessions.UpdateAccount(before.id, LEIPZIG, preferred_language="en"), uow=world.uow()
    )
    assert changed.preferred_language == "en" and changed.display_name == before.display_name
    assert list(world.store.accounts.values()) == [changed]
