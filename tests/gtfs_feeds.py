"""Hand-written GTFS feeds for the tests (written as zips into a temp folder).

The external feed is a Changsha bus along the 芙蓉路 / Metro Line 1 corridor with real stop positions
(the Line 1 station positions of data/rail_stations.csv, beside which the bus stops stand), a timetable
(not frequencies): every 10 min 07:00-08:50 and every 15 min 10:00-15:45, 3 min between stops and 30 s
at each; and a peak-only metro shuttle (route_type 1) with frequencies.txt.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BUS_STOPS = ["开福寺", "文昌阁", "五一广场", "侯家塘", "南湖路"]


def stop_positions(names: list[str]) -> list[tuple[str, float, float]]:
    rail = pd.read_csv(ROOT / "data" / "rail_stations.csv")
    m1 = rail[rail["line_id"] == "M1"].set_index("name_zh")
    return [(n, float(m1.loc[n, "lon"]), float(m1.loc[n, "lat"])) for n in names]


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def external_tables() -> dict[str, str]:
    """The tables of the external feed as CSV text."""
    pos = stop_positions(BUS_STOPS)
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(f"b{k},{n},{lat},{lon}\n" for k, (n, lon, lat) in enumerate(pos))
    routes = "route_id,agency_id,route_short_name,route_long_name,route_type,route_color\nB1,cs,1,芙蓉路公交,3,0055AA\nMS,cs,MS,五一—侯家塘穿梭,1,\n"
    trips = ["route_id,service_id,trip_id,direction_id"]
    stop_times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    departures = [7 * 3600 + 600 * k for k in range(12)] + [10 * 3600 + 900 * k for k in range(24)]
    for direction in (0, 1):
        order = list(range(len(BUS_STOPS))) if direction == 0 else list(reversed(range(len(BUS_STOPS))))
        for d0 in departures:
            tid = f"B1-{direction}-{d0}"
            trips.append(f"B1,wk,{tid},{direction}")
            t = d0
            for seq, k in enumerate(order):
                arr = t
                dep = t + (30 if 0 < seq < len(order) - 1 else 0)
                stop_times.append(f"{tid},{_hms(arr)},{_hms(dep)},b{k},{seq + 1}")
                t = dep + 180
    # a peak-only shuttle, frequency-based: 五一广场 -> 侯家塘 every 5 min 07:00-09:00, 4 min ride
    trips.append("MS,wk,MS-0,0")
    stop_times += ["MS-0,07:00:00,07:00:00,b2,1", "MS-0,07:04:00,07:04:00,b3,2"]
    return {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\ncs,长沙测试公交,https://example.org,Asia/Shanghai\n",
        "stops.txt": stops,
        "routes.txt": routes,
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(stop_times) + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "wk,1,1,1,1,1,0,0,20250101,20251231\n",
        "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nMS-0,07:00:00,09:00:00,300\n",
    }


def write_zip(path: Path, tables: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in tables.items():
            zf.writestr(name, text)
    return path
