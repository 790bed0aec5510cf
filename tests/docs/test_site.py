"""The documentation site: it builds in strict mode (a broken link, anchor or API reference fails), every
page is in the navigation and reachable from the README, and the README stays a first page."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README_MAX_LINES = 150


def _nav_files(nav: list[object]) -> list[str]:
    """Every page named in mkdocs.yml's nav, sections followed."""
    out: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        out.extend(_nav_files(value) if isinstance(value, list) else [str(value)])
    return out


def _mkdocs_config() -> dict[str, object]:
    # mkdocs.yml may hold !!python/name tags in some set-ups; this one is plain YAML on purpose
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_the_docs_site_builds_in_strict_mode(tmp_path: Path) -> None:
    """`mkdocs build --strict`: a warning (broken link or anchor, a page outside the nav, an API name
    mkdocstrings cannot resolve) fails the build. Offline: no plugin fetches anything."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "api.html").exists()
    api = (tmp_path / "site" / "api.html").read_text(encoding="utf-8")
    tree = ast.parse((ROOT / "network/api.py").read_text(encoding="utf-8"))
    public = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "__all__")
    assert {"resolve_state", "evaluate", "route", "od_matrix", "run_scenario", "load_scenario"} <= set(public)
    undocumented = [name for name in public if f'id="network.api.{name}"' not in api]
    assert undocumented == [], f"the API page does not document: {undocumented}"


def test_the_nav_lists_exactly_the_pages_in_docs() -> None:
    nav = _nav_files(_mkdocs_config()["nav"])  # type: ignore[arg-type]
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages, "mkdocs.yml nav and the docs/*.md files differ"
    assert len(nav) == len(set(nav))


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(docs/([\w/.-]+\.md)(?:#[\w-]*)?\)", readme))
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")} - {"index.md"}
    assert pages - linked == set(), f"pages not linked from README.md: {sorted(pages - linked)}"
    assert linked - pages == set(), f"README links to missing pages: {sorted(linked - pages)}"


def test_the_readme_is_a_first_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    for must in ("./dev.sh run", "./dev.sh test", "(docs/map.png)", "<!-- table:surveyed -->", "© OpenStreetMap contributors"):
        assert must in readme, must
    assert (DOCS / "map.png").exists()
    # the README's relative links and images point at files that exist (GitHub renders them)
    for target in re.findall(r"\]\(((?!https?:)[^)#\s]+)", readme):
        assert (ROOT / target).exists(), f"README links to a missing file: {target}"


def test_docs_cite_no_issue_numbers_or_bare_commit_hashes() -> None:
    """Prose a reader cannot use: "issue 11", "#14", "main `abc1234`". A table's provenance line
    ("Measured by ... at `abc1234`") is allowed."""
    for page in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("_Measured by "):
                continue
            assert not re.search(r"\bissues?[ -]#?\d+\b|\(#\d+\)", line, flags=re.I), f"{page.name}:{n}: cites an issue: {line}"
            assert not re.search(r"\bmain `?[0-9a-f]{7,}\b|\bcommit `?[0-9a-f]{7,}\b", line), f"{page.name}:{n}: cites a commit: {line}"


def _doc_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def test_every_file_the_docs_name_exists() -> None:
    """A page that names `network/...py`, `data/...`, `tests/...` (in backticks) names a file of this tree,
    so a move that forgets the docs fails here."""
    missing = []
    for page in _doc_pages():
        for path in re.findall(r"`((?:network|data|tests|tools|benchmarks|scenarios|docs|\.ci)/[\w./-]*)`", page.read_text(encoding="utf-8")):
            if not (ROOT / path).exists():
                missing.append(f"{page.name}: {path}")
    assert missing == []


def test_every_dotted_python_name_the_docs_use_is_defined() -> None:
    """`network.scenario.schema.find_scenario_file`-style names resolve to a module and a name defined in it."""
    missing = []
    for page in _doc_pages():
        for dotted in re.findall(r"`(network(?:\.\w+)+)`", page.read_text(encoding="utf-8")):
            parts = dotted.split(".")
            for k in range(len(parts), 0, -1):
                base = ROOT.joinpath(*parts[:k])
                module = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
                if module.exists():
                    rest = parts[k:]
                    text = module.read_text(encoding="utf-8")
                    if len(rest) > 1 or (rest and not re.search(rf"^(?:def |class |async def )?{rest[0]}\b|^\s+\"{rest[0]}\",?$", text, flags=re.M)):
                        missing.append(f"{page.name}: {dotted}")
                    break
            else:
                missing.append(f"{page.name}: {dotted}")
    assert missing == [], missing


def test_the_site_builds_offline_by_configuration() -> None:
    """No plugin that fetches at build time (Material's social cards and privacy plugin download fonts and
    assets), and the theme's web fonts are off, so the build and the pages need no internet."""
    config = _mkdocs_config()
    plugins = {next(iter(p)) if isinstance(p, dict) else p for p in config.get("plugins", [])}  # type: ignore[union-attr]
    assert plugins <= {"search", "mkdocstrings"}, plugins
    assert config["theme"]["font"] is False  # type: ignore[index]
