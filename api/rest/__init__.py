"""REST routers under /v1, one module per bounded context."""
