"""The engine's words: the bilingual catalogue of errors, warnings, actions, reasons and trace
notes (``messages.toml``, formatted by ``catalogue.py``) and the coded error types every part
raises (``errors.py``: code, field, Chinese and English message).
"""
