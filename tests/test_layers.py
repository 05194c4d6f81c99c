"""The shape of the code (issue 24, docs/ARCHITECTURE.md "Layers"): core's packages form one
order checked by import-linter (.importlinter), core never imports the UI, and nothing outside
tests/ imports tests/ (the deployment helpers are product code under scripts/)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", "tests", "data", "out", ".git", "node_modules"}


def test_the_import_contract_is_kept():
    run = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    contracts = (ROOT / ".importlinter").read_text(encoding="utf-8").count("[importlinter:contract")
    assert contracts >= 3  # core's layers, core without the UI, the store's modules
    assert f"{contracts} kept, 0 broken" in run.stdout


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _product_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py")
            if not SKIP & set(p.relative_to(ROOT).parts[:-1])]


def test_nothing_outside_tests_imports_tests():
    files = _product_files()
    assert any(p.parts[-2:] == ("scripts", "replicas.py") for p in files)
    bad = {str(p.relative_to(ROOT)): sorted(n for n in _imported(p)
                                            if n == "tests" or n.startswith("tests."))
           for p in files}
    assert not {k: v for k, v in bad.items() if v}



def test_no_module_is_over_500_lines_and_those_over_400_say_why():
    """Issue 24: every module ≤ ~400 lines, or its reason in docs/ARCHITECTURE.md ("Modules over
    about 400 lines, and why"), and none over 500."""
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in _product_files()}
    assert not {k: n for k, n in sizes.items() if n > 500}
    section = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8").split(
        "## Modules over about 400 lines, and why", 1)[1].split("\n## ", 1)[0]
    unexplained = {k: n for k, n in sizes.items() if n > 400 and f"`{k}`" not in section}
    assert not unexplained
