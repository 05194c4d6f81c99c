"""Roster files and their storage: the schema that owns the columns, aliases and limits
(``schema.py``), reading CSV/XLSX into typed columns and writing exports (``io.py``), duplicate
rows (``duplicates.py``), the snapshot database (``store.py``, SQLAlchemy; SQLite by default,
PostgreSQL through ``ECERT_DB_URL``) and the admin import use case (``importing.py``).
"""
