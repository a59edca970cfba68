"""Run the command line with ``python -m bpkit``."""

import sys

from bpkit.cli import main

sys.exit(main())
