"""The command line: the only layer that parses arguments and prints."""

__all__ = [
    "analysis",
    "calibrate",
    "claims",
    "commands",
    "export",
    "interrupt",
    "main",
    "matrix",
    "network",
    "observed",
    "process_end",
    "serve",
]
