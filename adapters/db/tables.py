"""Imports every table module, so SQLModel.metadata knows the whole schema."""

from adapters.db import directory, identity, outbox, search, tenancy

__all__ = ["directory", "identity", "outbox", "search", "tenancy"]
