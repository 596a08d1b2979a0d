"""The driving side: REST routers, the GraphQL schema and the command line."""
