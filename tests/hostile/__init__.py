"""Hostile input, security of output and failure handling (issue 6, core level).

See docs/SECURITY.md for what each module proves and for the long fuzz run.
"""
