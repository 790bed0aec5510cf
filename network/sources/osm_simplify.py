"""Cleaning a raw OSM road graph for regional analysis: simplify, consolidate intersections, keep a component.

Two implementations of the same steps:

- ``simplify_and_consolidate`` (osmnx, on a networkx graph): ``simplify_graph``, ``project_graph``,
  ``consolidate_intersections(rebuild_graph=True, dead_ends=True, reconnect_edges=True)`` and
  ``largest_component``. Fine for a district; on the whole study area its consolidation does a pandas
  MultiIndex lookup per edge whose cost grows with the graph (548 s of a 609 s build at 72k nodes).
- ``simplify_arrays`` / ``consolidate_arrays`` / ``largest_component_arrays`` (NumPy, SciPy, one
  numba loop), every step linear in the graph (plus a KD-tree query):

  * simplify: a node is an endpoint by osmnx's rules (self-loop; no in- or no out-edges; not exactly two
    neighbours with 2 or 4 incident edges; highway or maxspeed differ between its edges); paths between
    endpoints are walked once (numba) and become one edge (lengths and signal counts summed, names and
    refs joined); components without any endpoint (isolated rings) are dropped, as osmnx does;
  * consolidate: osmnx buffers every node by the tolerance and merges overlapping buffers, i.e. nodes
    closer than 2 × tolerance fall into one cluster (single linkage). Here: a KD-tree pair query at
    2 × tolerance and connected components (union-find). A cluster whose nodes are not connected by
    edges among themselves is split into its weakly connected parts (osmnx step 3). A merged node sits
    at the centroid of the cluster's buffer union (an unsplit cluster; computed with shapely, exact for
    two nodes as their midpoint) or of its points (a split part). Edges inside a cluster disappear;
    edges that reach a merged node are extended to it and their length becomes the projected length
    of the extended shape (osmnx step 7); other edges keep their great-circle length.
  * largest strongly (or weakly) connected component: scipy.sparse.csgraph.

  Checked against osmnx on the real NE Changsha fixture (tests/sources/test_osm_arrays.py). Known differences,
  all rare: buffers in osmnx are 64-gons, so two nodes 2 × tolerance × (0.9988…1) apart may merge here
  and not there; parallel duplicate edges between interior nodes (overlapping ways) are kept once per
  start node here as in osmnx, but which duplicate's attributes survive may differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final, Literal

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from network.geo import to_metric
from network.paths import CRS_METRIC
from network.sources.osm_read import RawGraph, first_highway, joined, oneway_flag, unique_first_inverse

log = logging.getLogger(__name__)

Component = Literal["strong", "weak", "all"]
CONSOLIDATE_TOLERANCE_M: Final[float] = 20.0
"""Nodes within this distance (UTM metres) of each other form one intersection (osmnx consolidate)."""
BUFFER_QUAD_SEGS: Final[int] = 16
"""Segments per quarter circle of geopandas' default buffer, as osmnx uses it."""


# --------------------------------------------------------------------------------------------------
# osmnx
# --------------------------------------------------------------------------------------------------


def simplify_and_consolidate(G: Any, *, tolerance_m: float = CONSOLIDATE_TOLERANCE_M, component: Component = "strong") -> Any:
    """osmnx simplify (counting signalised junctions per edge), project to UTM 49N, consolidate
    intersections within ``tolerance_m`` and keep the largest ``component``.

    ``"strong"`` (default) keeps the largest strongly connected component, so every node can reach and
    be reached from every other (no one-way dead ends at the study-area boundary); ``"weak"`` the largest
    weakly connected one; ``"all"`` keeps everything (for inspecting a clipped extract).
    """
    import osmnx as ox  # heavy (osmnx): only when building from OSM

    for _, v, data in G.edges(data=True):
        data["signals"] = 1 if G.nodes[v].get("highway") == "traffic_signals" else 0
    # a node where the highway class or the speed limit changes stays an endpoint, so a merged edge
    # never mixes classes (its class decides its speed)
    G = ox.simplify_graph(G, edge_attrs_differ=["highway", "maxspeed"], edge_attr_aggs={"length": sum, "signals": sum})
    G = ox.project_graph(G, to_crs=CRS_METRIC)
    if tolerance_m > 0 and len(G) > 1:
        G = ox.consolidate_intersections(G, tolerance=tolerance_m, rebuild_graph=True, dead_ends=True, reconnect_edges=True)
    if component == "all":
        return G
    return ox.truncate.largest_component(G, strongly=component == "strong")


# --------------------------------------------------------------------------------------------------
# arrays
# --------------------------------------------------------------------------------------------------


@dataclass
class SimpleGraph:
    """A simplified (and possibly consolidated) directed road graph as arrays, projected to UTM 49N.

    Nodes: x, y (m). Edges u -> v with ``length_m`` (osmnx's length attribute), ``signals`` (signal nodes
    passed), ``tag`` (row of ``tags``: highway, maxspeed, oneway of the path) and ``name`` / ``ref``
    (joined with ";" where a path spans several ways).
    """

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length_m: npt.NDArray[np.float64]
    shape_m: npt.NDArray[np.float64]
    """Projected length of the edge's shape (what osmnx measures when it extends an edge)."""
    signals: npt.NDArray[np.float64]
    tag: npt.NDArray[np.int64]
    name: npt.NDArray[np.object_]
    ref: npt.NDArray[np.object_]
    tags: pd.DataFrame

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    def take_edges(self, keep: npt.NDArray[np.bool_]) -> SimpleGraph:
        """The same nodes with only the edges where ``keep`` is True."""
        return SimpleGraph(
            self.x,
            self.y,
            self.u[keep],
            self.v[keep],
            self.length_m[keep],
            self.shape_m[keep],
            self.signals[keep],
            self.tag[keep],
            self.name[keep],
            self.ref[keep],
            self.tags,
        )


def project_xy(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """WGS-84 degrees to UTM 49N metres."""
    to_m = to_metric()
    x, y = to_m.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _codes(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    return np.asarray(pd.factorize(pd.Series(values, dtype=object))[0], dtype=np.int64)


def _factorize_rows(df: pd.DataFrame) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
    """Codes of the distinct rows of ``df`` (first-seen order) and the table of those rows; per-column
    codes combined into one integer (a MultiIndex factorize is ten times slower at this size)."""
    key = np.zeros(len(df), dtype=np.int64)
    for col in df.columns:
        c = _codes(df[col].to_numpy(dtype=object))
        key = key * np.int64(int(c.max()) + 1 if len(c) else 1) + c
    _, first, inv = unique_first_inverse(key)
    # renumber in first-seen order
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    codes = rank[inv]
    table = df.iloc[np.sort(first)].reset_index(drop=True)
    return codes, table


def endpoints(g: RawGraph) -> npt.NDArray[np.bool_]:
    """osmnx ``_is_endpoint`` for every node, with ``edge_attrs_differ=["highway", "maxspeed"]``."""
    n = g.n_nodes
    u, v = g.u, g.v
    out_deg = np.bincount(u, minlength=n)
    in_deg = np.bincount(v, minlength=n)
    self_loop = np.zeros(n, dtype=bool)
    self_loop[u[u == v]] = True
    # distinct neighbours over predecessors and successors
    a = np.concatenate([u, v])
    b = np.concatenate([v, u])
    pairs = _sorted_unique(a * np.int64(n) + b)
    n_nb = np.bincount(pairs // n, minlength=n)
    deg = in_deg + out_deg
    end = self_loop | (out_deg == 0) | (in_deg == 0) | ~((n_nb == 2) & ((deg == 2) | (deg == 4)))
    # incident edges whose highway or maxspeed differ
    for col in ("highway", "maxspeed"):
        code = _codes(g.tags[col].to_numpy(dtype=object))[g.tag]
        node = np.concatenate([u, v])
        c = np.concatenate([code, code])
        lo = np.full(n, np.iinfo(np.int64).max)
        hi = np.full(n, -1)
        np.minimum.at(lo, node, c)
        np.maximum.at(hi, node, c)
        end |= (hi >= 0) & (lo != hi)
    return end


@numba.njit(cache=True)
def _walk_paths(
    n: int, indptr: np.ndarray, out_edge: np.ndarray, head: np.ndarray, is_end: np.ndarray
) -> tuple[Any, Any, Any, Any]:  # pragma: no cover - compiled
    """Paths between endpoints (osmnx ``_get_paths_to_simplify`` / ``_build_path``).

    Returns (path_ptr, path_edges, visited, n_paths): path k consists of the raw edges
    ``path_edges[path_ptr[k]:path_ptr[k+1]]`` in order; ``visited`` marks interior nodes on some path.
    """
    m = len(head)
    path_edges = np.empty(m, dtype=np.int64)
    path_ptr = np.empty(m + 1, dtype=np.int64)
    visited = np.zeros(n, dtype=np.bool_)
    n_paths = 0
    k = 0
    path_ptr[0] = 0
    for e_node in range(n):
        if not is_end[e_node]:
            continue
        lo, hi = indptr[e_node], indptr[e_node + 1]
        for j in range(lo, hi):
            e = out_edge[j]
            s = head[e]
            # one path per (endpoint, successor node): skip parallel edges to the same successor
            dup = False
            for j2 in range(lo, j):
                if head[out_edge[j2]] == s:
                    dup = True
                    break
            if dup and not is_end[s]:
                continue
            path_edges[k] = e
            k += 1
            if not is_end[s]:
                prev = e_node
                cur = s
                steps = 0
                while not is_end[cur] and steps < m:
                    visited[cur] = True
                    nxt = -1
                    for j3 in range(indptr[cur], indptr[cur + 1]):
                        e3 = out_edge[j3]
                        if head[e3] != prev:
                            nxt = e3
                            break
                    if nxt < 0:
                        break
                    path_edges[k] = nxt
                    k += 1
                    prev = cur
                    cur = head[nxt]
                    steps += 1
            n_paths += 1
            path_ptr[n_paths] = k
    return path_ptr[: n_paths + 1], path_edges[:k], visited, np.int64(n_paths)


def _join_texts(table: npt.NDArray[np.object_], code: npt.NDArray[np.int64], group: npt.NDArray[np.int64], n_groups: int) -> npt.NDArray[np.object_]:
    """Per group: the distinct non-empty texts ``table[code]`` of its members (split at ";"), sorted,
    joined with ";". Works on integer codes; only groups with several texts reach Python."""
    out = np.full(n_groups, "", dtype=object)
    text_code = _codes(table)
    c = text_code[code]
    empty = np.flatnonzero(table == "")
    keep = ~np.isin(c, text_code[empty]) if len(empty) else np.ones(len(c), dtype=bool)
    g, c = group[keep], c[keep]
    if not len(g):
        return out
    key = _sorted_unique(g * np.int64(int(c.max()) + 1) + c)
    gu = key // (int(c.max()) + 1)
    cu = key % (int(c.max()) + 1)
    texts = np.empty(int(text_code.max()) + 1, dtype=object)
    texts[text_code] = table
    n_per = np.bincount(gu, minlength=n_groups)
    single = n_per[gu] == 1
    out[gu[single]] = texts[cu[single]]
    multi = ~single
    if multi.any():
        for gid, cs in pd.Series(cu[multi]).groupby(gu[multi]):
            parts = sorted({q.strip() for t in texts[cs.to_numpy()] for q in str(t).split(";") if q.strip()})
            out[int(gid)] = ";".join(parts)
    # a single text may itself hold several ";"-separated values: normalise those too
    semi = np.flatnonzero(np.char.find(out.astype(str), ";") >= 0)
    for k in semi:
        out[k] = ";".join(sorted({q.strip() for q in str(out[k]).split(";") if q.strip()}))
    return out


def _sorted_unique(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    s = np.sort(a)
    return s[np.concatenate([[True], s[1:] != s[:-1]])] if len(s) else s


def simplify_arrays(g: RawGraph) -> SimpleGraph:
    """osmnx ``simplify_graph(edge_attrs_differ=["highway", "maxspeed"])`` on arrays, then projected to UTM 49N.

    Each path between endpoints becomes one edge: ``length_m`` and ``signals`` (signal nodes at the
    heads of its segments) summed, ``shape_m`` the projected length of its shape, names and refs of the
    ways it spans joined. Nodes not on any path and not endpoints (isolated rings) are dropped.
    """
    n = g.n_nodes
    is_end = endpoints(g)
    order = np.argsort(g.u, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(g.u, minlength=n), out=indptr[1:])
    path_ptr, path_edges, _, n_paths_ = _walk_paths(n, indptr, order.astype(np.int64), g.v.astype(np.int64), is_end)
    n_paths = int(n_paths_)
    path_of = np.repeat(np.arange(n_paths), np.diff(path_ptr))
    x, y = project_xy(g.lon, g.lat)
    seg_m = np.hypot(x[g.v] - x[g.u], y[g.v] - y[g.u])
    first = path_edges[path_ptr[:-1]]
    last = path_edges[path_ptr[1:] - 1]
    length = np.bincount(path_of, weights=g.length_m[path_edges], minlength=n_paths).astype(float)
    shape = np.bincount(path_of, weights=seg_m[path_edges], minlength=n_paths).astype(float)
    signals = np.bincount(path_of, weights=g.signal[g.v[path_edges]].astype(float), minlength=n_paths).astype(float)
    # name / ref: of the ways (tag rows) along the path
    tag_e = g.tag[path_edges]
    names = _join_texts(g.tags["name"].to_numpy(dtype=object), tag_e, path_of, n_paths)
    refs = _join_texts(g.tags["ref"].to_numpy(dtype=object), tag_e, path_of, n_paths)
    # the class, limit and direction of a path: of any of its edges (interior nodes have uniform ones),
    # but a path is one way if any of its segments is
    oneway = np.zeros(n_paths, dtype=bool)
    np.logical_or.at(oneway, path_of, g.tags["oneway"].to_numpy(dtype=bool)[tag_e])
    keys = pd.DataFrame(
        {
            "highway": g.tags["highway"].to_numpy(dtype=object)[g.tag[first]],
            "maxspeed": g.tags["maxspeed"].to_numpy(dtype=object)[g.tag[first]],
            "oneway": oneway,
        }
    )
    tag_codes, tags = _factorize_rows(keys)
    u = g.u[first]
    v = g.v[last]
    # the simplified graph's nodes: endpoints (paths start and end there)
    used = np.zeros(n, dtype=bool)
    used[u] = True
    used[v] = True
    used |= is_end & (np.bincount(np.concatenate([g.u, g.v]), minlength=n) > 0)
    new_id = np.cumsum(used) - 1
    log.info("simplified %d nodes / %d edges to %d nodes / %d edges", n, len(g.u), int(used.sum()), n_paths)
    return SimpleGraph(
        x=x[used],
        y=y[used],
        u=new_id[u],
        v=new_id[v],
        length_m=length,
        shape_m=shape,
        signals=signals,
        tag=np.asarray(tag_codes, dtype=np.int64),
        name=names,
        ref=refs,
        tags=tags,
    )


def _buffer_union_centroids(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], group: npt.NDArray[np.int64], tolerance_m: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per group (0..k-1, sorted input not required): centroid of the union of the members' buffers."""
    k = int(group.max()) + 1 if len(group) else 0
    cx = np.bincount(group, weights=x, minlength=k) / np.maximum(np.bincount(group, minlength=k), 1)
    cy = np.bincount(group, weights=y, minlength=k) / np.maximum(np.bincount(group, minlength=k), 1)
    size = np.bincount(group, minlength=k)
    big = np.flatnonzero(size > 2)  # two equal discs: the union's centroid is the midpoint
    if len(big):
        sel = np.isin(group, big)
        order = np.argsort(group[sel], kind="stable")
        gx, gy, gg = x[sel][order], y[sel][order], group[sel][order]
        discs = shapely.buffer(shapely.points(gx, gy), tolerance_m, quad_segs=BUFFER_QUAD_SEGS)
        bounds = np.flatnonzero(np.diff(gg)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(gg)]])
        for s, e in zip(starts, ends):
            c = shapely.union_all(discs[s:e]).centroid
            cx[gg[s]] = c.x
            cy[gg[s]] = c.y
    return cx, cy


def consolidate_arrays(s: SimpleGraph, tolerance_m: float = CONSOLIDATE_TOLERANCE_M) -> SimpleGraph:
    """osmnx ``consolidate_intersections(tolerance, rebuild_graph=True, dead_ends=True, reconnect_edges=True)``
    with a KD-tree and connected components (see the module docstring)."""
    n = s.n_nodes
    if tolerance_m <= 0 or n < 2:
        return s
    xy = np.column_stack([s.x, s.y])
    pairs = cKDTree(xy).query_pairs(r=2.0 * tolerance_m, output_type="ndarray")
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else coo_matrix((n, n))
    _, spatial = connected_components(adj, directed=False)
    # split a cluster into the parts its own edges connect (osmnx step 3)
    inner = (spatial[s.u] == spatial[s.v]) & (s.u != s.v)
    adj2 = coo_matrix((np.ones(int(inner.sum())), (s.u[inner], s.v[inner])), shape=(n, n))
    n_cl, cluster = connected_components(adj2, directed=False)
    size = np.bincount(cluster, minlength=n_cl)
    spatial_size = np.bincount(spatial, minlength=n)[spatial]
    cl_spatial_size = np.zeros(n_cl, dtype=np.int64)
    cl_spatial_size[cluster] = spatial_size
    unsplit = (size > 1) & (size == cl_spatial_size)
    # new positions: buffer-union centroid (unsplit clusters), point centroid (split parts), else the node
    cx = np.bincount(cluster, weights=s.x, minlength=n_cl) / size
    cy = np.bincount(cluster, weights=s.y, minlength=n_cl) / size
    members = unsplit[cluster]
    if members.any():
        sub = cluster[members]
        codes, uniq = pd.factorize(sub)
        ux, uy = _buffer_union_centroids(s.x[members], s.y[members], np.asarray(codes, dtype=np.int64), tolerance_m)
        cx[np.asarray(uniq)] = ux
        cy[np.asarray(uniq)] = uy
    single = size == 1
    cx[cluster[single[cluster]]] = s.x[single[cluster]]
    cy[cluster[single[cluster]]] = s.y[single[cluster]]
    cu, cv = cluster[s.u], cluster[s.v]
    keep = (cu != cv) | (s.u == s.v)
    out = s.take_edges(keep)
    cu, cv = cu[keep], cv[keep]
    # edges reaching a merged node are extended to it; their length becomes the extended shape's
    mu = size[cu] > 1
    mv = size[cv] > 1
    ext_u = np.where(mu, np.hypot(cx[cu] - s.x[out.u], cy[cu] - s.y[out.u]), 0.0)
    ext_v = np.where(mv, np.hypot(cx[cv] - s.x[out.v], cy[cv] - s.y[out.v]), 0.0)
    moved = mu | mv
    shape = out.shape_m + ext_u + ext_v
    length = np.where(moved, shape, out.length_m)
    log.info("consolidated %d nodes to %d (tolerance %.0f m)", n, n_cl, tolerance_m)
    return SimpleGraph(cx, cy, cu, cv, length, shape, out.signals, out.tag, out.name, out.ref, out.tags)


def largest_component_arrays(s: SimpleGraph, component: Component = "strong") -> SimpleGraph:
    """The largest strongly / weakly connected component (``"all"``: unchanged), nodes renumbered."""
    if component == "all" or s.n_nodes == 0:
        return s
    n = s.n_nodes
    adj = coo_matrix((np.ones(len(s.u)), (s.u, s.v)), shape=(n, n)).tocsr()
    _, lab = connected_components(adj, directed=True, connection="strong" if component == "strong" else "weak")
    big = int(np.argmax(np.bincount(lab)))
    keep_n = lab == big
    new_id = np.cumsum(keep_n) - 1
    keep_e = keep_n[s.u] & keep_n[s.v]
    out = s.take_edges(keep_e)
    return SimpleGraph(
        s.x[keep_n], s.y[keep_n], new_id[out.u], new_id[out.v], out.length_m, out.shape_m, out.signals, out.tag, out.name, out.ref, s.tags
    )


def clean_arrays(g: RawGraph, *, tolerance_m: float = CONSOLIDATE_TOLERANCE_M, component: Component = "strong") -> SimpleGraph:
    """Simplify, project, consolidate and keep the largest component, all on arrays (see the module docstring)."""
    s = simplify_arrays(g)
    s = consolidate_arrays(s, tolerance_m)
    return largest_component_arrays(s, component)


def osmnx_to_simple(G: Any) -> SimpleGraph:
    """A projected, simplified osmnx graph as a ``SimpleGraph`` (so both pipelines share the last step)."""
    node_ids = list(G.nodes)
    index = {n: i for i, n in enumerate(node_ids)}
    x = np.array([G.nodes[n]["x"] for n in node_ids], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in node_ids], dtype=float)
    rows = []
    for a, b, data in G.edges(data=True):
        rows.append(
            (
                index[a],
                index[b],
                float(data.get("length", np.hypot(x[index[a]] - x[index[b]], y[index[a]] - y[index[b]]))),
                float(np.nansum(np.asarray(data.get("signals", 0), dtype=float))),
                data.get("highway"),
                data.get("maxspeed"),
                data.get("oneway", False),
                data.get("name"),
                data.get("ref"),
            )
        )
    df = pd.DataFrame(rows, columns=["u", "v", "length", "signals", "highway", "maxspeed", "oneway", "name", "ref"])
    df["highway"] = df["highway"].map(first_highway)
    df["maxspeed"] = df["maxspeed"].map(lambda m: joined(m))
    df["oneway"] = df["oneway"].map(oneway_flag)
    codes, tags = _factorize_rows(df[["highway", "maxspeed", "oneway"]])
    return SimpleGraph(
        x=x,
        y=y,
        u=df["u"].to_numpy(dtype=np.int64),
        v=df["v"].to_numpy(dtype=np.int64),
        length_m=df["length"].to_numpy(dtype=float),
        shape_m=df["length"].to_numpy(dtype=float),
        signals=df["signals"].to_numpy(dtype=float),
        tag=np.asarray(codes, dtype=np.int64),
        name=df["name"].map(joined).to_numpy(dtype=object),
        ref=df["ref"].map(joined).to_numpy(dtype=object),
        tags=tags,
    )
