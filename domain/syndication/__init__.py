"""Syndication: listings of campaigns in other tenants (mirroring), the change feed, outbound
webhook subscriptions and partner upserts."""
