"""Tenancy: the cities a deployment serves, their configuration, how a request finds its city."""
