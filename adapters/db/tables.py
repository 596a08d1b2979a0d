"""Imports every table module, so SQLModel.metadata knows the whole schema."""

from adapters.db import (
    directory,
    funding,
    identity,
    media,
    outbox,
    remote_push,
    search,
    tenancy,
    webhooks,
)

__all__ = [
    "directory",
    "funding",
    "identity",
    "media",
    "outbox",
    "remote_push",
    "search",
    "tenancy",
    "webhooks",
]
