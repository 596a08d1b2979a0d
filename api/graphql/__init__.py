"""The GraphQL API: thin types over the same use cases as REST, one module per context."""
