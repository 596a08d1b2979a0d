"""The driven side: database, cache, payment, mail and file adapters behind the core's ports."""
