"""The test suite (docs/ARCHITECTURE.md, "Tests"). A package, like its sub-folders, so that two
test modules in different folders may share a file name (tests/test_admin_monitor.py for
core/admin/monitor.py, tests/pages/test_admin_monitor.py for the page)."""
