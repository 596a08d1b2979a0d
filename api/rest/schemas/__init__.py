"""Request and response models of the REST API, separate from tables and entities."""
