"""The hexagonal core: entities, rules, use cases and the ports they need.

Nothing here imports a framework, a driver or the outer layers (checked by import-linter).
"""
