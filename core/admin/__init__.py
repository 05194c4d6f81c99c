"""What the admin page and the command line need beyond the rules: the dashboard's numbers
(``dashboard.py``: definitions, filters, headline counts; ``dashboard_charts.py``: the charts'
numbers; ``dashboard_tables.py``: tables and exports; all derived from ``assess_roster``),
the certificates' monitor (``monitor.py``), what falls due (``due.py``), the import use case
(``importing.py``: read and check in the cage, the validation report, store), the command
line's caged jobs (``jobs.py``), the password hashes (``auth.py``), the accounts and the login
throttle in the database (``accounts.py``), what an account may see (``scope.py``) and the
audit log (``audit.py``).
"""
