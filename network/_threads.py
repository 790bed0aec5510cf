"""Names of the planner's daemon worker threads that compute in compiled code, in one place: the threads are
named with them (``network.serve.executor``, ``network.analysis.od_matrix``) and the program's end looks for
them by name (``network.cli.process_end``), so renaming one cannot silently stop the other from finding it."""

from __future__ import annotations

WORKBENCH_THREAD_PREFIX = "workbench-"
"""The workbench's computing threads: ``workbench-0``, ``workbench-1``, ..."""
HIERARCHY_THREAD_SUFFIX = "-hierarchy"
"""Contraction-hierarchy builders: ``car-hierarchy``, ..."""
