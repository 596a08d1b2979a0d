"""Verifying ID tokens of a tenant's OpenID Connect provider: discovery, a JWKS cache
(refetched on an unknown key id), and every claim check (issuer, audience, expiry, nonce)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from domain.identity.errors import InvalidToken
from domain.identity.ports import VerifiedIdToken

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
CACHE_SECONDS = 3600
REFETCH_AT_MOST_EVERY = 60


@dataclass
class _Provider:
    jwks_uri: str
    keys: KeySet
    fetched_at: float


class OidcProviders:
    """Discovery documents and key sets per issuer, shared by all tenants of a process."""

    def __init__(
        self, client: httpx.AsyncClient, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._monotonic = monotonic
        self._providers: dict[str, _Provider] = {}

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._client.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise InvalidToken("the sign-on provider could not be reached") from exc

    async def keys(self, issuer: str, *, refresh: bool = False) -> KeySet:
        provider = self._providers.get(issuer)
        now = self._monotonic()
        fresh = provider and now - provider.fetched_at < CACHE_SECONDS
        recent = provider and now - provider.fetched_at < REFETCH_AT_MOST_EVERY
        if provider and ((fresh and not refresh) or (refresh and recent)):
            return provider.keys
        discovery = await self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if discovery.get("issuer") != issuer or "jwks_uri" not in discovery:
            raise InvalidToken("the provider's discovery document names another issuer")
        jwks = await self._get_json(discovery["jwks_uri"])
        try:
            keys = KeySet.import_key_set(jwks)
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("the provider's key set is unreadable") from exc
        self._providers[issuer] = _Provider(discovery["jwks_uri"], keys, now)
        return keys


class OidcIdTokenVerifier:
    """The IdTokenVerifier port for one tenant's provider."""

    def __init__(
        self, providers: OidcProviders, *, issuer: str, client_id: str, now: Callable[[], int]
    ) -> None:
        self._providers = providers
        self._issuer = issuer
        self._client_id = client_id
        self._now = now

    async def verify(self, id_token: str, *, nonce: str) -> VerifiedIdToken:
        keys = await self._providers.keys(self._issuer)
        try:
            decoded = jwt.decode(id_token, keys, algorithms=list(ALLOWED_ALGORITHMS))
        except JoseError:
            # Perhaps the provider rotated its keys: fetch them again (rarely) and retry.
            keys = await self._providers.keys(self._issuer, refresh=True)
            try:
                decoded = jwt.decode(id_token, keys, algorithms=list(ALLOWED_ALGORITHMS))
            except (JoseError, ValueError) as exc:
                raise InvalidToken("the ID token's signature does not verify") from exc
        except ValueError as exc:
            raise InvalidToken("the ID token is malformed") from exc
        claims = decoded.claims
        try:
            jwt.JWTClaimsRegistry(
                now=self._now(),
                leeway=30,
                iss={"essential": True, "value": self._issuer},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(claims)
        except JoseError as exc:
            raise InvalidToken(f"the ID token is not valid here: {exc.error}") from exc
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._client_id not in audiences:
            raise InvalidToken("the ID token is for another client")
        return VerifiedIdToken(
            issuer=claims["iss"],
            subject=str(claims["sub"]),
            email=claims.get("email"),
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name"),
        )
