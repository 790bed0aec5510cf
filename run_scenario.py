#!/usr/bin/env python3
"""Chang-Zhu-Tan half-hour-circle planner: thin CLI entry (all logic lives in the `network` package)."""

import sys

from network.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
