"""What the admin page and the command line need beyond the rules: the dashboard's numbers
(``dashboard.py``: counts, upcoming dates, monthly lapses, all derived from ``assess_roster``),
the certificates' monitor (``monitor.py``), what falls due (``due.py``), the import use case
(``importing.py``: read and check in the cage, report, store), the command line's caged jobs
(``jobs.py``), the password hashes (``auth.py``), the accounts and the login throttle in the
database (``accounts.py``), what an account may see (``scope.py``) and the audit log
(``audit.py``).
"""
