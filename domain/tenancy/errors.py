"""Errors of tenancy: a request's city cannot be found or is closed."""

from domain.errors import Conflict, Gone, NotAllowed, NotFound


class UnknownTenant(NotFound):
    code = "unknown-tenant"
    title = "No city platform is served at this address"


class TenantSuspended(NotAllowed):
    code = "tenant-suspended"
    title = "This city platform is suspended"


class TenantArchived(Gone):
    code = "tenant-archived"
    title = "This city platform has closed"


class HostnameTaken(Conflict):
    code = "hostname-taken"
    title = "The hostname already belongs to another tenant"


class SlugTaken(Conflict):
    code = "slug-taken"
    title = "A tenant with this slug already exists"


class OriginNotAllowed(NotAllowed):
    code = "origin-not-allowed"
    title = "This origin may not call the API of this city platform"
