"""The rules of POLICY.md, each written once (over numpy arrays for a roster, over Python scalars
for one profile's specialties: ``ops.py``), and what is built from them: input
validation (``validate.py``), the assessment of one profile with its trace (``assessment.py``)
and of a whole roster (``roster.py``). Every rule function's docstring starts with its id and
clause (``R-4, C-2.2.1: …``), so a search for the id finds it.
"""
