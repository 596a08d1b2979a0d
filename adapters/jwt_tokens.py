"""Access tokens: ES256-signed JWTs (joserfc). The first key of the key set signs; every key
verifies, so a rotated-out key keeps verifying its tokens until it is removed."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from domain.identity.errors import InvalidToken
from domain.identity.model import ACCESS_TOKEN_LIFETIME
from domain.identity.ports import AccessClaims

ISSUER = "stadtkern"
ALGORITHM = "ES256"
DEVICE_AUDIENCE = "stadtkern-device"  # never accepted where an access token is, nor back
DEVICE_TOKEN_LIFETIME = timedelta(days=365)


def generate_signing_key() -> ECKey:
    kid = datetime.now(UTC).strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8]
    return ECKey.generate_key("P-256", {"kid": kid, "use": "sig", "alg": ALGORITHM}, private=True)


def key_set_from_json(text: str) -> KeySet:
    """A private JWK set as JSON; every key must be EC P-256 with a kid."""
    keys = KeySet.import_key_set(json.loads(text))
    if not keys.keys or any(not k.kid or k.key_type != "EC" for k in keys.keys):
        raise ValueError("needs EC P-256 keys, each with a kid")
    return keys


def key_set_to_json(keys: KeySet) -> str:
    return json.dumps(keys.as_dict(private=True))


def development_key_set(path: Path) -> KeySet:
    """A key set kept in a local file, made once; for the embedded default only."""
    try:
        return key_set_from_json(path.read_text())
    except FileNotFoundError:
        pass
    keys = KeySet([generate_signing_key()])
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return key_set_from_json(path.read_text())
    with os.fdopen(fd, "w") as f:
        f.write(key_set_to_json(keys))
    return keys


class JwtAccessTokens:
    def __init__(
        self,
        keys: KeySet,
        *,
        now: Callable[[], datetime],
        lifetime: timedelta = ACCESS_TOKEN_LIFETIME,
    ) -> None:
        self._keys = keys
        self._signer = keys.keys[0]
        self._now = now
        self._lifetime = lifetime

    def public_jwks(self) -> dict[str, Any]:
        return self._keys.as_dict(private=False)

    def issue(self, *, account_id: UUID, tenant_id: UUID, tenant_slug: str) -> str:
        now = self._now()
        claims = {
            "iss": ISSUER,
            "sub": str(account_id),
            "aud": ISSUER,
            "tid": str(tenant_id),
            "tenant": tenant_slug,
            "iat": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": ALGORITHM, "kid": self._signer.kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, self._signer, algorithms=[ALGORITHM])

    def verify(self, token: str) -> AccessClaims:
        try:
            decoded = jwt.decode(token, self._keys, algorithms=[ALGORITHM])
            # decode checks the signature only; the claims are checked here (LIBRARY-NOTES).
            jwt.JWTClaimsRegistry(
                now=int(self._now().timestamp()),
                leeway=5,
                iss={"essential": True, "value": ISSUER},
                aud={"essential": True, "value": ISSUER},
                exp={"essential": True},
                sub={"essential": True},
                tid={"essential": True},
            ).validate(decoded.claims)
            claims = decoded.claims
            return AccessClaims(
                account_id=UUID(claims["sub"]),
                tenant_id=UUID(claims["tid"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken() from exc


class JwtDeviceTokens:
    """Device tokens as JWTs signed with the access-token keys, for another audience: no table,
    and they outlive a key only until that key leaves the set."""

    def __init__(self, keys: KeySet, *, now: Callable[[], datetime]) -> None:
        self._keys = keys
        self._signer = keys.keys[0]
        self._now = now

    def issue(self, account_id: UUID, stamp: str) -> str:
        now = self._now()
        claims = {
            "iss": ISSUER,
            "aud": DEVICE_AUDIENCE,
            "sub": str(account_id),
            "pwd": stamp,
            "iat": int(now.timestamp()),
            "exp": int((now + DEVICE_TOKEN_LIFETIME).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": ALGORITHM, "kid": self._signer.kid, "typ": "device+jwt"}
        return jwt.encode(header, claims, self._signer, algorithms=[ALGORITHM])

    def account_of(self, token: str) -> tuple[UUID, str] | None:
        try:
            decoded = jwt.decode(token, self._keys, algorithms=[ALGORITHM])
            jwt.JWTClaimsRegistry(
                now=int(self._now().timestamp()),
                iss={"essential": True, "value": ISSUER},
                aud={"essential": True, "value": DEVICE_AUDIENCE},
                exp={"essential": True},
                sub={"essential": True},
                pwd={"essential": True},
            ).validate(decoded.claims)
            return UUID(decoded.claims["sub"]), str(decoded.claims["pwd"])
        except (JoseError, ValueError, KeyError, TypeError):
            return None
