"""Agency adapters: one source contract (types.py, base.py, errors.py) and a module per kind."""
