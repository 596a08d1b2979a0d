"""Which browser origins may read a tenant's API answers (CORS), and how an origin is spelled.

An origin is compared as the exact string a browser sends in its `Origin` header: scheme,
lower-case host and a port only when it is not the scheme's default. A tenant file lists them
under `[cors] allowed_origins`; without that list the tenant's own addresses are allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from domain.tenancy.model import TenantConfig

ANY_ORIGIN = "*"
MAX_ALLOWED_ORIGINS = 100
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ORIGIN = re.compile(
    r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>\[[0-9a-f:.]+\]|[^/:?#@\[\]\s]+)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Any port on this machine: `localhost`, `127.0.0.1`, `[::1]` and `*.localhost`, which
# browsers resolve to loopback themselves (RFC 6761), so no other machine can serve them.
_LOOPBACK_ORIGIN = re.compile(
    r"^https?://(?:localhost|127\.0\.0\.1|\[::1\]|(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+localhost)"
    r"(?::[0-9]{1,5})?$"
)


def is_loopback_origin(origin: str) -> bool:
    return bool(_LOOPBACK_ORIGIN.match(origin))


def origin_problem(value: str) -> str | None:
    """Why `value` is not an origin a tenant may allow, or None when it is one."""
    if value == ANY_ORIGIN:
        return None
    match = _ORIGIN.match(value)
    if match is None:
        return "must be an origin like https://app.example: scheme, host, port; no path or '/'"
    scheme, host, port = match["scheme"], match["host"], match["port"]
    if scheme not in _DEFAULT_PORTS:
        return "must start with https:// (http:// only on this machine)"
    if not _is_host(host):
        return f"{host!r} is not a lower-case host name or IP address"
    if port is not None:
        if port.startswith("0") or not 1 <= int(port) <= 65535:
            return "the port must be 1 to 65535, without leading zeros"
        if int(port) == _DEFAULT_PORTS[scheme]:
            return f"leave out the default port :{port} (browsers send the origin without it)"
    if scheme == "http" and not is_loopback_origin(value):
        return "must be https:// (http:// only for localhost, 127.0.0.1 and [::1])"
    return None


def _is_host(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == host.lower() and all(_LABEL.match(label) for label in host.split("."))
    return (address.version == 6) == host.startswith("[")


def origin_of_url(url: str) -> str | None:
    """The origin a browser sends for a page at `url`, or None if it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


@dataclass(frozen=True)
class CorsGrant:
    """What the answer to one origin says: the allowed origin (itself, or "*") and whether
    credentials may go with it (never with "*")."""

    allow_origin: str
    credentials: bool


@dataclass(frozen=True)
class OriginPolicy:
    origins: frozenset[str] = frozenset()
    any_origin: bool = False
    loopback: bool = False  # development: any origin on this machine

    def grant(self, origin: str) -> CorsGrant | None:
        if origin in self.origins or (self.loopback and is_loopback_origin(origin)):
            return CorsGrant(origin, credentials=True)
        if self.any_origin:
            return CorsGrant(ANY_ORIGIN, credentials=False)
        return None


def origin_policy(
    config: TenantConfig | None, *, base_domain: str, allow_loopback: bool
) -> OriginPolicy:
    """The tenant file's list when it has one; else the app's origin and the tenant's own
    hosts over https. Without a tenant (an unknown host) only loopback, and only when allowed."""
    if config is None:
        return OriginPolicy(loopback=allow_loopback)
    listed = config.cors.allowed_origins if config.cors is not None else None
    if listed is not None:
        return OriginPolicy(
            origins=frozenset(o for o in listed if o != ANY_ORIGIN),
            any_origin=ANY_ORIGIN in listed,
            loopback=allow_loopback,
        )
    own = {f"https://{host}" for host in config.hostnames}
    own.add(f"https://{config.slug}.{base_domain.strip('.')}")
    app_origin = origin_of_url(config.app_url) if config.app_url else None
    if app_origin:
        own.add(app_origin)
    return OriginPolicy(origins=frozenset(own), loopback=allow_loopback)


def grant_of_any(policies: Iterable[OriginPolicy], origin: str) -> CorsGrant | None:
    """The best grant any of the policies gives: one with credentials over a wildcard one."""
    best: CorsGrant | None = None
    for policy in policies:
        grant = policy.grant(origin)
        if grant is not None and grant.credentials:
            return grant
        best = best or grant
    return best
