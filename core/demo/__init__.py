"""Fictional data for trying the tool and teaching it: a deterministic national demo roster
(``roster.py``), its seeding into a fresh database (``seed.py``) and the trainers' worked
scenarios, which together cover every rule and reading (``scenarios.py``). Nothing here is
real personal data.
"""
