"""Signed access tokens with real keys: expiry, issuer, key rotation."""

import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from adapters.jwt_tokens import JwtAccessTokens, generate_signing_key
from domain.identity.errors import InvalidToken
from tests.fakes import FixedClock

ACCOUNT, TENANT = uuid.uuid4(), uuid.uuid4()


def issue(tokens: JwtAccessTokens) -> str:
    return tokens.issue(account_id=ACCOUNT, tenant_id=TENANT, tenant_slug="leipzig")


def test_a_token_verifies_and_names_account_and_tenant():
    tokens = JwtAccessTokens(KeySet([generate_signing_key()]), now=FixedClock().now)
    claims = tokens.verify(issue(tokens))
    assert (claims.account_id, claims.tenant_id) == (ACCOUNT, TENANT)


def test_an_expired_token_is_refused():
    clock = FixedClock()
    tokens = JwtAccessTokens(KeySet([generate_signing_key()]), now=clock.now)
    token = issue(tokens)
    clock.advance(minutes=16)
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_a_token_from_another_issuer_with_the_same_key_is_refused():
    key = generate_signing_key()
    tokens = JwtAccessTokens(KeySet([key]), now=FixedClock().now)
    now = int(FixedClock().now().timestamp())
    foreign = jwt.encode(
        {"alg": "ES256", "kid": key.kid},
        {
            "iss": "elsewhere",
            "aud": "stadtkern",
            "sub": str(ACCOUNT),
            "tid": str(TENANT),
            "exp": now + 60,
        },
        key,
    )
    with pytest.raises(InvalidToken):
        tokens.verify(foreign)


def test_after_rotation_the_old_key_still_verifies_and_the_new_one_signs():
    old, new = generate_signing_key(), generate_signing_key()
    before = JwtAccessTokens(KeySet([old]), now=FixedClock().now)
    after = JwtAccessTokens(KeySet([new, old]), now=FixedClock().now)
    assert after.verify(issue(before)).account_id == ACCOUNT
    fresh = issue(after)
    assert jwt.decode(fresh, KeySet([new])).header["kid"] == new.kid
    assert {k["kid"] for k in after.public_jwks()["keys"]} == {old.kid, new.kid}
    dropped = JwtAccessTokens(KeySet([new]), now=FixedClock().now)
    with pytest.raises(InvalidToken):
        dropped.verify(issue(before))
