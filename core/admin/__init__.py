"""What the admin page needs beyond the rules: the dashboard's numbers (``dashboard.py``: counts,
upcoming dates, monthly lapses, all derived from ``assess_roster``) and the admin login
(``auth.py``: argon2 hashes and the login throttle).
"""
