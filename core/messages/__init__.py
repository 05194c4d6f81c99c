"""The engine's words: the bilingual catalogue of errors, warnings, actions, reasons and trace
notes (``messages.toml``, formatted by ``catalogue.py``) and the coded error types every part
raises (``errors.py``: code, field, Chinese and English message), and a roster's problems as
data (``problems.py``: each row's Problems, rendered to the ``error`` text only at the edge).
"""
