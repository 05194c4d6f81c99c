"""The notice as data: ``policy.toml`` (every date, day count, province list and clause text of
建办市〔2021〕25号, each with its clause or reading id), its loader (``data.py``: ``POLICY``,
``load_policy``) and the calendar conventions the rules use (``dates.py``: China Standard Time,
``add_years`` with I-7, day numbers for whole arrays of dates). Change a date here, not in code.
"""
