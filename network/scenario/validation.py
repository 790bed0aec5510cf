"""Validation shared by scenario files, the project catalogue and point files: the study-area
coordinate check and the one formatter that turns a pydantic error into "field: got value: message"."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from network.geo import STUDY_BBOX as STUDY_BBOX  # re-exported: the one study-area box (network/geo.py)
from network.geo import lonlat_problem

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
"""Ids of scenarios and projects: what a file name, a URL and a shell accept without quoting."""
ROAD_EDIT_TYPES = ("new_road", "road_upgrade", "road_closure")
TRANSIT_EDIT_TYPES = (
    "add_trip_pattern",
    "extend_line",
    "add_stops",
    "remove_stops",
    "adjust_frequency",
    "adjust_speed",
    "adjust_dwell_time",
)
"""The ``type`` values of ``add:`` entries (network/scenario/transit_specs.py describes the transit ones)."""
_DISCRIMINATOR_TAGS = frozenset({*ROAD_EDIT_TYPES, *TRANSIT_EDIT_TYPES})
"""pydantic's tagged-union tags: they appear in an error's location but are not fields the user wrote."""
EDIT_TYPES_HINT = (
    f"road edits: {', '.join(ROAD_EDIT_TYPES)}; transit edits: {', '.join(TRANSIT_EDIT_TYPES)}. "
    "A rail line is taken out with remove_lines: [<line_id>]; whole services from a GTFS feed come in with "
    "services: [{gtfs: feed.zip}] (docs: transit-edits)"
)
"""What an unknown or missing ``add[k].type`` is answered with: every type, and where GTFS feeds go."""


def check_path_lonlat(path: list[tuple[float, float]], *, field: str = "point") -> None:
    """Refuse swapped [lat, lon] points and points outside the study area.

    Parameters
    ----------
    path
        Points as (lon, lat) in WGS-84 degrees.
    field
        Name used in the message, e.g. ``"path"`` gives ``path[3] = [...] ...``.

    Raises
    ------
    ValueError
        For the first point that looks like [lat, lon] or lies outside ``STUDY_BBOX``.
    """
    x0, y0, x1, y1 = STUDY_BBOX
    for k, (lon, lat) in enumerate(path):
        problem = lonlat_problem(lon, lat)
        if problem == "swapped":
            raise ValueError(f"{field}[{k}] = [{lon}, {lat}] looks like [lat, lon]; expected [lon, lat]")
        if problem == "outside":
            raise ValueError(f"{field}[{k}] = [{lon}, {lat}] lies outside the study area (lon {x0}..{x1}, lat {y0}..{y1})")


def field_path(loc: Iterable[int | str]) -> str:
    """The field as the user wrote it (``add[0].path``) from a pydantic error location."""
    out = ""
    for part in loc:
        if part in _DISCRIMINATOR_TAGS:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("from" if part == "from_" else str(part))
    return out or "<document>"


def validation_problems(exc: ValidationError, *, top_level_fields: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(field path, message) for every error of ``exc``, e.g. ``[("year", "got 'x': ...")]``.

    Parameters
    ----------
    exc
        A pydantic validation error.
    top_level_fields
        The document's own field names: an unknown top-level field is answered with this list.

    Returns
    -------
    list of (str, str)
        The field path and ``"got <value>: <what was expected>"`` per problem. A YAML boolean where
        text was expected gets a hint to quote it (YAML reads ``off`` as false).
    """
    known = sorted(top_level_fields)
    out = []
    for err in exc.errors():
        path = field_path(err["loc"])
        value = err.get("input")
        shown = "a mapping" if isinstance(value, dict) else repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = err["msg"].removeprefix("Value error, ")
        if isinstance(value, bool) and err["type"] == "string_type":
            msg += "; YAML reads on/off/yes/no/true/false as a boolean: put the value in quotes (e.g. name: 'off')"
        if err["type"] == "extra_forbidden":
            msg = f"unknown field; expected one of {known}" if known and "." not in path and "[" not in path else "unknown field"
        if err["type"] == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == NAME_PATTERN:
            msg = "expected a short id: lowercase letters a-z, digits, '-' or '_', no spaces, starting with a letter or digit (e.g. my-plan)"
        if err["type"] == "union_tag_not_found":
            tag = str(err.get("ctx", {}).get("discriminator", "type")).strip("'")
            out.append((path, f"missing field '{tag}': expected one of the {EDIT_TYPES_HINT}"))
            continue
        if err["type"] == "union_tag_invalid":
            tag = str(err.get("ctx", {}).get("discriminator", "type")).strip("'")
            given = err.get("ctx", {}).get("tag", value)
            out.append(
                (
                    f"{path}.{tag}" if path != "<document>" else tag,
                    f"got {given!r}: unknown edit type; expected one of the {EDIT_TYPES_HINT}",
                )
            )
            continue
        if err["type"] == "missing":
            out.append((path, "missing: this field is required"))
            continue
        out.append((path, f"got {shown}: {msg}"))
    return out


def validation_message(exc: ValidationError, *, top_level_fields: Iterable[str] = ()) -> tuple[str, str]:
    """(field path, message) for the first error of ``exc``; the other problems follow in the message,
    one per line (``also: <field>: <message>``), so a file can be fixed in one pass."""
    problems = validation_problems(exc, top_level_fields=top_level_fields)
    path, msg = problems[0]
    return path, msg + "".join(f"\n  also: field '{p}': {m}" for p, m in problems[1:])
