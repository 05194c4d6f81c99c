"""Roster files and their storage: reading CSV/XLSX into typed columns and writing exports
(``io.py``; what it gives or raises, ``Roster`` and ``RosterReadError``, is ``result.py``; the
columns, limits and typed cells it reads with are ``core.schema``), the cage
that runs a given job on an untrusted file in a child process (``cage.py``), duplicate rows
(``duplicates.py``) and the snapshot database (``store.py``, SQLAlchemy; SQLite by default,
PostgreSQL through ``ECERT_DB_URL``). The use cases that read and store rosters (the admin
import, the command line's jobs, the demo seeding) sit above, in ``core.admin`` and
``core.demo``.
"""
