"""Leaflet for self-contained (offline) maps, taken from a registry package into a local cache.

Nothing here is committed to the repository: the first offline map (or ``python -m
network.outputs.offline_assets``) runs ``npm pack leaflet@1.9.4`` into ``cache/offline/`` (checked against the
registry's published sha-512), or, where npm is missing, ``pip download django-leaflet`` (whose wheel
carries ``leaflet/static/leaflet/leaflet.js``). Later runs read the cache and need no network at all.

``inline_offline(html, assets)`` then turns a folium page into one that makes zero network requests:
every external ``<script src>`` / ``<link href>`` (folium's CDN links to Leaflet, jQuery, Bootstrap,
awesome-markers, Font Awesome) is removed and Leaflet's JS and CSS are inlined, with the CSS images
as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from network._errors import PlannerError
from network.paths import PROJECT_DIR

log = logging.getLogger(__name__)

LEAFLET_VERSION = "1.9.4"
LEAFLET_NPM_INTEGRITY = "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
"""The npm registry's ``dist.integrity`` for leaflet-1.9.4.tgz: a tarball that differs is refused."""


class OfflineAssetsError(PlannerError):
    """Leaflet could not be obtained for an offline map (no cache and no registry client worked)."""


@dataclass(frozen=True)
class LeafletAssets:
    """Leaflet's JavaScript and CSS (images inlined) for a self-contained map."""

    js: str
    css: str
    source: str
    """Where the files came from (package and version), for the page's provenance comment."""


def cache_dir() -> Path:
    """``$CZT_CACHE_DIR`` or ``<project>/cache`` (git-ignored)."""
    return Path(os.environ.get("CZT_CACHE_DIR", PROJECT_DIR / "cache")) / "offline"


def _integrity_ok(path: Path, integrity: str) -> bool:
    algo, _, b64 = integrity.partition("-")
    digest = hashlib.new(algo, path.read_bytes()).digest()
    return base64.b64encode(digest).decode() == b64


def _fetch_npm(dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise OfflineAssetsError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"leaflet@{LEAFLET_VERSION}", "--pack-destination", tmp, "--silent"],
            check=True,
            capture_output=True,
            timeout=180,
        )
        tgz = Path(tmp) / f"leaflet-{LEAFLET_VERSION}.tgz"
        if not _integrity_ok(tgz, LEAFLET_NPM_INTEGRITY):
            raise OfflineAssetsError(f"{tgz.name}: sha-512 does not match the registry's published integrity")
        out = dest / f"leaflet-{LEAFLET_VERSION}"
        out.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tf:
            for member in tf.getmembers():
                name = member.name
                if not member.isfile() or not name.startswith("package/dist/"):
                    continue
                rel = name[len("package/dist/") :]
                if rel not in ("leaflet.js", "leaflet.css") and not (rel.startswith("images/") and rel.endswith(".png")):
                    continue
                fh = tf.extractfile(member)
                assert fh is not None
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(fh.read())
        (out / "SOURCE").write_text(f"npm leaflet@{LEAFLET_VERSION} ({LEAFLET_NPM_INTEGRITY})\n", encoding="utf-8")
        return out


def _fetch_pip(dest: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", tmp, "django-leaflet==0.34.0"],
            check=True,
            capture_output=True,
            timeout=300,
        )
        wheels = sorted(Path(tmp).glob("django_leaflet-*.whl"))
        if not wheels:
            raise OfflineAssetsError("pip download django-leaflet produced no wheel")
        out = dest / "leaflet-django-leaflet"
        out.mkdir(parents=True, exist_ok=True)
        prefix = "leaflet/static/leaflet/"
        with zipfile.ZipFile(wheels[0]) as zf:
            for name in zf.namelist():
                if not name.startswith(prefix):
                    continue
                rel = name[len(prefix) :]
                if rel in ("leaflet.js", "leaflet.css") or (rel.startswith("images/") and rel.endswith(".png")):
                    target = out / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(name))
        if not (out / "leaflet.js").exists():
            raise OfflineAssetsError(f"{wheels[0].name} has no {prefix}leaflet.js")
        (out / "SOURCE").write_text(f"PyPI {wheels[0].name}\n", encoding="utf-8")
        return out


def ensure_leaflet(dest: Path | None = None) -> Path:
    """The folder holding leaflet.js, leaflet.css and images/, fetched from a registry on first use."""
    dest = dest or cache_dir()
    for cand in (dest / f"leaflet-{LEAFLET_VERSION}", dest / "leaflet-django-leaflet"):
        if (cand / "leaflet.js").exists() and (cand / "leaflet.css").exists():
            return cand
    errors = []
    for fetch in (_fetch_npm, _fetch_pip):
        try:
            log.info("fetching Leaflet for offline maps via %s", fetch.__name__)
            return fetch(dest)
        except (OfflineAssetsError, OSError, subprocess.SubprocessError) as exc:
            errors.append(f"{fetch.__name__}: {exc}")
    raise OfflineAssetsError(
        "cannot obtain Leaflet for an offline map (no cache in "
        f"{dest}); tried: {'; '.join(errors)}. Run `python -m network.outputs.offline_assets` once where the npm or PyPI registry is reachable."
    )


def _inline_css_images(css: str, folder: Path) -> str:
    def repl(m: re.Match[str]) -> str:
        rel = m.group(2)
        f = folder / rel
        if not f.exists():
            return "url(data:,)"  # an image Leaflet never needs here: no request either way
        return f"url(data:image/png;base64,{base64.b64encode(f.read_bytes()).decode()})"

    return re.sub(r"url\((['\"]?)(images/[^)'\"]+)\1\)", repl, css)


def leaflet_assets(dest: Path | None = None) -> LeafletAssets:
    """Leaflet's files read from the local copy (fetched first if missing), ready to inline."""
    folder = ensure_leaflet(dest)
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    css = _inline_css_images((folder / "leaflet.css").read_text(encoding="utf-8"), folder)
    source = (folder / "SOURCE").read_text(encoding="utf-8").strip() if (folder / "SOURCE").exists() else folder.name
    return LeafletAssets(js=js, css=css, source=source)


_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"'](?:https?:)?//[^\"']*[\"'][^>]*/?>", re.I)


def _script_safe(text: str) -> str:
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)


def inline_offline(html_text: str, assets: LeafletAssets) -> str:
    """Remove every external script/stylesheet link and inline Leaflet right after ``<head>``."""
    stripped = _EXTERNAL_LINK.sub("", _EXTERNAL_SCRIPT.sub("", html_text))
    css = re.sub(r"</(style)", r"<\\/\1", assets.css, flags=re.I)
    block = (
        f"<!-- Leaflet inlined for offline use: {assets.source} (BSD-2-Clause, © Volodymyr Agafonkin) -->\n"
        f"<style>{css}</style>\n<script>{_script_safe(assets.js)}</script>\n"
    )
    m = re.search(r"<head[^>]*>", stripped, re.I)
    if m is None:
        return block + stripped
    return stripped[: m.end()] + "\n" + block + stripped[m.end() :]


def main() -> int:
    """Fetch Leaflet for offline maps and print where it is; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        folder = ensure_leaflet()
    except OfflineAssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Leaflet for offline maps: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
