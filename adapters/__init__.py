"""Agency adapters: one source contract (base.py, errors.py) and a module per kind.

The records, pages and capabilities the contract speaks are shared: vocabulary/sources.py.
"""
