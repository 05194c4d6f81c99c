"""The rules of POLICY.md, each written once (over numpy arrays for a roster, over Python scalars
for one profile's specialties: ``ops.py``), and what is built from them: input
validation (``text_checks.py``, ``date_checks.py``, their problems as masks in
``problem_masks.py``, a profile's checks in ``validate.py``), the assessment of one profile with
its trace (``assessment.py``) and of a whole roster (``roster.py``; R-6 per person in
``roster_windows.py``). Every rule function's docstring starts with its id and
clause (``R-4, C-2.2.1: …``), so a search for the id finds it.
"""
