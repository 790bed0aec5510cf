#!/usr/bin/env bash
# Set-up and tasks in one place. Usage:
#   ./dev.sh run [scenario files...]   set up, then run scenarios (default: scenarios/surveyed.yaml)
#   ./dev.sh test [pytest args]        set up (incl. dev tools and Chromium), then ruff, lint-imports, then mypy beside pytest
#                                      (pytest includes the strict docs-site build: tests/docs/test_site.py;
#                                      it runs on every core: PYTEST_WORKERS=N to choose, 0 for one process)
# Set-up is idempotent: a virtualenv in .venv, re-installed only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv

setup() {
  local extras=$1
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$extras-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    # the venv's own pip is used unless it predates editable installs from pyproject.toml (PEP 660, pip 21.3):
    # upgrading it on every fresh clone cost 5.3 s (a download and a reinstall) and changed nothing here
    if ! "$VENV/bin/python" -c 'import sys, pip; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (21, 3))'; then
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
    touch "$stamp"
  fi
}

setup_browser() {
  if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/wqy ]; then return; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium and a CJK font for the browser tests..." >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
  else
    echo "chromium is missing and cannot be installed here (need root + apt-get); browser tests will fail" >&2
  fi
}

cmd=${1:-run}
shift || true
case "$cmd" in
  run)
    setup base
    if [ $# -eq 0 ]; then set -- scenarios/surveyed.yaml; fi
    exec "$VENV/bin/python" run_scenario.py "$@"
    ;;
  test)
    setup dev
    setup_browser
    "$VENV/bin/ruff" check network tests tools benchmarks run_scenario.py
    "$VENV/bin/lint-imports" --no-cache   # the layers contract in pyproject.toml: stages import one way
    # mypy runs beside pytest (a clean clone has no mypy cache: ~22 s of CPU, 35 s of wall on an idle machine,
    # that waited for nothing); its report is printed after pytest's and a type error still fails the run
    mypy_log=$(mktemp)
    "$VENV/bin/mypy" >"$mypy_log" 2>&1 &
    mypy_pid=$!
    trap 'if [ -n "$mypy_pid" ]; then kill "$mypy_pid" 2>/dev/null || true; fi; rm -f "$mypy_log"' EXIT
    trap 'exit 130' INT TERM   # Ctrl-C: stop now (the EXIT trap stops mypy, which ignores SIGINT in the background)
    set +e
    # pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); a module's tests share a
    # worker, the 'serial' group (browsers, Dask, process pools, SIGKILL) runs one at a time (tests/conftest.py)
    # the whole suite (no arguments, as CI runs it) is measured: every module of network/ must be covered to the
    # per-module floor in pyproject.toml ([tool.czt.coverage]); a run of some tests only is not measured
    cov=()
    if [ $# -eq 0 ]; then cov=(--cov=network --cov-report=json:coverage.json --cov-report=); fi
    "$VENV/bin/python" -m pytest -q -n "${PYTEST_WORKERS:-auto}" --dist loadgroup "${cov[@]}" "$@"
    rc=$?
    wait "$mypy_pid"
    mypy_rc=$?
    mypy_pid=""   # waited for: its number may belong to another process now
    set -e
    echo "mypy:"
    cat "$mypy_log"
    if [ $mypy_rc -ne 0 ]; then echo "mypy failed (exit $mypy_rc)" >&2; exit 1; fi
    if [ $rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
    if [ $rc -eq 0 ] && [ $# -eq 0 ]; then "$VENV/bin/python" tools/coverage_floor.py coverage.json || rc=1; fi
    exit $rc
    ;;
  *)
    echo "usage: ./dev.sh run [scenario.yaml ...] | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
