"""The model's physical parameters: one documented table, each value with its allowed range and source.

Every travel time the planner reports comes from these values plus the network data (roads, rail
lines, stops, headways). They are the same in every year and scenario. A value is *fitted* when the
calibration against reliability-A observed journey times (timetables, timed trips) chose it inside
its range; otherwise it is taken from its source as is. Ranges come from the cited source: a value
outside its range is refused (``check_parameters``, run in CI by the tests).

Units are in the names: ``_kph``, ``_s``, ``_min``, ``_m``; factors and weights are plain numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from network._errors import DataError


@dataclass(frozen=True)
class Parameter:
    """One physical parameter.

    Attributes
    ----------
    name : identifier, with its unit as suffix
    value : the value used
    low, high : the allowed range from ``source``
    unit : unit in words (for tables)
    source : where the value and its range come from
    fitted : True when calibration chose ``value`` inside [low, high]
    """

    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    fitted: bool = False


_HCM = "HCM 2010 ch. 18 (Exhibit 18-4): control delay per vehicle at a signal, LOS B 10-20, C 20-35, D 35-55 s"
_CJJ = "CJJ 37-2012 design speeds; operating speed below design speed"
_JTG = "JTG B01-2014 design speeds (expressway 120/100/80 km/h)"
_RAMP = (
    "JTG B01-2014 interchange ramp design speeds 40-80 km/h (loops 40): a 0.5-1 km ramp at 40-60 km/h takes 20-45 s longer"
    " than the main line at 100 km/h, plus 5-15 s to slow down and speed up; charged per ramp (getting on, off, or changing expressway)"
)
_TOLL = (
    "toll station passage: about 20 s to check a car through a manual toll gate, 3 s by ETC (China Daily 2008-12-04,"
    " http://www.chinadaily.com.cn/china/2008-12/04/content_7268757.htm), plus stopping from and regaining ramp speed (about 10 s);"
    " queues at busy plazas add more; charged once on entry and once on exit (closed toll system)"
)
_CIRCUITY = "local-street circuity over straight lines 1.2-1.4 (Ballou et al. 2002), by area type; connectors (place to network) and direct trips"
_REACH = (
    "documented reach of a connector (local streets between a place and the modelled network): a strategic model's zone"
    " connector stands for the streets inside a zone, about half a zone's width (judgement from zone sizes of city models);"
    " beyond it the access leg is flagged (route --json 'flags', matrix .json 'beyond_reach', metrics.json 'beyond_reach'), not silently driven"
)
_SUBURBAN = (
    "high-standard suburban arterial (6-8 lanes, design 60-80 km/h, signals km apart; e.g. 潇湘大道三段: 6 lanes, 46 m, design 60 km/h,"
    " https://xw.qq.com/cmsid/20200703A0LZZ900): running speed between signals, each signal adds signal_delay_<period>_s"
    " (signal spacing as data, data/road_classes.csv); 长沙 2020 traffic report: 城区 evening-peak 快速路 31 km/h, 主干路 21 km/h"
    " (https://hunan.sina.cn/news/2021-02-08/detail-ikftpnny5796314.d.html)"
)
_ARTERIAL_SUBURBAN = (
    _CJJ + " (主干路 60/50/40), signal delay included: the part of an urban arterial outside the dense city (cells below"
    " 1,500 persons / km²: suburban districts, 暮云, 昭山, the 株洲–湘潭 belt) has junctions 1-2 km apart instead of 300-500 m,"
    " so a design-60 road averages 40-50 off-peak (50 km/h running + 20 s per signal every 1.5 km = 43 km/h); the dense-city"
    " speed stays speed_urban_arterial_<period>_kph"
)
_CS_2018 = (
    "长沙 2018 traffic report (长沙市交通状况年度报告): 城区道路 evening-peak average 21.1 km/h"
    " (http://hunan.sina.com.cn/news/s/2019-08-11/detail-ihytcitm8347830.shtml)"
)
_CS_2020 = (
    "长沙 2020 traffic report: 城区 evening-peak 快速路 31 km/h (东二环 35.1, 西二环 37.6, 南二环 27.9), 主干路 21 km/h, 五一大道 14.2"
    " (https://hunan.sina.cn/news/2021-02-08/detail-ikftpnny5796314.d.html)"
)
_KM_2019 = (
    "a comparable provincial capital's measured figure: 昆明 2019 annual traffic report, 建成区 主干道×主干道 junctions 32.5 s average delay"
    " per vehicle in the morning peak, city roads 25.6 km/h morning peak (http://kmuti.km.org.cn/jtnb/2019/chapter05/index.html)"
)
_TAG = "UK TAG unit M3.2 / A1.3: walk and wait time valued at 1.5-2.5 x in-vehicle time; interchange penalty 5-10 min"
_GEN = "; transit paths are chosen by generalized cost (network.routing.graphs.CostWeights), reported in clock minutes; applies to "
_RAIL = "train performance: B-type metro 1.0 m/s2 accel / 1.0 brake; CRH6 intercity 0.6-0.8 m/s2; CRH380 0.4-0.5 m/s2 (a stop costs v/2a + v/2b over running through)"

PARAMETER_TABLE: Final[tuple[Parameter, ...]] = (
    # --- roads: operating speeds by class and period (junction delay of arterials included) ---
    Parameter("speed_expressway_off_peak_kph", 100.0, 85.0, 120.0, "km/h", _JTG),
    Parameter("speed_expressway_am_peak_kph", 85.0, 60.0, 110.0, "km/h", _JTG + "; AM peak: recurrent congestion at urban interchanges"),
    Parameter("speed_urban_express_off_peak_kph", 65.0, 50.0, 80.0, "km/h", _CJJ + " (快速路 100/80/60)"),
    Parameter("speed_urban_express_am_peak_kph", 45.0, 30.0, 70.0, "km/h", _CJJ + " (快速路 100/80/60); " + _CS_2020 + ": the 二环's evening peak is slower than this value, which stands for the 三干 and the newer 快速路 outside the 二环 as well (no peak speed published for them)"),
    Parameter("speed_urban_arterial_off_peak_kph", 35.0, 25.0, 50.0, "km/h", _CJJ + " (主干路 60/50/40), signal delay included"),
    Parameter("speed_urban_arterial_am_peak_kph", 24.0, 15.0, 35.0, "km/h", _CJJ + "; " + _CS_2018 + "; " + _CS_2020 + "; no peak speed found published for 株洲 or 湘潭 (their arterials take 长沙's value)"),
    Parameter("speed_urban_arterial_suburban_off_peak_kph", 45.0, 35.0, 55.0, "km/h", _ARTERIAL_SUBURBAN),
    Parameter("speed_urban_arterial_suburban_am_peak_kph", 35.0, 25.0, 45.0, "km/h", _ARTERIAL_SUBURBAN + "; AM peak"),
    Parameter("speed_urban_minor_off_peak_kph", 25.0, 15.0, 35.0, "km/h", _CJJ + " (次干路/支路)"),
    Parameter("speed_urban_minor_am_peak_kph", 18.0, 10.0, 30.0, "km/h", _CJJ + " (次干路/支路)"),
    Parameter("speed_suburban_arterial_off_peak_kph", 60.0, 45.0, 70.0, "km/h", _SUBURBAN + "; running speed off-peak about 0.8-1.0 x design 60-80"),
    Parameter("speed_suburban_arterial_am_peak_kph", 50.0, 35.0, 65.0, "km/h", _SUBURBAN + "; AM peak below off-peak, above the 长沙 城区 主干路 average (21 km/h, 2020 report)"),
    Parameter("speed_rural_highway_off_peak_kph", 60.0, 45.0, 80.0, "km/h", "JTG B01-2014 一级/二级公路 100/80/60"),
    Parameter("speed_rural_highway_am_peak_kph", 52.0, 35.0, 75.0, "km/h", "JTG B01-2014 一级/二级公路 100/80/60"),
    Parameter("speed_rural_minor_off_peak_kph", 35.0, 20.0, 45.0, "km/h", "JTG B01-2014 三级/四级公路 40/30/20"),
    Parameter("speed_rural_minor_am_peak_kph", 30.0, 20.0, 45.0, "km/h", "JTG B01-2014 三级/四级公路 40/30/20"),
    # --- roads: signalised junctions (node delays, added per junction on running-speed classes) ---
    Parameter("signal_delay_off_peak_s", 20.0, 10.0, 35.0, "s", _HCM + "; off-peak through traffic: LOS B-C"),
    Parameter("signal_delay_am_peak_s", 35.0, 20.0, 55.0, "s", _HCM + "; AM peak: LOS C-D; " + _KM_2019),
    Parameter("speed_signalised_running_off_peak_kph", 50.0, 40.0, 60.0, "km/h", _CJJ + "; 主干路 (design 60) between junctions"),
    Parameter("speed_signalised_running_am_peak_kph", 40.0, 30.0, 55.0, "km/h", _CJJ + "; 主干路 between junctions, AM peak"),
    # --- roads: expressway ramps and toll stations (closed toll system; network/routing/graphs.py expressway_split) ---
    Parameter("expressway_ramp_s", 30.0, 15.0, 60.0, "s", _RAMP),
    Parameter("expressway_toll_s", 30.0, 10.0, 90.0, "s", _TOLL),
    # --- road access and terminals ---
    Parameter("access_detour", 1.3, 1.2, 1.4, "x crow-fly", "road-network circuity 1.2-1.4 over straight lines (Ballou et al. 2002); station links and walking transfers"),
    Parameter("connector_detour_core", 1.3, 1.2, 1.4, "x crow-fly", _CIRCUITY + "; a dense street grid"),
    Parameter("connector_detour_urban", 1.3, 1.2, 1.4, "x crow-fly", _CIRCUITY),
    Parameter("connector_detour_suburban", 1.3, 1.2, 1.5, "x crow-fly", _CIRCUITY + "; gated estates and campuses lengthen suburban routes"),
    Parameter("connector_detour_rural", 1.3, 1.2, 1.6, "x crow-fly", _CIRCUITY + "; rural roads follow valleys and field edges"),
    Parameter("connector_reach_core_m", 1500.0, 1000.0, 3000.0, "m", _REACH + "; core zones are 1-3 km across"),
    Parameter("connector_reach_urban_m", 2500.0, 1500.0, 4000.0, "m", _REACH + "; urban zones 2-5 km"),
    Parameter("connector_reach_suburban_m", 4000.0, 2500.0, 6000.0, "m", _REACH + "; suburban zones 4-8 km"),
    Parameter("connector_reach_rural_m", 6000.0, 4000.0, 10000.0, "m", _REACH + "; rural zones 6-15 km"),
    Parameter("connector_core_kph", 15.0, 10.0, 25.0, "km/h", "local streets in a city core (次干路/支路 peak speeds)"),
    Parameter("connector_urban_kph", 20.0, 12.0, 30.0, "km/h", "local streets in the built-up area"),
    Parameter("connector_suburban_kph", 30.0, 20.0, 40.0, "km/h", "suburban local roads"),
    Parameter("connector_rural_kph", 35.0, 25.0, 50.0, "km/h", "rural roads 三级/四级公路 40/30/20 design"),
    Parameter("connector_off_peak_factor", 1.39, 1.0, 1.5, "x", "connector speeds above are AM-peak local-street speeds; off-peak local streets run faster by the ratio of this table's urban_minor speeds (25 / 18 km/h = 1.39)"),
    Parameter("car_terminal_core_min", 2.0, 1.0, 6.0, "min", "parking search and walk at each trip end in a dense core (strategic-model terminal times 1-6 min)"),
    Parameter("car_terminal_urban_min", 1.0, 0.5, 4.0, "min", "parking and walk at each trip end in the built-up area"),
    Parameter("car_terminal_suburban_min", 0.5, 0.0, 3.0, "min", "parking and walk at each trip end, suburban"),
    Parameter("car_terminal_rural_min", 0.0, 0.0, 2.0, "min", "parking at the door, rural"),
    # --- transit access, waits, transfers ---
    Parameter("walk_speed_kph", 4.8, 4.5, 5.0, "km/h", "pedestrian speed 1.25-1.4 m/s (HCM 2010 ch. 23)"),
    Parameter("walk_max_m", 1000.0, 800.0, 1200.0, "m", "walk catchment of rail stations, 800-1200 m in Chinese TOD studies"),
    Parameter("bus_feeder_speed_factor", 0.6, 0.5, 0.8, "x car speed", "bus operating speed 0.5-0.8 of car speed on the same road (stops, boarding)"),
    Parameter("bus_feeder_wait_min", 4.0, 2.0, 8.0, "min", "half the headway of urban feeder buses (4-15 min)"),
    Parameter("bus_feeder_max_m", 10000.0, 5000.0, 15000.0, "m", "longest feeder-bus connector between a place and a station or road: one ride on a city bus line, whose routes run 10-25 km end to end (长沙县 lines 15-24.5 km, https://www.chaxiaohao.com/read-1750247493l227201.html), so a place up to about 10 km of streets from a station is served by one bus; farther, a trip uses intercity buses, rail, or nothing"),
    Parameter(
        "bus_line_length_m",
        16000.0,
        10000.0,
        25000.0,
        "m",
        "length L of a city bus line end to end, for the line changes of a long feeder-bus ride: routes run 10-25 km"
        " (长沙县 lines 15-24.5 km, https://www.chaxiaohao.com/read-1750247493l227201.html; 长沙's four new city lines of"
        " 2016 15-19 km one way, https://hn.rednet.cn/c/2016/02/26/1060479.htm; its first four 村村通 lines of 2022"
        " 12.6-16.3 km, http://lx176.com/news/2022/0902/82344.shtml; 16 km: about the median of the eight 长沙 lines)."
        " A ride of d km on the road layer changes line d / L times"
        " on average (a traveller boards at a random point of the lines' runs), each change a wait of bus_feeder_wait_min"
        " and a transfer_penalty_min, charged on every road edge by its share of L (network.routing.graphs.feeder_change_share)",
    ),
    Parameter("initial_wait_cap_min", 10.0, 8.0, 15.0, "min", "waits grow as half the headway up to ~10-12 min; beyond, travellers time their arrival (TAG M3.2)"),
    Parameter("initial_wait_slope_beyond_cap", 0.3, 0.0, 0.5, "x half-headway", "share of half the headway beyond the cap still waited (TAG M3.2 timetable-aware)"),
    Parameter(
        "transfer_timed_feed_headway_max_min",
        10.0,
        10.0,
        15.0,
        "min",
        "a change of train reached by a line this frequent or more waits like a first boarding (initial_wait_cap_min and"
        " initial_wait_slope_beyond_cap), not the full half headway: the traveller times their departure so the frequent line"
        " brings them to the change, as they time their walk to a first boarding. TCQSM 3rd ed. (TCRP Report 165, 2013)"
        " frequency LOS: at headways under 10 min passengers need no schedule, at 10-14 min they consult one;"
        " a change from a less frequent line waits the full half headway (the connection is the timetable's, not chosen)",
    ),
    Parameter("walk_weight", 2.0, 1.5, 2.5, "x in-vehicle", _TAG + _GEN + "walking (connectors, street to platform, walking transfers)"),
    Parameter("wait_weight", 2.0, 1.5, 2.5, "x in-vehicle", _TAG + _GEN + "waiting (first boarding, transfers, feeder buses)"),
    Parameter("transfer_penalty_min", 5.0, 3.0, 10.0, "min", _TAG + _GEN + "each boarding after the first (train or feeder bus)"),
    # --- rail operations (mean acceleration / braking over the speed range; dwell at intermediate stops) ---
    Parameter("accel_metro_mps2", 0.8, 0.6, 1.0, "m/s2", _RAIL),
    Parameter("brake_metro_mps2", 0.8, 0.6, 1.0, "m/s2", _RAIL),
    Parameter("dwell_metro_s", 30.0, 20.0, 45.0, "s", "metro dwell 20-45 s (Changsha Metro timetables)"),
    Parameter("accel_maglev_mps2", 0.6, 0.4, 1.0, "m/s2", "Changsha maglev (medium-low speed, 100 km/h in service)"),
    Parameter("brake_maglev_mps2", 0.6, 0.4, 1.0, "m/s2", "Changsha maglev"),
    Parameter("dwell_maglev_s", 45.0, 30.0, 60.0, "s", "maglev intermediate stop"),
    Parameter("accel_intercity_mps2", 0.45, 0.3, 0.8, "m/s2", _RAIL, fitted=True),
    Parameter("brake_intercity_mps2", 0.45, 0.3, 0.8, "m/s2", _RAIL, fitted=True),
    Parameter("dwell_intercity_s", 45.0, 30.0, 120.0, "s", "CRH6 intercity dwell 1-2 min", fitted=True),
    Parameter("line_speed_intercity_kph", 180.0, 120.0, 200.0, "km/h", "line speed of the 长株潭 intercity outside Changsha's built-up area: design speed 200 km/h (m.tielu.cn/47/153126.html), CRH6A maximum 200 km/h; curves may hold it lower", fitted=True),
    Parameter("line_speed_intercity_urban_kph", 70.0, 60.0, 120.0, "km/h", "line speed of the intercity's sections under built-up Changsha (data/rail_speed_sections.csv): tunnel, tight curves and station throats 2-5 km apart; 60 (turnout and curve limits) to 120 (urban tunnel curves of ~600 m radius)", fitted=True),
    Parameter("accel_hsr_mps2", 0.2, 0.2, 0.5, "m/s2", _RAIL + "; 0-300 km/h in about 6-7 min including station-throat limits"),
    Parameter("brake_hsr_mps2", 0.25, 0.25, 0.6, "m/s2", _RAIL + "; service braking from 300 km/h over 12-15 km"),
    Parameter("dwell_hsr_s", 120.0, 60.0, 300.0, "s", "HSR intermediate stop 2-5 min"),
    Parameter(
        "dwell_reversal_hsr_s",
        900.0,
        600.0,
        1800.0,
        "s",
        "an HSR through train that turns back at a stop (network.model.rail.reverses_at: e.g. 武广 → 长沙南 → 沪昆 towards 湘潭北,"
        " the G6146 of 2015) stands while the driver changes ends: walking the length of an 8- or 16-car EMU (200-415 m at about"
        " 1.2 m/s: 3-6 min), starting up the other cab and a brake test, passengers alighting and boarding meanwhile: 10-15 min at"
        " the least, timetables of such trains 10-30 min at 长沙南 (judgement from these steps; no published standard found; not"
        " fitted: the G6146 row, 51 min 株洲西 → 湘潭北, would need about 25 min with the table's run times)",
    ),
    Parameter("accel_conventional_mps2", 0.15, 0.1, 0.4, "m/s2", "loco-hauled passenger trains, 0-120 km/h in 3-5 min"),
    Parameter("brake_conventional_mps2", 0.3, 0.2, 0.5, "m/s2", "loco-hauled passenger trains"),
    Parameter("dwell_conventional_s", 240.0, 120.0, 600.0, "s", "long-distance trains stop 3-10 min at large stations"),
    Parameter("station_access_metro_s", 120.0, 60.0, 240.0, "s", "street to platform (entrance, security check, stairs)"),
    Parameter("station_access_maglev_s", 180.0, 60.0, 300.0, "s", "street to platform at the maglev stations"),
    Parameter("station_access_intercity_s", 300.0, 180.0, 480.0, "s", "street to platform incl. ticket and security check"),
    Parameter("station_access_hsr_s", 600.0, 300.0, 900.0, "s", "street to platform incl. ID check and security; HSR stations are large"),
    Parameter("station_access_conventional_s", 600.0, 300.0, 900.0, "s", "street to platform incl. ID check and security at national-rail stations"),
    Parameter("station_access_bus_s", 30.0, 0.0, 120.0, "s", "kerbside bus stop (GTFS services): no entrance or security check; a minute at most to find the stand at a bus station"),
    Parameter("station_access_tram_s", 60.0, 0.0, 180.0, "s", "tram stop on the street (GTFS services)"),
    Parameter("station_access_ferry_s", 300.0, 120.0, 600.0, "s", "ferry pier: ticket and boarding (GTFS services)"),
    Parameter("transfer_walk_s", 120.0, 60.0, 300.0, "s", "platform to platform inside a station"),
    Parameter(
        "transfer_min_national_rail_s",
        900.0,
        600.0,
        1800.0,
        "s",
        "minimum time to change onto a national-rail train (HSR or conventional: 长沙南, 株洲西, 株洲, 湘潭北), security and ticket"
        " gates included, replacing transfer_walk_s for those boardings: advice for HSR connections is at least 15 min at smaller"
        " stations and 25 min at large ones, about 30 min at 长沙南 when leaving and re-entering the station"
        " (cheyoumi.com/c/180462.html, 2023-12); the half headway of the train boarded is waited on top",
    ),
)

PARAMETERS: Final[dict[str, Parameter]] = {p.name: p for p in PARAMETER_TABLE}
TRANSIT_ONLY_PREFIXES: Final = ("accel_", "brake_", "dwell_", "line_speed_", "station_access_", "transfer_", "initial_wait_", "wait_weight")
"""Parameters read only when building rail services and the transit graph (never by the car graph or car
connectors; a test checks it): a car trip's minutes do not depend on them, so calibration need not
re-route car rows when only these change."""


def transit_only(name: str) -> bool:
    """True when parameter ``name`` affects transit trips only (``TRANSIT_ONLY_PREFIXES``)."""
    return name.startswith(TRANSIT_ONLY_PREFIXES)
DEFAULTS: Final[dict[str, float]] = {p.name: p.value for p in PARAMETER_TABLE}


def check_parameters(values: Mapping[str, float], *, where: str = "model parameters") -> None:
    """Refuse unknown names and values outside their allowed range, naming the parameter and its range.

    Raises
    ------
    DataError
    """
    for name, v in values.items():
        if name not in PARAMETERS:
            raise DataError(f"{where}: unknown parameter {name!r}; expected one of {sorted(PARAMETERS)}")
        p = PARAMETERS[name]
        if not (p.low <= float(v) <= p.high):
            raise DataError(f"{where}: parameter {name!r} = {v!r} {p.unit}; expected a value in [{p.low:g}, {p.high:g}] ({p.source})")


def parameter_values(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The default values with ``overrides`` applied (each checked against its range)."""
    out = dict(DEFAULTS)
    if overrides:
        check_parameters(overrides, where="parameter overrides")
        out.update({k: float(v) for k, v in overrides.items()})
    return out
