"""The roster's schema, below the rules: its columns, Chinese labels, header aliases, text and
file limits, regimes and status codes (``roster.py``), and the typed cells every reader and
check shares (``cells.py``: dates in every accepted form, UTF-8 buffers; ``cell_text.py``:
yes/no flags, text from any cell type, and each cell problem as data).
"""
