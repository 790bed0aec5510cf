#!/usr/bin/env python3
"""Chang-Zhu-Tan half-hour-circle planner: thin CLI entry (all logic lives in the `network` package)."""

from network.cli.interrupt import exit_at_once_on_interrupt

if __name__ == "__main__":
    exit_at_once_on_interrupt()  # first: Ctrl-C while the libraries load exits 130 with one line, no traceback
    import sys

    from network.cli.main import main

    sys.exit(main())
