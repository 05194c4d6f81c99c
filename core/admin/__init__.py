"""What the admin page and the command line need beyond the rules: the dashboard's numbers
(``dashboard.py``: definitions, filters, headline counts; ``dashboard_charts.py``: the charts'
numbers; ``dashboard_tables.py``: tables and exports; all derived from ``assess_roster``),
the certificates' monitor (``monitor.py``), what falls due (``due.py``), the import use case
(``importing.py``: read and check in the cage, the validation report, store), the command
line's caged jobs (``jobs.py``) and the admin login (``auth.py``: argon2 hashes and the login
throttle).
"""
