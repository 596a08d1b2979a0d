"""Imports every table module, so SQLModel.metadata knows the whole schema."""

from adapters.db.tenancy import TenantHostnameRow, TenantRegistryRow, TenantRow

__all__ = ["TenantHostnameRow", "TenantRegistryRow", "TenantRow"]
