"""In-memory fakes of the ports, for unit tests of use cases (no I/O)."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Self

from domain.identity.errors import EmailTaken, InvalidToken
from domain.identity.model import Member
from domain.identity.ports import AccessClaims, LoginAttempt
from domain.tenancy.errors import HostnameTaken, SlugTaken
from domain.tenancy.model import Tenant


class FixedClock:
    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class SequentialIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._counter))


class FakeTenantRepository:
    def __init__(self, tenants: list[Tenant] | None = None) -> None:
        self.rows: dict[str, Tenant] = {t.slug: t for t in tenants or []}

    async def list_all(self) -> list[Tenant]:
        return sorted(self.rows.values(), key=lambda t: t.slug)

    async def get_by_slug(self, slug: str) -> Tenant | None:
        return self.rows.get(slug)

    async def add(self, tenant: Tenant) -> None:
        assert tenant.config.parent is None or tenant.config.parent in self.rows, "parent first"
        if tenant.slug in self.rows:
            raise SlugTaken()
        self._refuse_taken_hostnames(tenant)
        self.rows[tenant.slug] = tenant

    async def update(self, tenant: Tenant) -> None:
        self._refuse_taken_hostnames(tenant)
        self.rows[tenant.slug] = tenant

    def _refuse_taken_hostnames(self, tenant: Tenant) -> None:
        """As the database's key on hostnames does (a racing apply)."""
        for other in self.rows.values():
            if other.id != tenant.id and set(other.config.hostnames) & set(tenant.config.hostnames):
                raise HostnameTaken()


class FakeUnitOfWork:
    """Writes become visible to `committed` only on commit, like a transaction."""

    def __init__(self, tenants: list[Tenant] | None = None) -> None:
        self.committed = FakeTenantRepository(tenants)
        self.tenants = FakeTenantRepository()
        self.commits = 0

    async def __aenter__(self) -> Self:
        self.tenants = FakeTenantRepository(list(self.committed.rows.values()))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.tenants = FakeTenantRepository(list(self.committed.rows.values()))

    async def commit(self) -> None:
        self.committed = FakeTenantRepository(list(self.tenants.rows.values()))
        self.commits += 1

    async def rollback(self) -> None:
        self.tenants = FakeTenantRepository(list(self.committed.rows.values()))


class DictTenantLookup:
    def __init__(self, *tenants: Tenant) -> None:
        self.tenants = list(tenants)

    async def by_slug(self, slug: str) -> Tenant | None:
        return next((t for t in self.tenants if t.slug == slug), None)

    async def by_hostname(self, hostname: str) -> Tenant | None:
        return next((t for t in self.tenants if hostname in t.config.hostnames), None)


def stored(config, *, number: int = 1) -> Tenant:  # type: ignore[no-untyped-def]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Tenant(uuid.UUID(int=1000 + number), config, created_at=at, updated_at=at)


# Identity fakes -------------------------------------------------------------------------


class FakeHasher:
    """Counts the slow calls: `hashed` (hash) and `spent` (verify or its stand-in)."""

    def __init__(self) -> None:
        self.spent = 0
        self.hashed = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return "hashed:" + password

    async def verify(self, password_hash: str, password: str) -> bool:
        self.spent += 1
        return password_hash == "hashed:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False

    async def spend_verify_time(self, password: str) -> None:
        self.spent += 1


class FakeDeviceTokens:
    """Device tokens as readable strings: device|account|n; anything else is not genuine."""

    def __init__(self) -> None:
        self.issued = 0

    def issue(self, account_id: uuid.UUID, stamp: str) -> str:
        self.issued += 1
        return f"device|{account_id}|{stamp}|{self.issued}"

    def account_of(self, token: str) -> tuple[uuid.UUID, str] | None:
        kind, account, stamp, *_ = [*token.split("|"), "", "", ""][:4]
        try:
            return (uuid.UUID(account), stamp) if kind == "device" else None
        except ValueError:
            return None


class FakeTokens:
    """Access tokens as readable strings: account|tenant."""

    def issue(self, *, account_id, tenant_id, tenant_slug):  # type: ignore[no-untyped-def]
        return f"at|{account_id}|{tenant_id}"

    def verify(self, token: str):  # type: ignore[no-untyped-def]
        parts = token.split("|")
        if len(parts) != 3 or parts[0] != "at":
            raise InvalidToken()
        return AccessClaims(
            uuid.UUID(parts[1]), uuid.UUID(parts[2]), datetime.max.replace(tzinfo=UTC)
        )


class CountingSecrets:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_secret(self, nbytes: int = 32) -> str:
        return f"secret{next(self._counter)}"


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list = []

    async def send(self, mail) -> None:  # type: ignore[no-untyped-def]
        self.sent.append(mail)

    def last_link(self) -> str:
        return re.search(r"https?://\S+", self.sent[-1].text).group(0)  # type: ignore[union-attr]

    def last_token(self) -> str:
        return self.last_link().split("token=")[1]


class FakeThrottle:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def failures(self, account_key: str) -> tuple[int, int]:
        return self.counts.get(account_key, 0), 3600

    async def begin_attempt(self, account_key: str) -> LoginAttempt:
        self.counts[account_key] = self.counts.get(account_key, 0) + 1
        return LoginAttempt(self.counts[account_key], 3600, account_key)

    async def attempt_succeeded(self, attempt: LoginAttempt) -> None:
        self.counts[attempt.counter] -= 1


class FakeIdentityStore:
    """Every identity table, as plain dicts keyed like the database."""

    def __init__(self) -> None:
        self.accounts: dict = {}
        self.memberships: dict = {}
        self.api_keys: dict = {}
        self.one_time_tokens: dict = {}
        self.refresh_tokens: dict = {}
        self.external_identities: dict = {}
        self.outbox: list = []  # the events of committed units of work, in order

    def copy(self) -> FakeIdentityStore:
        clone = FakeIdentityStore()
        for name, rows in vars(self).items():
            setattr(clone, name, dict(rows) if isinstance(rows, dict) else rows)
        return clone


class FakeIdentityUnitOfWork:
    open_blocks = 0  # units of work inside their `async with`, across instances

    def __init__(self, store: FakeIdentityStore, tenant_id: uuid.UUID) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.commits = 0
        self.recorded: list = []

    def record(self, event) -> None:  # type: ignore[no-untyped-def]
        assert event.tenant_id == self.tenant_id, "an event of another tenant"
        self.recorded.append(event)

    async def __aenter__(self) -> Self:
        FakeIdentityUnitOfWork.open_blocks += 1
        self.working = self.store.copy()
        self.recorded = []
        w, tid = self.working, self.tenant_id
        self.accounts = _Repo(w.accounts, key=lambda a: a.id, email_index=True)
        self.memberships = _Memberships(w.memberships, tid, w.accounts)
        self.api_keys = _ApiKeys(w.api_keys, tid)
        self.one_time_tokens = _Tokens(w.one_time_tokens)
        self.refresh_tokens = _RefreshTokens(w.refresh_tokens)
        self.external_identities = _Repo(w.external_identities, key=lambda e: (e.issuer, e.subject))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        FakeIdentityUnitOfWork.open_blocks -= 1
        self.working = None  # type: ignore[assignment]

    async def commit(self) -> None:
        for name in vars(self.working):
            setattr(self.store, name, getattr(self.working, name))
        self.store.outbox.extend(self.recorded)
        self.recorded = []
        self.commits += 1

    async def rollback(self) -> None:
        self.working = self.store.copy()
        self.recorded = []


class _Repo:
    def __init__(self, rows: dict, *, key, email_index: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.rows, self.key, self.email_index = rows, key, email_index

    async def get(self, *key):  # type: ignore[no-untyped-def]
        return self.rows.get(key[0] if len(key) == 1 else key)

    async def get_by_email(self, email: str):  # type: ignore[no-untyped-def]
        return next((a for a in self.rows.values() if a.email == email), None)

    async def add(self, item) -> None:  # type: ignore[no-untyped-def]
        if self.email_index and any(a.email == item.email for a in self.rows.values()):
            raise EmailTaken()
        self.rows[self.key(item)] = item

    async def update(self, item) -> None:  # type: ignore[no-untyped-def]
        if self.key(item) in self.rows:  # as SQL's UPDATE: an unknown row stays unknown
            self.rows[self.key(item)] = item


class _Memberships:
    def __init__(self, rows: dict, tenant_id, accounts: dict) -> None:  # type: ignore[no-untyped-def]
        self.rows, self.tenant_id, self.accounts = rows, tenant_id, accounts

    async def get(self, account_id):  # type: ignore[no-untyped-def]
        return self.rows.get((self.tenant_id, account_id))

    async def list_members(self):  # type: ignore[no-untyped-def]
        mine = [m for (t, _), m in self.rows.items() if t == self.tenant_id]
        return [
            Member(m.account_id, self.accounts[m.account_id].display_name, m.role, m.created_at)
            for m in sorted(mine, key=lambda m: (m.created_at, m.account_id))
        ]

    async def count_admins(self) -> int:
        return sum(
            1 for (t, _), m in self.rows.items() if t == self.tenant_id and m.role == "admin"
        )

    async def add(self, membership) -> None:  # type: ignore[no-untyped-def]
        self._require_mine(membership.tenant_id)
        self.rows[(membership.tenant_id, membership.account_id)] = membership

    async def update(self, membership) -> None:  # type: ignore[no-untyped-def]
        self._require_mine(membership.tenant_id)
        key = (membership.tenant_id, membership.account_id)
        if key in self.rows:  # SQL changes the role of an existing membership only
            self.rows[key] = replace(self.rows[key], role=membership.role)

    def _require_mine(self, tenant_id) -> None:  # type: ignore[no-untyped-def]
        if tenant_id != self.tenant_id:
            raise ValueError("a membership of another tenant given to this tenant's repository")

    async def remove(self, account_id) -> None:  # type: ignore[no-untyped-def]
        self.rows.pop((self.tenant_id, account_id), None)


class _ApiKeys:
    def __init__(self, rows: dict, tenant_id) -> None:  # type: ignore[no-untyped-def]
        self.rows, self.tenant_id = rows, tenant_id

    def _mine(self):  # type: ignore[no-untyped-def]
        return [k for k in self.rows.values() if k.tenant_id == self.tenant_id]

    async def get(self, key_id):  # type: ignore[no-untyped-def]
        return next((k for k in self._mine() if k.id == key_id), None)

    async def get_by_prefix(self, prefix):  # type: ignore[no-untyped-def]
        return next((k for k in self._mine() if k.prefix == prefix), None)

    async def list(self):  # type: ignore[no-untyped-def]
        return sorted(self._mine(), key=lambda k: (k.created_at, k.id))

    async def add(self, key) -> None:  # type: ignore[no-untyped-def]
        if key.tenant_id != self.tenant_id:
            raise ValueError("an API key of another tenant given to this tenant's repository")
        self.rows[key.id] = key

    async def update(self, key) -> None:  # type: ignore[no-untyped-def]
        stored = await self.get(key.id)
        if stored is not None:  # SQL changes these columns of this tenant's key only
            self.rows[key.id] = replace(
                stored,
                name=key.name,
                scopes=key.scopes,
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
            )


class _Tokens:
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def get_by_hash(self, token_hash):  # type: ignore[no-untyped-def]
        return next((t for t in self.rows.values() if t.token_hash == token_hash), None)

    async def add(self, token) -> None:  # type: ignore[no-untyped-def]
        self.rows[token.id] = token

    async def mark_used(self, token_id, at) -> bool:  # type: ignore[no-untyped-def]
        token = self.rows.get(token_id)
        if token is None or token.used_at is not None:
            return False
        self.rows[token_id] = replace(token, used_at=at)
        return True


class _RefreshTokens(_Tokens):
    async def revoke_family(self, family_id, at) -> None:  # type: ignore[no-untyped-def]
        for key, token in list(self.rows.items()):
            if token.family_id == family_id and token.revoked_at is None:
                self.rows[key] = replace(token, revoked_at=at)

    async def revoke_all_of(self, account_id, at) -> None:  # type: ignore[no-untyped-def]
        for key, token in list(self.rows.items()):
            if token.account_id == account_id and token.revoked_at is None:
                self.rows[key] = replace(token, revoked_at=at)


async def send_mails(store: FakeIdentityStore, ports, *tenants) -> None:  # type: ignore[no-untyped-def]
    """What the worker does after commits: every mail event in the outbox sent once, on a unit
    of work of the event's tenant (`tenants` are TenantRefs)."""
    from domain.identity.mails import MAIL_EVENTS, send_identity_mail

    by_id = {t.id: t for t in tenants}
    events = list(store.outbox)
    del store.outbox[:]
    for number, event in enumerate(events):
        if isinstance(event, MAIL_EVENTS):
            await send_identity_mail(
                event,
                by_id[event.tenant_id],
                key=f"test-{number}",
                uow=FakeIdentityUnitOfWork(store, event.tenant_id),
                ports=ports,
            )
