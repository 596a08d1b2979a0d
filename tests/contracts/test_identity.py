"""Identity's repositories: the fakes against SQL. Accounts, tokens and external identities
are global; memberships and API keys are built for one tenant."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from domain.identity.errors import EmailTaken
from domain.identity.model import ExternalIdentity, Member, Role, Scope
from tests.contracts.entities import (
    AT,
    account,
    api_key,
    later,
    membership,
    one_time_token,
    refresh_token,
)

# Accounts -----------------------------------------------------------------------------


async def test_an_added_account_reads_back_equal_by_id_and_by_email(identity):
    person = account(email_verified_at=later(1), is_operator=True, preferred_language="de-AT")
    await identity.accounts.add(person)
    assert await identity.accounts.get(person.id) == person
    assert await identity.accounts.get_by_email(person.email) == person


async def test_an_unknown_account_is_none(identity):
    assert await identity.accounts.get(uuid.uuid4()) is None
    assert await identity.accounts.get_by_email("nobody@example.org") is None


async def test_a_second_account_with_a_taken_email_is_refused(identity):
    first = account()
    await identity.accounts.add(first)
    with pytest.raises(EmailTaken):
        await identity.accounts.add(account(email=first.email))


async def test_an_updated_account_reads_back_with_its_changes(identity):
    person = account(password_hash=None)
    await identity.accounts.add(person)
    changed = dataclasses.replace(
        person, display_name="Ada L.", password_hash="hashed:new", email_verified_at=later(3)
    )
    await identity.accounts.update(changed)
    assert await identity.accounts.get(person.id) == changed


async def test_an_account_without_a_preferred_language_reads_back_without_one_until_it_has_one(
    identity,
):
    person = account()
    await identity.accounts.add(person)
    stored = await identity.accounts.get(person.id)
    assert stored is not None and stored.preferred_language is None
    await identity.accounts.update(person.preferring("en"))
    assert (await identity.accounts.get_by_email(person.email)).preferred_language == "en"


async def test_updating_an_unknown_account_adds_none(identity):
    stranger = account()
    await identity.accounts.update(stranger)
    assert await identity.accounts.get(stranger.id) is None


# Memberships --------------------------------------------------------------------------


async def test_an_added_membership_reads_back_equal(identity):
    joined = membership(identity.tenant_a, await identity.account(), Role.MODERATOR)
    await identity.a.memberships.add(joined)
    assert await identity.a.memberships.get(joined.account_id) == joined
    assert await identity.a.memberships.get(uuid.uuid4()) is None


async def test_members_are_listed_oldest_first_with_their_display_names(identity):
    newer, older = await identity.account("Berta"), await identity.account("Anton")
    await identity.a.memberships.add(membership(identity.tenant_a, newer, created_at=later(9)))
    await identity.a.memberships.add(
        membership(identity.tenant_a, older, Role.ADMIN, created_at=later(1))
    )
    assert await identity.a.memberships.list_members() == [
        Member(older, "Anton", Role.ADMIN, later(1)),
        Member(newer, "Berta", Role.MEMBER, later(9)),
    ]


async def test_admins_are_counted(identity):
    for role in (Role.ADMIN, Role.MODERATOR, Role.ADMIN, Role.MEMBER):
        await identity.a.memberships.add(
            membership(identity.tenant_a, await identity.account(), role)
        )
    assert await identity.a.memberships.count_admins() == 2


async def test_an_updated_membership_has_its_new_role(identity):
    joined = membership(identity.tenant_a, await identity.account(), Role.MEMBER)
    await identity.a.memberships.add(joined)
    await identity.a.memberships.update(dataclasses.replace(joined, role=Role.ADMIN))
    found = await identity.a.memberships.get(joined.account_id)
    assert found is not None and found.role is Role.ADMIN
    assert await identity.a.memberships.count_admins() == 1


async def test_updating_a_membership_that_does_not_exist_adds_none(identity):
    person = await identity.account()
    await identity.a.memberships.update(membership(identity.tenant_a, person, Role.ADMIN))
    assert await identity.a.memberships.get(person) is None
    assert await identity.a.memberships.count_admins() == 0


async def test_a_removed_membership_is_gone_and_removing_it_again_is_harmless(identity):
    joined = membership(identity.tenant_a, await identity.account())
    await identity.a.memberships.add(joined)
    await identity.a.memberships.remove(joined.account_id)
    await identity.a.memberships.remove(joined.account_id)
    assert await identity.a.memberships.get(joined.account_id) is None
    assert await identity.a.memberships.list_members() == []


async def test_memberships_of_another_tenant_are_out_of_sight(identity):
    person = await identity.account()
    await identity.b.memberships.add(membership(identity.tenant_b, person, Role.ADMIN))
    assert await identity.a.memberships.get(person) is None
    assert await identity.a.memberships.list_members() == []
    assert await identity.a.memberships.count_admins() == 0
    await identity.a.memberships.remove(person)
    assert await identity.b.memberships.get(person) is not None


async def test_a_membership_in_another_tenant_is_refused(identity):
    """A repository built for one tenant writes only that tenant's memberships."""
    person = await identity.account()
    with pytest.raises(ValueError, match="another tenant"):
        await identity.a.memberships.add(membership(identity.tenant_b, person))
    await identity.b.memberships.add(membership(identity.tenant_b, person))
    with pytest.raises(ValueError, match="another tenant"):
        await identity.a.memberships.update(membership(identity.tenant_b, person, Role.ADMIN))
    found = await identity.b.memberships.get(person)
    assert found is not None and found.role is Role.MEMBER


# API keys -----------------------------------------------------------------------------


async def test_an_added_api_key_reads_back_equal_by_id_and_by_prefix(identity):
    key = api_key(identity.tenant_a, await identity.account())
    await identity.a.api_keys.add(key)
    assert await identity.a.api_keys.get(key.id) == key
    assert await identity.a.api_keys.get_by_prefix(key.prefix) == key
    assert await identity.a.api_keys.get(uuid.uuid4()) is None
    assert await identity.a.api_keys.get_by_prefix("unknown") is None


async def test_api_keys_are_listed_oldest_first(identity):
    creator = await identity.account()
    newer = api_key(identity.tenant_a, creator, created_at=later(5))
    older = api_key(identity.tenant_a, creator, created_at=later(1))
    await identity.a.api_keys.add(newer)
    await identity.a.api_keys.add(older)
    assert await identity.a.api_keys.list() == [older, newer]


async def test_an_updated_api_key_reads_back_with_its_changes(identity):
    key = api_key(identity.tenant_a, await identity.account())
    await identity.a.api_keys.add(key)
    changed = dataclasses.replace(
        key,
        name="Renamed",
        scopes=frozenset({Scope.EVENTS_READ}),
        last_used_at=later(2),
        revoked_at=later(3),
    )
    await identity.a.api_keys.update(changed)
    assert await identity.a.api_keys.get(key.id) == changed


async def test_api_keys_of_another_tenant_are_out_of_sight(identity):
    creator = await identity.account()
    theirs = api_key(identity.tenant_b, creator)
    mine = api_key(identity.tenant_a, creator, prefix=theirs.prefix)
    await identity.b.api_keys.add(theirs)
    assert await identity.a.api_keys.get(theirs.id) is None
    assert await identity.a.api_keys.get_by_prefix(theirs.prefix) is None
    assert await identity.a.api_keys.list() == []
    await identity.a.api_keys.add(mine)  # a prefix is unique per tenant only
    assert await identity.a.api_keys.get_by_prefix(theirs.prefix) == mine
    assert await identity.b.api_keys.get_by_prefix(theirs.prefix) == theirs


async def test_an_api_key_of_another_tenant_is_neither_added_nor_changed(identity):
    creator = await identity.account()
    theirs = api_key(identity.tenant_b, creator)
    with pytest.raises(ValueError, match="another tenant"):
        await identity.a.api_keys.add(theirs)
    await identity.b.api_keys.add(theirs)
    await identity.a.api_keys.update(dataclasses.replace(theirs, revoked_at=later(1)))
    assert await identity.b.api_keys.get(theirs.id) == theirs


# One-time tokens ----------------------------------------------------------------------


async def test_an_added_one_time_token_reads_back_equal_by_its_hash(identity):
    token = one_time_token(identity.tenant_a, await identity.account())
    invite = one_time_token(identity.tenant_b)  # an invitation names no account yet
    await identity.one_time_tokens.add(token)
    await identity.one_time_tokens.add(invite)
    assert await identity.one_time_tokens.get_by_hash(token.token_hash) == token
    assert await identity.one_time_tokens.get_by_hash(invite.token_hash) == invite
    assert await identity.one_time_tokens.get_by_hash("0" * 64) is None


async def test_a_one_time_token_is_used_once(identity):
    token = one_time_token(identity.tenant_a, await identity.account())
    await identity.one_time_tokens.add(token)
    assert await identity.one_time_tokens.mark_used(token.id, later(1)) is True
    assert await identity.one_time_tokens.mark_used(token.id, later(2)) is False
    found = await identity.one_time_tokens.get_by_hash(token.token_hash)
    assert found is not None and found.used_at == later(1)


async def test_marking_an_unknown_one_time_token_used_answers_false(identity):
    assert await identity.one_time_tokens.mark_used(uuid.uuid4(), AT) is False


# Refresh tokens -----------------------------------------------------------------------


async def test_an_added_refresh_token_reads_back_equal_and_is_used_once(identity):
    token = refresh_token(identity.tenant_a, await identity.account())
    await identity.refresh_tokens.add(token)
    assert await identity.refresh_tokens.get_by_hash(token.token_hash) == token
    assert await identity.refresh_tokens.get_by_hash("0" * 64) is None
    assert await identity.refresh_tokens.mark_used(token.id, later(1)) is True
    assert await identity.refresh_tokens.mark_used(token.id, later(2)) is False
    assert await identity.refresh_tokens.mark_used(uuid.uuid4(), later(2)) is False


async def test_revoking_a_family_revokes_its_live_links_only(identity):
    person = await identity.account()
    family = uuid.uuid4()
    early = refresh_token(identity.tenant_a, person, family_id=family, revoked_at=later(1))
    live = refresh_token(identity.tenant_a, person, family_id=family)
    other = refresh_token(identity.tenant_a, person)
    for token in (early, live, other):
        await identity.refresh_tokens.add(token)
    await identity.refresh_tokens.revoke_family(family, later(5))
    read = identity.refresh_tokens.get_by_hash
    assert (await read(early.token_hash)).revoked_at == later(1)  # its first revocation stays
    assert (await read(live.token_hash)).revoked_at == later(5)
    assert (await read(other.token_hash)).revoked_at is None


async def test_revoking_all_of_an_account_spares_other_accounts(identity):
    mine, theirs = await identity.account(), await identity.account()
    tokens = [
        refresh_token(identity.tenant_a, mine),
        refresh_token(identity.tenant_b, mine),
        refresh_token(identity.tenant_a, theirs),
    ]
    for token in tokens:
        await identity.refresh_tokens.add(token)
    await identity.refresh_tokens.revoke_all_of(mine, later(5))
    revoked = [(await identity.refresh_tokens.get_by_hash(t.token_hash)).revoked_at for t in tokens]
    assert revoked == [later(5), later(5), None]


# External identities ------------------------------------------------------------------


async def test_an_added_external_identity_reads_back_by_issuer_and_subject(identity):
    link = ExternalIdentity("https://id.example", "sub-1", await identity.account(), AT)
    await identity.external_identities.add(link)
    assert await identity.external_identities.get(link.issuer, link.subject) == link
    assert await identity.external_identities.get("https://other.example", "sub-1") is None
    assert await identity.external_identities.get(link.issuer, "sub-2") is None
