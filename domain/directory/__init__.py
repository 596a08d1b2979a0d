"""The directory: local businesses with hours, categories and offers, the map, and search."""
