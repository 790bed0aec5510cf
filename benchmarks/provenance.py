"""What made a results file: the git commit of the code measured and the package version.

Every benchmark writes these into its results (JSON ``meta`` and the first lines of the markdown), so a
committed table says which code it describes. Outside a git checkout the commit is ``None`` and the
version alone is recorded.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def code_provenance() -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool, "package_version": str}`` for the code under ``ROOT``.

    ``dirty`` is true when tracked files differ from the commit (the numbers then describe uncommitted code).
    """
    from network import __version__

    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status), "package_version": __version__}


def provenance_line(prov: dict[str, Any]) -> str:
    """One markdown sentence naming the commit and version, e.g. "Code: commit `abc1234` (czt-planner 0.1.0)."."""
    if prov.get("commit"):
        code = f"commit `{prov['commit'][:12]}`" + (" with uncommitted changes" if prov.get("dirty") else "")
    else:
        code = "no git commit (not a checkout)"
    return f"Code: {code}, czt-planner {prov['package_version']}."
