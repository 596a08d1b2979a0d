"""Policies, API keys, members, invitations and authentication, with fakes (no I/O)."""

import uuid
from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.identity import api_keys, members
from domain.identity.authentication import authenticate, split_api_key
from domain.identity.errors import (
    AccountRequired,
    InvalidToken,
    LastAdmin,
    NotAMember,
    RoleRequired,
    ScopeRequired,
    Unauthenticated,
)
from domain.identity.model import (
    Account,
    Anonymous,
    Membership,
    PartnerKey,
    Person,
    Role,
    Scope,
)
from domain.identity.policies import require_member, require_scope_or_role
from domain.identity.sessions import IdentityPorts, TenantRef
from tests.fakes import (
    CountingSecrets,
    FakeDeviceTokens,
    FakeHasher,
    FakeIdentityStore,
    FakeIdentityUnitOfWork,
    FakeTokens,
    FixedClock,
    RecordingMailer,
    SequentialIds,
    send_mails,
)

TENANT = uuid.UUID(int=900)
OTHER = uuid.UUID(int=901)
AT = datetime(2026, 1, 1, tzinfo=UTC)


def person(role, tenant=TENANT, operator=False):  # type: ignore[no-untyped-def]
    return Person(tenant, uuid.UUID(int=1), role, operator)


@pytest.mark.parametrize(
    ("principal", "needed", "error"),
    [
        (Anonymous(TENANT), Role.MEMBER, Unauthenticated),
        (PartnerKey(TENANT, uuid.uuid4(), frozenset(Scope)), Role.MEMBER, AccountRequired),
        (person(None), Role.MEMBER, NotAMember),
        (person(Role.MEMBER), Role.MODERATOR, RoleRequired),
        (person(Role.MODERATOR), Role.ADMIN, RoleRequired),
    ],
)
def test_require_member_refuses(principal, needed, error):
    with pytest.raises(error):
        require_member(principal, needed)


@pytest.mark.parametrize(
    ("principal", "needed"),
    [
        (person(Role.ADMIN), Role.MODERATOR),
        (person(Role.MODERATOR), Role.MODERATOR),
        (person(None, operator=True), Role.ADMIN),
    ],
)
def test_require_member_admits_higher_roles_and_operators(principal, needed):
    assert require_member(principal, needed) == principal


def test_partner_keys_need_the_scope_people_need_the_role():
    key = PartnerKey(TENANT, uuid.uuid4(), frozenset({Scope.CAMPAIGNS_READ}))
    assert require_scope_or_role(key, Scope.CAMPAIGNS_READ, Role.ADMIN) == key
    with pytest.raises(ScopeRequired):
        require_scope_or_role(key, Scope.CAMPAIGNS_WRITE, Role.ADMIN)
    with pytest.raises(RoleRequired):
        require_scope_or_role(person(Role.MEMBER), Scope.CAMPAIGNS_WRITE, Role.ADMIN)


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    s = FakeIdentityStore()
    for n, role in ((1, Role.ADMIN), (2, Role.MEMBER)):
        account = Account(uuid.UUID(int=n), f"p{n}@example.org", f"P{n}", "hashed:x", AT)
        s.accounts[account.id] = account
        s.memberships[(TENANT, account.id)] = Membership(TENANT, account.id, role, AT)
    return s


def uow(store, tenant=TENANT):  # type: ignore[no-untyped-def]
    return FakeIdentityUnitOfWork(store, tenant)


async def create_key(store, principal, scopes=frozenset({Scope.SYNC_READ})):  # type: ignore[no-untyped-def]
    return await api_keys.create_api_key(
        api_keys.CreateApiKey("Partner", scopes),
        principal,
        uow=uow(store),
        secrets=CountingSecrets(),
        clock=FixedClock(),
        ids=SequentialIds(),
    )


async def test_admins_create_keys_whose_secret_is_stored_only_as_a_digest(store):
    created = await create_key(store, person(Role.ADMIN))
    assert created.secret.startswith(f"sk_{created.key.prefix}_")
    stored = next(iter(store.api_keys.values()))
    assert created.secret not in repr(stored) and stored.secret_hash != created.secret
    assert split_api_key(created.secret) == created.key.prefix


async def test_members_cannot_create_keys_and_keys_need_a_scope(store):
    with pytest.raises(RoleRequired):
        await create_key(store, person(Role.MEMBER))
    with pytest.raises(InvalidInput):
        await create_key(store, person(Role.ADMIN), scopes=frozenset())


async def test_a_key_authenticates_with_its_scopes_until_revoked(store):
    created = await create_key(store, person(Role.ADMIN))
    clock = FixedClock()
    principal = await authenticate(
        TENANT, created.secret, uow=uow(store), tokens=FakeTokens(), clock=clock
    )
    assert principal == PartnerKey(TENANT, created.key.id, frozenset({Scope.SYNC_READ}))
    assert store.api_keys[created.key.id].last_used_at == clock.now()
    await api_keys.revoke_api_key(created.key.id, person(Role.ADMIN), uow=uow(store), clock=clock)
    with pytest.raises(InvalidToken):
        await authenticate(TENANT, created.secret, uow=uow(store), tokens=FakeTokens(), clock=clock)


async def test_a_key_of_one_tenant_is_unknown_on_another(store):
    created = await create_key(store, person(Role.ADMIN))
    with pytest.raises(InvalidToken):
        await authenticate(
            OTHER, created.secret, uow=uow(store, OTHER), tokens=FakeTokens(), clock=FixedClock()
        )


async def test_a_guessed_secret_with_a_real_prefix_fails(store):
    created = await create_key(store, person(Role.ADMIN))
    forged = f"sk_{created.key.prefix}_guess"
    with pytest.raises(InvalidToken):
        await authenticate(TENANT, forged, uow=uow(store), tokens=FakeTokens(), clock=FixedClock())


async def test_a_token_of_another_tenant_needs_a_membership_here(store):
    ada = uuid.UUID(int=2)
    token = FakeTokens().issue(account_id=ada, tenant_id=TENANT, tenant_slug="t")
    here = await authenticate(
        TENANT, token, uow=uow(store), tokens=FakeTokens(), clock=FixedClock()
    )
    assert here == Person(TENANT, ada, Role.MEMBER)
    with pytest.raises(NotAMember):
        await authenticate(
            OTHER, token, uow=uow(store, OTHER), tokens=FakeTokens(), clock=FixedClock()
        )
    store.memberships[(OTHER, ada)] = Membership(OTHER, ada, Role.MODERATOR, AT)
    there = await authenticate(
        OTHER, token, uow=uow(store, OTHER), tokens=FakeTokens(), clock=FixedClock()
    )
    assert there.role is Role.MODERATOR


async def test_no_credential_is_anonymous(store):
    assert await authenticate(
        TENANT, None, uow=uow(store), tokens=FakeTokens(), clock=FixedClock()
    ) == Anonymous(TENANT)


async def test_the_last_admin_cannot_be_demoted_or_removed(store):
    admin = person(Role.ADMIN)
    with pytest.raises(LastAdmin):
        await members.set_member_role(uuid.UUID(int=1), Role.MEMBER, admin, uow=uow(store))
    with pytest.raises(LastAdmin):
        await members.remove_member(uuid.UUID(int=1), admin, uow=uow(store))
    await members.set_member_role(uuid.UUID(int=2), Role.ADMIN, admin, uow=uow(store))
    await members.set_member_role(uuid.UUID(int=1), Role.MEMBER, admin, uow=uow(store))
    assert store.memberships[(TENANT, uuid.UUID(int=1))].role is Role.MEMBER


async def test_members_may_leave_but_not_remove_others(store):
    member = Person(TENANT, uuid.UUID(int=2), Role.MEMBER)
    with pytest.raises(RoleRequired):
        await members.remove_member(uuid.UUID(int=1), member, uow=uow(store))
    await members.remove_member(uuid.UUID(int=2), member, uow=uow(store))
    assert (TENANT, uuid.UUID(int=2)) not in store.memberships


async def test_an_invitation_makes_a_new_account_admin_once(store):
    mailer = RecordingMailer()
    ports = IdentityPorts(
        FakeHasher(),
        FakeTokens(),
        FakeDeviceTokens(),
        CountingSecrets(),
        mailer,
        FixedClock(),
        SequentialIds(),
    )
    tenant = TenantRef(TENANT, "t", "https://t.example", ("de",))
    await members.invite_admin(tenant, "new.admin@example.org", uow=uow(store), ports=ports)
    await send_mails(store, ports, tenant)
    token = mailer.last_token()
    with pytest.raises(InvalidInput):  # a new account needs a password
        await members.accept_invite(
            members.AcceptInvite(token), TENANT, uow=uow(store), ports=ports
        )
    account_id = await members.accept_invite(
        members.AcceptInvite(token, "New Admin", "a long passphrase"),
        TENANT,
        uow=uow(store),
        ports=ports,
    )
    assert store.memberships[(TENANT, account_id)].role is Role.ADMIN
    assert store.accounts[account_id].email_verified
    with pytest.raises(InvalidToken):
        await members.accept_invite(
            members.AcceptInvite(token), TENANT, uow=uow(store), ports=ports
        )


async def test_operators_are_set_only_through_the_use_case_the_cli_calls(store):
    changed = await members.set_operator("P1@example.org", True, uow=uow(store))
    assert changed.is_operator and store.accounts[changed.id].is_operator
