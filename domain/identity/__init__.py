"""Identity and access: accounts, sessions, roles, partner API keys, and the policies on them."""
