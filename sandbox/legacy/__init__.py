"""Simulated agencies' own systems: legacy PostgreSQL schemas and file-drop folders, built from
the Ministry store's people of one subtree (build.py, filedrop.py; the pure parts in details.py
and formats.py), for the sql and file adapters to read."""
