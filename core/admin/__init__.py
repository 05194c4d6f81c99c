"""What the admin page needs beyond the rules: the dashboard's numbers (``dashboard.py``: counts,
upcoming dates, monthly lapses, all derived from ``assess_roster``), the password hashes
(``auth.py``), the accounts and the login throttle in the database (``accounts.py``), what an
account may see (``scope.py``) and the audit log (``audit.py``).
"""
