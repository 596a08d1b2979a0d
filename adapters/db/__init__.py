"""SQL storage: SQLModel tables, repositories, the unit of work and migrations."""
