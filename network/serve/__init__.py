"""The planner's workbench: a local web page and JSON API over the same workflows as the command line.

``run_scenario.py serve`` starts it. A tab opens a scenario file of the workspace folder, keeps an edit
log (``editlog``), re-evaluates incrementally after each edit (``session``, on the routing stage's
incremental machinery) and saves the log as a scenario YAML the command line runs. Nothing here computes
travel times of its own: every number comes from ``network.api`` and the stages below it.
"""

__all__ = [
    "app",
    "editlog",
    "executor",
    "guard",
    "page",
    "server",
    "session",
    "workspace",
]
