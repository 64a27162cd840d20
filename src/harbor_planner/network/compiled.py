"""The compiled walk network: arrays every algorithm runs on, saved to and loaded from a file.

A :class:`WalkNetwork` holds nodes and edges as tables indexed ``0..n-1`` (with the attributes
walking time depends on), edge geometries in a metric CRS, and the directed walking-time graph
in CSR form (one entry per ordered node pair: the fastest of any parallel edges). It is built
once (:func:`harbor_planner.network.build_network`) and saved as a single ``.npz`` file of
plain arrays (no pickles) that loads in milliseconds.
"""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from harbor_planner._io import atomic_paths, file_stamp, writing
from harbor_planner.coords import output_crs
from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.network.saved import check_saved_arrays, read_saved_arrays
from harbor_planner.network.walk import KIND_NAMES, WalkModel, edge_times, walk_model_of
from harbor_planner.settings import COMPONENT_DROP_WARN_PCT, GRADE_SOURCES

__all__ = [
    "FORMAT",
    "WalkNetwork",
    "is_network_file",
    "largest_component",
    "load_network",
    "retime",
    "save_network",
    "with_grade_columns",
]

log = logging.getLogger(__name__)

FORMAT = "harbor-planner-network"
#: 2: edges carry ``incline_grade``, ``grade_pct``, ``grade_source`` and ``above_cap``
#: (version-1 files still load; those columns are filled in).
FORMAT_VERSION = 2

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Numeric edge columns saved with the network, with their dtypes.
EDGE_NUMERIC: dict[str, str] = {
    "u": "int64",
    "v": "int64",
    "way_id": "int64",
    "kind": "int8",
    "length_m": "float64",
    "step_count": "float64",
    "incline": "int8",
    "incline_grade": "float64",
    "fwd_ok": "bool",
    "bwd_ok": "bool",
    "elevator_ends": "int8",
    "off_ground": "bool",
    "rise_m": "float64",
    "slope_len_fwd_m": "float64",
    "slope_len_bwd_m": "float64",
    "grade_pct": "float64",
    "grade_source": "int8",
    "above_cap": "bool",
    "time_fwd_s": "float64",
    "time_bwd_s": "float64",
}
#: Columns added in format version 2.
EDGE_V2: tuple[str, ...] = ("incline_grade", "grade_pct", "grade_source", "above_cap")
EDGE_TEXT: tuple[str, ...] = ("highway", "name")
NODE_NUMERIC: dict[str, str] = {"osmid": "int64", "x": "float64", "y": "float64", "z_m": "float64"}


@dataclass(frozen=True)
class _Arcs:
    indptr: IntArray
    indices: IntArray
    time_s: FloatArray
    edge: IntArray


@dataclass(frozen=True)
class EdgeLines:
    """The edge geometries as flat arrays.

    Attributes
    ----------
    xy
        ``(k, 2)`` vertex coordinates of all edges, edge after edge, metres.
    ptr
        Edge ``e`` has vertices ``xy[ptr[e]:ptr[e + 1]]`` (at least two).
    frac
        Position of each vertex along its edge, 0 at ``u`` to 1 at ``v`` (share of the length).

    """

    xy: FloatArray
    ptr: IntArray
    frac: FloatArray

    @classmethod
    def from_coords(cls, coords: FloatArray, ptr: IntArray) -> EdgeLines:
        """The flat arrays of edges whose vertices are ``coords[ptr[e]:ptr[e + 1]]``."""
        ptr = np.asarray(ptr, dtype=np.int64)
        coords = np.ascontiguousarray(coords[:, :2], dtype=np.float64)
        seg = np.hypot(*np.diff(coords, axis=0).T)
        seg[ptr[1:-1] - 1] = 0.0  # no segment from one edge's last vertex to the next's first
        cum = np.zeros(len(coords))
        np.cumsum(seg, out=cum[1:])
        owner = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
        cum -= cum[ptr[:-1]][owner]
        total = cum[ptr[1:] - 1][owner]
        frac = np.divide(cum, total, out=np.zeros_like(cum), where=total > 0)
        return cls(xy=coords, ptr=ptr, frac=frac)

    def points(self, edge: npt.ArrayLike, frac: npt.ArrayLike) -> FloatArray:
        """Coordinates at ``frac`` of the length along each ``edge`` (vectorised interpolation).

        The points of ``shapely.line_interpolate_point(edge_geometry[edge], frac,
        normalized=True)`` to within float rounding, with no geometry object: each point finds
        its segment by a binary search of its own edge's vertices (:mod:`harbor_planner._along`).

        Parameters
        ----------
        edge
            Each point's edge (position).
        frac
            Each point's position along its edge, 0 at ``u``, 1 at ``v`` (clipped to that).

        Returns
        -------
        numpy.ndarray
            ``(n, 2)`` coordinates.

        """
        edge = np.asarray(edge, dtype=np.int64)
        frac = np.clip(np.asarray(frac, dtype=np.float64), 0.0, 1.0)
        if len(edge) == 0:
            return np.zeros((0, 2))
        if edge.min() < 0 or edge.max() >= len(self.ptr) - 1:
            raise IndexError(f"edge positions must be in [0, {len(self.ptr) - 1})")
        from harbor_planner._along import points_along

        return points_along(self.xy, self.ptr, self.frac, edge, frac)

    def subset(self, edges: npt.ArrayLike) -> EdgeLines:
        """The flat arrays of the ``edges`` (positions), in that order."""
        edges = np.asarray(edges, dtype=np.int64)
        n = self.ptr[edges + 1] - self.ptr[edges]
        ptr = np.zeros(len(edges) + 1, dtype=np.int64)
        np.cumsum(n, out=ptr[1:])
        at = np.arange(ptr[-1], dtype=np.int64) + np.repeat(self.ptr[edges] - ptr[:-1], n)
        return EdgeLines(xy=self.xy[at], ptr=ptr, frac=self.frac[at])


def _edge_lines(geometry: npt.NDArray[np.object_]) -> EdgeLines:
    coords, owner = shapely.get_coordinates(geometry, return_index=True)
    ptr = np.zeros(len(geometry) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(geometry)), out=ptr[1:])
    return EdgeLines.from_coords(coords, ptr)


def _compile_arcs(edges: pd.DataFrame, n_nodes: int) -> _Arcs:
    """Directed arcs of the edges in CSR order; the fastest of parallel arcs is kept."""
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    tf = edges["time_fwd_s"].to_numpy(np.float64)
    tb = edges["time_bwd_s"].to_numpy(np.float64)
    eid = np.arange(len(edges), dtype=np.int64)
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    t = np.concatenate([tf, tb])
    e = np.concatenate([eid, eid])
    ok = np.isfinite(t) & (src != dst)
    src, dst, t, e = src[ok], dst[ok], t[ok], e[ok]
    order = np.lexsort((e, t, dst, src))
    src, dst, t, e = src[order], dst[order], t[order], e[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, t, e = src[first], dst[first], t[first], e[first]
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
    return _Arcs(indptr=indptr, indices=dst, time_s=t, edge=e)


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """A walk network compiled to arrays.

    Attributes
    ----------
    crs
        Metric CRS of coordinates and geometries (e.g. ``"EPSG:32648"``).
    nodes
        One row per node, index ``0..n-1``: ``osmid`` (source node id), ``x``, ``y`` (metres),
        ``z_m`` (elevation, NaN without a DEM).
    edges
        One row per edge, index ``0..m-1``: ``u``, ``v`` (node indices), ``way_id``,
        ``highway``, ``name``, ``kind`` (code, see :data:`KIND_NAMES`), ``length_m``,
        ``step_count``, ``incline``, ``fwd_ok``, ``bwd_ok``, ``elevator_ends``, ``off_ground``,
        ``rise_m``, ``slope_len_fwd_m``, ``slope_len_bwd_m``, ``time_fwd_s``, ``time_bwd_s``
        (``inf`` where that direction cannot be walked), ``incline_grade`` (numeric
        ``incline`` tag), ``grade_pct`` (signed, along the geometry), ``grade_source`` (code
        into :data:`~harbor_planner.settings.GRADE_SOURCES`) and ``above_cap`` (the DEM read
        it steeper than its class's cap; see :mod:`harbor_planner.network.elevation`).
    edge_geometry
        LineStrings of the edges from ``u`` to ``v``, in ``crs``.
    walk_model
        The model the times were computed with.
    source
        Where the network came from and what building it dropped (JSON-compatible).

    """

    crs: str
    nodes: pd.DataFrame
    edges: pd.DataFrame
    edge_geometry: npt.NDArray[np.object_]
    walk_model: WalkModel
    source: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def _arcs(self) -> _Arcs:
        return _compile_arcs(self.edges, self.n_nodes)

    @cached_property
    def edge_lines(self) -> EdgeLines:
        """The edge geometries as flat coordinate arrays (computed once, then cached)."""
        return _edge_lines(self.edge_geometry)

    @cached_property
    def edge_tree(self) -> shapely.STRtree:
        """Spatial index of :attr:`edge_geometry` (built once, then cached).

        Its query results are positions in :attr:`edge_geometry`, that is edge indices.
        """
        return shapely.STRtree(self.edge_geometry)

    @cached_property
    def ground_edges(self) -> tuple[npt.NDArray[np.int64], shapely.STRtree]:
        """The ground-level edges (not bridges, tunnels, layers, indoor) and their index.

        Demand is placed on these (building doors: probe 18P; grid cells: probe 20B) and
        points prefer them (:func:`~harbor_planner.network.snap_points`): a bridge over a
        river or a tunnel under a hill is no street people walk out onto. Every edge when the
        network marks none off the ground (or all of them). Query results of the tree are
        positions in the array of edge indices.
        """
        off = self.edges["off_ground"].to_numpy(bool) if "off_ground" in self.edges else None
        if off is None or off.all() or not off.any():
            return np.arange(self.n_edges, dtype=np.int64), self.edge_tree
        ground = np.flatnonzero(~off).astype(np.int64)
        return ground, shapely.STRtree(self.edge_geometry[ground])

    @cached_property
    def node_tree(self) -> cKDTree:
        """KD-tree of :attr:`node_xy` (built once, then cached): nearest nodes, nodes in reach."""
        return cKDTree(self.node_xy)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of (undirected) edges."""
        return len(self.edges)

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs in the time graph."""
        return len(self._arcs.indices)

    @property
    def node_xy(self) -> FloatArray:
        """``(n, 2)`` node coordinates in metres."""
        return self.nodes[["x", "y"]].to_numpy(np.float64)

    @property
    def has_elevation(self) -> bool:
        """Whether elevation profiles were computed from a DEM."""
        return bool(np.isfinite(self.edges["slope_len_fwd_m"].to_numpy()).any())

    def walk_figures(self) -> dict[str, Any]:
        """How its walks are timed, as summaries record it (speed, direction, model, DEM)."""
        model = self.walk_model
        return {
            "walk_speed_kmh": model.speed_kmh,
            "walk_model": model.kind,
            "walk_direction": model.direction,
            # slopes from a DEM timed the walks (a flat or stairs model ignores the elevation)
            "walk_dem": self.has_elevation and model.kind == "hilly",
        }

    @property
    def arc_edge(self) -> IntArray:
        """Edge id of each directed arc of :meth:`time_graph`, in CSR order."""
        return self._arcs.edge

    def time_graph(self) -> csr_matrix:
        """Directed walking-time graph, seconds: entry ``[i, j]`` is the time from i to j.

        Ready for :mod:`scipy.sparse.csgraph` (no zeros, no duplicate entries).
        """
        a = self._arcs
        return csr_matrix((a.time_s, a.indices, a.indptr), shape=(self.n_nodes, self.n_nodes))

    def with_walk_model(self, walk_model: WalkModel) -> WalkNetwork:
        """The same network re-timed with another walk model.

        Raises
        ------
        NetworkError
            ``hilly`` asked of a network built without a DEM.

        """
        model = walk_model_of(walk_model)
        if model is None:
            raise InputDataError("with_walk_model needs a WalkModel (or flat, stairs, hilly)")
        return self if model == self.walk_model else retime(self, model)

    def edges_gdf(self, *, crs: str | None = None) -> Any:
        """Edges as a GeoDataFrame (in the network CRS unless ``crs`` is given).

        ``time_fwd_s`` is always the walk from ``u`` to ``v`` along the way and ``time_bwd_s``
        the walk back, whatever the searches' direction (a ``to-station`` network searches
        the two swapped: see :class:`~harbor_planner.network.walk.WalkModel`).
        """
        import geopandas as gpd

        edges = self.edges
        if self.walk_model.direction == "to-station":
            edges = edges.assign(time_fwd_s=edges["time_bwd_s"], time_bwd_s=edges["time_fwd_s"])
        gdf = gpd.GeoDataFrame(
            edges.assign(
                kind=np.asarray(KIND_NAMES, dtype=object)[self.edges["kind"]],
                grade_source=np.asarray(GRADE_SOURCES, dtype=object)[self.edges["grade_source"]],
            ),
            geometry=self.edge_geometry,
            crs=self.crs,
        )
        return gdf if crs is None else gdf.to_crs(output_crs(crs))

    def nodes_gdf(self, *, crs: str | None = None) -> Any:
        """Nodes as a GeoDataFrame of points (in the network CRS unless ``crs`` is given)."""
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(
            self.nodes,
            geometry=shapely.points(self.node_xy),
            crs=self.crs,
        )
        return gdf if crs is None else gdf.to_crs(output_crs(crs))

    def grade_report(self) -> dict[str, Any]:
        """Grades by source, the share timed flat outside the DEM, edges above their cap.

        See :func:`harbor_planner.network.elevation.grade_summary`.
        """
        from harbor_planner.network.elevation import grade_summary

        return grade_summary(self.edges, max_grade_pct=self.source.get("max_grade_pct"))

    def grade_lines(self) -> list[str]:
        """The lines of :meth:`summary` on grades (none for a network without any)."""
        rep = self.grade_report()
        km = rep["length_km_by_source"]
        if not self.has_elevation and km["incline"] == 0:
            return []
        lines = [
            "  grades (km): "
            + ", ".join(f"{name} {value:,.1f}" for name, value in km.items() if value > 0)
        ]
        if self.has_elevation:
            lines.append(
                f"  timed flat outside the DEM: {100 * rep['flat_outside_dem_share']:.1f} % of "
                f"the length; DEM cell {self.source.get('dem_cell_m', '?')} m, smoothed "
                f"{self.source.get('dem_smoothing_m', 0)} m"
            )
        by_class = rep["above_cap_by_class"]
        if by_class:
            parts = [
                f"{cls} {v['edges']:,} ({v['km']:,.1f} km, cap {v['cap_pct']:g} %)"
                for cls, v in by_class.items()
            ]
            lines.append(
                f"  steeper than their class's cap on the DEM (clipped): "
                f"{rep['above_cap_edges']:,} edges, {rep['above_cap_km']:,.1f} km: "
                + "; ".join(parts)
            )
        elif self.has_elevation:
            lines.append("  no edge steeper than its class's grade cap")
        return lines

    def summary(self) -> str:
        """One human-readable paragraph: size, ways, walk model, source."""
        kind = self.edges["kind"].to_numpy()
        length = self.edges["length_m"].to_numpy()
        counts = {name: int((kind == code).sum()) for code, name in enumerate(KIND_NAMES)}
        stairs_km = length[kind == 1].sum() / 1000
        lifts = int((self.edges["elevator_ends"].to_numpy() > 0).sum())
        src = self.source.get("path") or self.source.get("kind", "?")
        joined = [s.get("path") for s in self.source.get("sources") or [] if isinstance(s, dict)]
        if len(joined) > 1:  # every file of a joined network, not its first alone (19X)
            src = ", ".join(str(p) for p in joined if p)
        m = self.walk_model
        lines = [
            f"walk network from {src}: {self.n_nodes:,} nodes, {self.n_edges:,} edges "
            f"({self.n_arcs:,} directed arcs), {length.sum() / 1000:,.1f} km of ways",
            f"  stairs: {counts['steps']:,} edges ({stairs_km:,.1f} km); escalators: "
            f"{counts['escalator']:,}; moving walkways: {counts['moving_walkway']:,}; "
            f"edges at lifts: {lifts:,}",
            f"  walk model: {m.kind} at {m.speed_kmh:g} km/h"
            + _elevation_words(self.has_elevation, m.kind)
            + f"; walks timed {m.direction.split('-')[0]} the stations ({m.direction})",
            f"  CRS: {self.crs}",
            *self.grade_lines(),
        ]
        dropped = self.source.get("dropped_nodes")
        if dropped:
            km = self.source.get("dropped_km")
            lines.append(
                f"  dropped outside the largest connected component: {dropped:,} nodes, "
                f"{self.source.get('dropped_edges', 0):,} edges"
                + (f" ({km:,.1f} km)" if km is not None else "")
            )
        return "\n".join(lines)


def retime(network: WalkNetwork, walk_model: WalkModel) -> WalkNetwork:
    """A copy of ``network`` with its edge times recomputed under ``walk_model``."""
    edges = network.edges.copy()
    edges["time_fwd_s"], edges["time_bwd_s"] = _times(edges, walk_model)
    out = replace(network, edges=edges, walk_model=walk_model)
    if "edge_lines" in network.__dict__:  # the same geometry: its flat arrays carried over
        out.__dict__["edge_lines"] = network.__dict__["edge_lines"]
    return out


def _times(edges: pd.DataFrame, walk_model: WalkModel) -> tuple[FloatArray, FloatArray]:
    cols = {c: edges[c].to_numpy() for c in EDGE_NUMERIC if c in edges}
    has_dem = np.isfinite(cols["slope_len_fwd_m"]).any()
    return edge_times(
        walk_model,
        length_m=cols["length_m"],
        kind=cols["kind"],
        step_count=cols["step_count"],
        incline=cols["incline"],
        fwd_ok=cols["fwd_ok"],
        bwd_ok=cols["bwd_ok"],
        elevator_ends=cols["elevator_ends"],
        rise_m=cols["rise_m"],
        slope_len_fwd_m=cols["slope_len_fwd_m"] if has_dem else None,
        slope_len_bwd_m=cols["slope_len_bwd_m"] if has_dem else None,
    )


def largest_component(
    nodes: pd.DataFrame, edges: pd.DataFrame, edge_geometry: npt.NDArray[np.object_]
) -> tuple[pd.DataFrame, pd.DataFrame, npt.NDArray[np.object_], dict[str, int]]:
    """Keep the largest weakly connected component; renumber nodes.

    Returns the kept nodes, edges and geometries, and counts of what was dropped
    (``components``, ``dropped_nodes``, ``dropped_edges``).
    """
    n = len(nodes)
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    n_comp, label = connected_components(graph, directed=False)
    keep_node = label == np.argmax(np.bincount(label, minlength=n_comp))
    keep_edge = keep_node[u] & keep_node[v]
    length_m = edges["length_m"].to_numpy(np.float64)
    info = {
        "components": int(n_comp),
        "dropped_nodes": int(n - keep_node.sum()),
        "dropped_edges": int(len(edges) - keep_edge.sum()),
        "dropped_km": round(float(length_m[~keep_edge].sum()) / 1000, 3),
    }
    if info["dropped_nodes"]:
        share = 100.0 * length_m[~keep_edge].sum() / max(float(length_m.sum()), 1e-9)
        # a network cut into pieces (digitising gaps, crossings without a shared vertex)
        # loses its streets, stations and demand silently otherwise (probe 20A)
        many = share >= COMPONENT_DROP_WARN_PCT
        log.log(
            logging.WARNING if many else logging.INFO,
            "kept the largest of %d connected components: dropped %d nodes (%.1f %%) and "
            "%d edges (%.1f km, %.1f %% of the length) not connected to it%s",
            n_comp,
            info["dropped_nodes"],
            100.0 * info["dropped_nodes"] / n,
            info["dropped_edges"],
            info["dropped_km"],
            share,
            "; their streets, stations and demand count as beyond the network. Line ends "
            "that miss each other by more than the snapping tolerance (--snap-tolerance, "
            "network.snap_tolerance_m) or streets that cross without a shared vertex cut a "
            "network; --keep-all keeps the pieces"
            if many
            else "",
        )
    new_index = np.cumsum(keep_node) - 1
    edges = edges.loc[keep_edge].reset_index(drop=True)
    edges["u"] = new_index[edges["u"].to_numpy()]
    edges["v"] = new_index[edges["v"].to_numpy()]
    return (
        nodes.loc[keep_node].reset_index(drop=True),
        edges,
        edge_geometry[keep_edge],
        info,
    )


#: Values of the grade columns for edges that have none (ungraded, flat).
GRADE_DEFAULTS: dict[str, Any] = {
    "incline_grade": np.nan,
    "grade_pct": 0.0,
    "grade_source": 0,
    "above_cap": False,
}


def with_grade_columns(edges: pd.DataFrame) -> pd.DataFrame:
    """``edges`` with the grade columns present, missing values filled as ungraded and flat."""
    for col, default in GRADE_DEFAULTS.items():
        if col not in edges:
            edges[col] = default
        elif not (isinstance(default, float) and np.isnan(default)):
            edges[col] = edges[col].fillna(default)
        edges[col] = edges[col].astype(EDGE_NUMERIC[col])
    return edges


def assemble_network(
    *,
    crs: str,
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    edge_geometry: npt.NDArray[np.object_],
    walk_model: WalkModel,
    source: dict[str, Any],
) -> WalkNetwork:
    """Time the edges and make the network.

    Raises
    ------
    NetworkError
        No edge is left.

    """
    if len(edges) == 0:
        raise NetworkError(
            f"{source.get('path', 'the source')}: no walkable edges are left after filtering "
            "(foot=no, access=no, motorways...); is this a street network of the right area?"
        )
    edges = with_grade_columns(edges.reset_index(drop=True).copy())
    edges["time_fwd_s"], edges["time_bwd_s"] = _times(edges, walk_model)
    return WalkNetwork(
        crs=crs,
        nodes=nodes.reset_index(drop=True),
        edges=edges,
        edge_geometry=edge_geometry,
        walk_model=walk_model,
        source=dict(source),
    )


# --------------------------------------------------------------------------- file format


def is_network_file(path: str | Path) -> bool:
    """Whether ``path`` is a network saved by :func:`save_network`."""
    path = Path(path)
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return "meta.npy" in z.namelist() and "edge_u.npy" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _encode_text(values: pd.Series) -> tuple[npt.NDArray[np.int32], list[str]]:
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes.astype(np.int32), [str(x) for x in uniques]


def save_network(
    network: WalkNetwork, path: str | Path, *, edges_gpkg: str | Path | None = None
) -> None:
    """Save a compiled network to one ``.npz`` file (written atomically).

    Parameters
    ----------
    network
        The network.
    path
        Output file; ``.npz`` is the conventional suffix.
    edges_gpkg
        Also write layers ``edges`` and ``nodes`` (WGS-84) to this GeoPackage, for GIS.

    Raises
    ------
    OutputError
        A file of either name exists that harbor-planner did not write (a station list), or
        a result folder's ``run.json`` lists it: it is left as it is, nothing is written.

    """
    from harbor_planner._safety import check_output_file

    if not isinstance(network, WalkNetwork):
        raise InputDataError(f"save_network needs a WalkNetwork, got {type(network).__name__}")
    check_output_file(path, option="path")
    if edges_gpkg is not None:
        check_output_file(edges_gpkg, option="edges_gpkg")
    arrays: dict[str, np.ndarray] = {}
    text: dict[str, list[str]] = {}
    for col, dtype in EDGE_NUMERIC.items():
        arrays[f"edge_{col}"] = network.edges[col].to_numpy(dtype)
    for col in EDGE_TEXT:
        arrays[f"edge_{col}"], text[col] = _encode_text(network.edges[col])
    for col, dtype in NODE_NUMERIC.items():
        arrays[f"node_{col}"] = network.nodes[col].to_numpy(dtype)
    coords, owner = shapely.get_coordinates(network.edge_geometry, return_index=True)
    offsets = np.zeros(network.n_edges + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=network.n_edges), out=offsets[1:])
    arrays["geom_coords"] = coords
    arrays["geom_offsets"] = offsets
    a = network._arcs
    arrays.update(arc_indptr=a.indptr, arc_indices=a.indices, arc_time_s=a.time_s, arc_edge=a.edge)
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "crs": network.crs,
        "walk_model": network.walk_model.to_dict(),
        "source": network.source,
        "text": text,
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), np.uint8)
    from harbor_planner._stable import stable_gpkg

    targets = [path] if edges_gpkg is None else [path, edges_gpkg]
    with atomic_paths(*targets) as tmps:  # the network and its GIS layer: both or neither
        with writing(path), open(tmps[0], "wb") as f:  # a full disk names the file it filled
            np.savez(f, **arrays)
        if edges_gpkg is not None:
            with writing(edges_gpkg, option="--gpkg"), stable_gpkg():
                network.edges_gdf(crs="EPSG:4326").to_file(tmps[1], layer="edges", driver="GPKG")
                network.nodes_gdf(crs="EPSG:4326").to_file(tmps[1], layer="nodes", driver="GPKG")
    log.info("saved network (%d nodes, %d edges) to %s", network.n_nodes, network.n_edges, path)
    if edges_gpkg is not None:
        log.info("wrote edges and nodes to %s", edges_gpkg)


def upgrade_v1_arrays(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays of a version-1 file with the version-2 edge columns filled in.

    Grades are the old ones (``rise_m / length``; the DEM as sampled then), their source
    ``dem`` where the edge was timed by slope, else ``flat``; no cap is known.
    """
    length = data["edge_length_m"]
    rise = np.where(data["edge_kind"] == 1, np.nan, data["edge_rise_m"])
    grade = 100.0 * np.divide(
        np.nan_to_num(rise), length, out=np.zeros(len(length)), where=length > 0
    )
    return {
        **data,
        "edge_rise_m": rise,
        "edge_incline_grade": np.full(len(length), np.nan),
        "edge_grade_pct": grade,
        "edge_grade_source": np.isfinite(data["edge_slope_len_fwd_m"]).astype(np.int8),
        "edge_above_cap": np.zeros(len(length), dtype=bool),
    }


def load_network(
    path: str | Path,
    *,
    walk_model: WalkModel | None = None,
    checked_as: tuple[int, int] | None = None,
    geometry: bool = True,
) -> WalkNetwork:
    """Load a network saved by :func:`save_network`.

    The file is checked before use (see :mod:`harbor_planner.network.saved`): arrays,
    kinds and lengths, index ranges, offsets, finite non-negative lengths and times, arcs
    that agree with their edges, and the metadata.

    Parameters
    ----------
    path
        The ``.npz`` file.
    walk_model
        Re-time the network with this model (default: the model it was saved with).
    checked_as
        The file's stamp (modification time in ns, size) when the caller's client wrote it
        (a partitioned run's workers read the run's own copy): while the file still has it,
        the values are not checked again (the metadata, kinds and lengths still are).
    geometry
        Build the edges' LineStrings (``edge_geometry``). ``False`` (a partitioned run's
        workers, whose searches read the coordinates only): ``edge_geometry`` holds ``None``
        for each edge and only :attr:`WalkNetwork.edge_lines` has the coordinates, which
        saves building a million lines; snapping, clipping by geometry and the tables need
        the default.

    Raises
    ------
    InputDataError
        The file is missing, not a harbor-planner network, of a newer format, corrupt or
        tampered with (the message says to rebuild it with ``harbor-planner network build``).

    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    stamp = file_stamp(path)  # before reading: a file changed while read is not taken for it
    data = read_saved_arrays(path)
    meta = check_saved_arrays(
        data,
        path,
        fmt=FORMAT,
        version=FORMAT_VERSION,
        values=checked_as is None or tuple(checked_as) != stamp,
    )
    if meta["version"] < 2:
        data = upgrade_v1_arrays(data)
    edges = pd.DataFrame({col: data[f"edge_{col}"].astype(dt) for col, dt in EDGE_NUMERIC.items()})
    for col in EDGE_TEXT:
        uniques = np.asarray(meta["text"][col] + [None], dtype=object)
        edges[col] = uniques[data[f"edge_{col}"]]
    edges = edges[
        [
            "u",
            "v",
            "way_id",
            *EDGE_TEXT,
            *[c for c in EDGE_NUMERIC if c not in ("u", "v", "way_id")],
        ]
    ]
    nodes = pd.DataFrame({col: data[f"node_{col}"].astype(dt) for col, dt in NODE_NUMERIC.items()})
    offsets = data["geom_offsets"].astype(np.int64)
    lines = EdgeLines.from_coords(data["geom_coords"], offsets)
    network = WalkNetwork(
        crs=meta["crs"],
        nodes=nodes,
        edges=edges,
        edge_geometry=(
            shapely.from_ragged_array(shapely.GeometryType.LINESTRING, lines.xy, (offsets,))
            if geometry
            else np.full(len(edges), None, dtype=object)
        ),
        walk_model=WalkModel.from_dict(meta["walk_model"]),
        source=meta["source"],
    )
    network.__dict__["edge_lines"] = lines
    network.__dict__["_arcs"] = _Arcs(
        indptr=data["arc_indptr"].astype(np.int64),
        indices=data["arc_indices"].astype(np.int64),
        time_s=data["arc_time_s"].astype(np.float64),
        edge=data["arc_edge"].astype(np.int64),
    )
    log.debug("loaded network %s: %d nodes, %d edges", path, network.n_nodes, network.n_edges)
    if walk_model is not None:
        network = network.with_walk_model(walk_model_of(walk_model))
    return network


def _elevation_words(has_elevation: bool, model: str) -> str:
    """What the walk model makes of the network's elevation (only ``hilly`` times slopes)."""
    if not has_elevation:
        return "; no elevation"
    if model == "hilly":
        return "; elevation from DEM"
    return f"; elevation from DEM (slopes not timed by the {model} model)"
