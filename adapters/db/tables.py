"""Imports every table module, so SQLModel.metadata knows the whole schema."""

from adapters.db import identity, tenancy

__all__ = ["identity", "tenancy"]
