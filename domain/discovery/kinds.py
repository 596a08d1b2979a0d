"""The registry of kinds: every kind of item search and the map know, each with the source of
its pins. Capabilities register at start-up, in the composition root; search accepts the kinds
registered, and the map asks the sources of those a tenant has."""

from __future__ import annotations

import re
from collections.abc import Callable

from domain.discovery.ports import DiscoverySource
from domain.tenancy.model import Tenant

# Stored with each search document (16 characters at most) and shown as a pin's `type`.
_KIND = re.compile(r"^[a-z][a-z_]{0,15}$")

# The source of a kind for one tenant, or None when the tenant does not have the capability.
SourceFor = Callable[[Tenant], DiscoverySource | None]


class DiscoveryKinds:
    def __init__(self) -> None:
        self._sources: dict[str, SourceFor] = {}

    def register(self, kind: str, source_for: SourceFor) -> None:
        if not _KIND.match(kind):
            raise ValueError(f"{kind!r} is not a kind: a-z and _, 16 characters at most")
        if kind in self._sources:
            raise ValueError(f"{kind!r} is registered already")
        self._sources[kind] = source_for

    @property
    def kinds(self) -> tuple[str, ...]:
        """In the order they were registered."""
        return tuple(self._sources)

    def sources_for(self, tenant: Tenant, kinds: tuple[str, ...] = ()) -> list[DiscoverySource]:
        """The sources of the tenant's kinds (of those asked for, when some are)."""
        found = []
        for kind, source_for in self._sources.items():
            if kinds and kind not in kinds:
                continue
            source = source_for(tenant)
            if source is not None:
                found.append(source)
        return found
