"""Leaflet for self-contained (offline) maps, taken from a registry package into a local cache.

Nothing here is committed to the repository: the first offline map (or ``python -m
network.outputs.offline_assets``) runs ``npm pack leaflet@1.9.4`` into ``<cache>/offline/`` (the user cache folder or ``$CZT_CACHE_DIR``) (checked against the
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
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from network._errors import PlannerError
from network.paths import cache_dir as cache_root

log = logging.getLogger(__name__)

LEAFLET_VERSION = "1.9.4"
LEAFLET_NPM_INTEGRITY = "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
"""The npm registry's ``dist.integrity`` for leaflet-1.9.4.tgz: a tarball that differs is refused."""
GEOMAN_VERSION = "2.20.2"
GEOMAN_NPM_INTEGRITY = "sha512-KQpSe0VKyuVCudq/08rMjJW1vvIwFldTwBny2wZ7ABcyyUAP7/eoFo967hCu9yRqAAHb4QOxC6gY5dGqttY68g=="
"""``dist.integrity`` of @geoman-io/leaflet-geoman-free 2.20.2 (MIT), the drawing plugin of the workbench."""


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
    """``offline/`` in the cache root (``$CZT_CACHE_DIR`` or the user cache folder, see ``network.paths.cache_dir``)."""
    return cache_root() / "offline"


def _integrity_ok(path: Path, integrity: str) -> bool:
    algo, _, b64 = integrity.partition("-")
    digest = hashlib.new(algo, path.read_bytes()).digest()
    return base64.b64encode(digest).decode() == b64


def _npm_pack(spec: str, integrity: str, tmp: Path) -> Path:
    """``npm pack <spec>`` into ``tmp``, checked against the registry's published ``integrity``; the tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise OfflineAssetsError("npm is not installed")
    done = subprocess.run([npm, "pack", spec, "--pack-destination", str(tmp), "--silent"], check=True, capture_output=True, text=True, timeout=180)
    tgz = tmp / done.stdout.strip().splitlines()[-1]
    if not _integrity_ok(tgz, integrity):
        raise OfflineAssetsError(f"{tgz.name}: sha-512 does not match the registry's published integrity")
    return tgz


def _extract(tgz: Path, out: Path, wanted: Callable[[str], bool], *, prefix: str = "package/dist/") -> None:
    """The files under ``prefix`` of an npm tarball for which ``wanted(relative name)`` holds, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tgz) as tf:
        for member in tf.getmembers():
            name = member.name
            if not member.isfile() or not name.startswith(prefix) or not wanted(name[len(prefix) :]):
                continue
            fh = tf.extractfile(member)
            assert fh is not None
            target = out / name[len(prefix) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(fh.read())


def _fetch_npm(dest: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        tgz = _npm_pack(f"leaflet@{LEAFLET_VERSION}", LEAFLET_NPM_INTEGRITY, Path(tmp))
        out = dest / f"leaflet-{LEAFLET_VERSION}"
        _extract(tgz, out, lambda rel: rel in ("leaflet.js", "leaflet.css") or (rel.startswith("images/") and rel.endswith(".png")))
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


def ensure_geoman(dest: Path | None = None) -> Path:
    """The folder holding leaflet-geoman.min.js and leaflet-geoman.css, from the npm registry on first use."""
    out = (dest or cache_dir()) / f"leaflet-geoman-free-{GEOMAN_VERSION}"
    if (out / "leaflet-geoman.min.js").exists() and (out / "leaflet-geoman.css").exists():
        return out
    try:
        log.info("fetching @geoman-io/leaflet-geoman-free for the workbench via npm")
        with tempfile.TemporaryDirectory() as tmp:
            tgz = _npm_pack(f"@geoman-io/leaflet-geoman-free@{GEOMAN_VERSION}", GEOMAN_NPM_INTEGRITY, Path(tmp))
            _extract(tgz, out, lambda rel: rel in ("leaflet-geoman.min.js", "leaflet-geoman.css"))
    except (OfflineAssetsError, OSError, subprocess.SubprocessError) as exc:
        raise OfflineAssetsError(
            f"cannot obtain the drawing plugin @geoman-io/leaflet-geoman-free@{GEOMAN_VERSION} (no cache in {out}): {exc}. "
            "Run `python -m network.outputs.offline_assets` once where the npm registry is reachable."
        ) from None
    (out / "SOURCE").write_text(f"npm @geoman-io/leaflet-geoman-free@{GEOMAN_VERSION} ({GEOMAN_NPM_INTEGRITY})\n", encoding="utf-8")
    return out


def geoman_assets(dest: Path | None = None) -> LeafletAssets:
    """Leaflet-Geoman's JavaScript and CSS (its icons are already ``data:`` URIs), ready to inline."""
    folder = ensure_geoman(dest)
    return LeafletAssets(
        js=(folder / "leaflet-geoman.min.js").read_text(encoding="utf-8"),
        css=(folder / "leaflet-geoman.css").read_text(encoding="utf-8"),
        source=(folder / "SOURCE").read_text(encoding="utf-8").strip(),
    )


def script_safe(text: str) -> str:
    """``text`` safe inside an HTML ``<script>`` or ``<style>`` element (no closing tag inside)."""
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.I)


_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"'](?:https?:)?//[^\"']*[\"'][^>]*/?>", re.I)


def inline_offline(html_text: str, assets: LeafletAssets) -> str:
    """Remove every external script/stylesheet link and inline Leaflet right after ``<head>``."""
    stripped = _EXTERNAL_LINK.sub("", _EXTERNAL_SCRIPT.sub("", html_text))
    css = re.sub(r"</(style)", r"<\\/\1", assets.css, flags=re.I)
    block = (
        f"<!-- Leaflet inlined for offline use: {assets.source} (BSD-2-Clause, © Volodymyr Agafonkin) -->\n"
        f"<style>{css}</style>\n<script>{script_safe(assets.js)}</script>\n"
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
        geoman = ensure_geoman()
    except OfflineAssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Leaflet for offline maps: {folder}; the workbench's drawing plugin: {geoman}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
