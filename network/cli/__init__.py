"""The command line: the only layer that parses arguments and prints."""

__all__ = [
    "analysis",
    "calibrate",
    "claims",
    "commands",
    "export",
    "main",
    "matrix",
    "network",
    "observed",
    "serve",
]
