#!/usr/bin/env python3
"""Chang-Zhu-Tan half-hour-circle planner: thin CLI entry (all logic lives in the `network` package)."""

from network.cli.interrupt import exit_at_once_on_interrupt

if __name__ == "__main__":
    exit_at_once_on_interrupt()  # first: Ctrl-C while the libraries load exits 130 with one line, no traceback
    from network.cli.main import main
    from network.cli.process_end import end_process

    end_process(main())  # exit code; at once when a worker thread is still inside compiled code
