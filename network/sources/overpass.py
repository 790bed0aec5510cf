"""Reaching an Overpass API server: a quick probe with progress before a download, one-line errors after.

Without this, an offline ``network build --source overpass`` waited about a minute in osmnx's retries
and pauses, then ended in a long urllib3 traceback. Here the server's ``/status`` endpoint is tried a
few times with a short timeout, each attempt announced on stderr; if it cannot be reached, or answers
with a server error, the build stops with one line that says so and how to build from a local extract.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final
from urllib.parse import urlsplit

import requests
from tqdm import tqdm

from network._errors import SourceUnavailable

PROBE_ATTEMPTS: Final[int] = 3
PROBE_TIMEOUT_S: Final[float] = 10.0
"""Per attempt: connect and read timeout of the ``/status`` request."""
PROBE_PAUSE_S: Final[float] = 2.0
"""Between attempts."""
PBF_ADVICE: Final[str] = (
    "to build without internet, download an OpenStreetMap extract covering the study area (e.g. hunan-latest.osm.pbf "
    "from download.geofabrik.de/asia/china) and run: run_scenario.py network build --source pbf --path hunan-latest.osm.pbf"
)


def _say(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


def _reason(exc: requests.RequestException) -> str:
    """A short reason for a failed request (no nested urllib3 reprs)."""
    text = str(exc)
    for marker, reason in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "host name not found"),
        ("Temporary failure in name resolution", "host name cannot be resolved (no DNS: offline?)"),
        ("No route to host", "no route to host"),
        ("Network is unreachable", "network is unreachable"),
    ):
        if marker in text:
            return reason
    if isinstance(exc, requests.Timeout):
        return "no answer (timed out)"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


def check_overpass_reachable(
    url: str,
    *,
    attempts: int = PROBE_ATTEMPTS,
    timeout_s: float = PROBE_TIMEOUT_S,
    pause_s: float = PROBE_PAUSE_S,
    progress: Callable[[str], None] = _say,
) -> int:
    """Ask ``<url>/status`` until the server answers; return its HTTP status code.

    Parameters
    ----------
    url : the Overpass API base URL (e.g. ``https://overpass-api.de/api``).
    attempts, timeout_s, pause_s : tries, the timeout of each (seconds), the pause between them (seconds).
    progress : called with one line per attempt (default: printed on stderr above any progress bar).

    Raises
    ------
    SourceUnavailable
        The server cannot be reached in ``attempts`` tries, or answers ``/status`` with a server error (5xx).
        The message is one line naming the server, the reason and how to build from a local extract.
    """
    host = urlsplit(url).netloc or url
    status_url = url.rstrip("/") + "/status"
    reason = "no attempt made"
    for attempt in range(1, attempts + 1):
        progress(f"Overpass: reaching {host} (attempt {attempt} of {attempts}, waiting up to {timeout_s:.0f} s)...")
        try:
            response = requests.get(status_url, timeout=(timeout_s, timeout_s))
        except requests.RequestException as exc:
            reason = _reason(exc)
            if attempt < attempts:
                time.sleep(pause_s)
            continue
        if response.status_code >= 500:
            raise SourceUnavailable(
                f"the Overpass server {url} answers HTTP {response.status_code} {response.reason or ''}".rstrip()
                + f" (down or overloaded): try later or another server with --overpass-url; {PBF_ADVICE}"
            )
        return int(response.status_code)
    raise SourceUnavailable(f"the Overpass server {url} cannot be reached ({reason}, {attempts} attempts); {PBF_ADVICE}")


@contextmanager
def overpass_errors(url: str) -> Iterator[None]:
    """Turn a failed Overpass download (network error, error response) into a one-line ``SourceUnavailable``."""
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError  # osmnx is heavy: imported on use

    try:
        yield
    except requests.RequestException as exc:
        raise SourceUnavailable(f"the download from the Overpass server {url} failed ({_reason(exc)}); {PBF_ADVICE}") from None
    except (ResponseStatusCodeError, InsufficientResponseError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise SourceUnavailable(f"the Overpass server {url} refused the download ({first}); {PBF_ADVICE}") from None
