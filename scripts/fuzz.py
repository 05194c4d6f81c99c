"""The long fuzz run: tests/hostile/test_fuzz.py with the hypothesis profile "long".

    .venv/bin/python scripts/fuzz.py                  # 5000 examples per property
    .venv/bin/python scripts/fuzz.py --minutes 30     # keep going until about 30 minutes
    .venv/bin/python scripts/fuzz.py --examples 20000 -k reader

``make test`` runs the same properties with the bounded "ci" profile (60 examples each). With
``--minutes`` the properties are run round after round (each round a fresh random seed) until the
time is spent; a round that finds a failure stops the run. Hypothesis prints the failing
example and a ``@reproduce_failure`` blob; its example database (``.hypothesis/``) replays the
failure first on the next run. Exit status: pytest's (0 = nothing found).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = "tests/hostile/test_fuzz.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=None,
                        help="run rounds until about this many minutes have passed")
    parser.add_argument("--examples", type=int, default=5000,
                        help="examples per property and round (default 5000)")
    parser.add_argument("-k", dest="keyword", default=None,
                        help="only the properties whose name matches (pytest -k)")
    args = parser.parse_args(argv)

    env = {**os.environ, "HYPOTHESIS_PROFILE": "long", "FUZZ_EXAMPLES": str(args.examples)}
    cmd = [sys.executable, "-m", "pytest", TARGET, "-q",
           "--timeout=0", "--hypothesis-show-statistics"]
    if args.keyword:
        cmd += ["-k", args.keyword]
    deadline = None if args.minutes is None else time.monotonic() + args.minutes * 60
    rounds = 0
    while True:
        rounds += 1
        started = time.monotonic()
        print(f"fuzz round {rounds}: {args.examples} examples per property", flush=True)
        rc = subprocess.call(cmd, cwd=ROOT, env=env)
        took = time.monotonic() - started
        print(f"fuzz round {rounds}: exit {rc} after {took:.0f} s", flush=True)
        if rc != 0 or deadline is None or time.monotonic() + took > deadline:
            return rc


if __name__ == "__main__":
    sys.exit(main())
