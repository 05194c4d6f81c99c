"""``python -m core``: the command line of CONTRACT.md (core/cli.py)."""

import sys

from core.cli import main

sys.exit(main())
