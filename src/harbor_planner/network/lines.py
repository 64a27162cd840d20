"""Read a line layer of street centrelines (GeoJSON, GeoPackage, Shapefile...) into ways.

Planners often have their own road data rather than OpenStreetMap. Lines become ways; how they
join is decided from geometry, with a snapping tolerance in metres:

* line ends closer than the tolerance are one node (a gap the digitiser left);
* a line end within the tolerance of another line's interior splits that line there
  (a T-junction);
* lines that share a vertex exactly are joined there (an X-junction drawn with a common vertex);
* lines that cross without a common vertex are NOT joined: bridges, flyovers and underpasses.

Attribute columns named like OSM tags (``highway``, ``name``, ``foot``, ``oneway:foot``,
``step_count``, ``incline``, ``conveying``, ``bridge``, ``tunnel``...) are used as such,
case-insensitively; a layer without ``highway`` is taken as walkable roads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from harbor_planner._validate import check_positive
from harbor_planner.errors import CRSError, InputDataError, NetworkError
from harbor_planner.network._crs import metric_crs_for, to_metric
from harbor_planner.network._ways import WAY_TAGS, RawWays
from harbor_planner.settings import SNAP_TOLERANCE_M

__all__ = ["LINE_SUFFIXES", "LineNoding", "read_line_ways"]

log = logging.getLogger(__name__)

LINE_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml")


@dataclass(frozen=True)
class LineNoding:
    """What joining the lines did, for the build report.

    Attributes
    ----------
    snap_tolerance_m
        The tolerance used.
    ends_snapped
        Line ends moved onto another line end or line.
    t_junctions
        Line interiors split where another line ends on them.
    max_move_m
        Largest distance any line end was moved.

    """

    snap_tolerance_m: float
    ends_snapped: int
    t_junctions: int
    max_move_m: float


def _read_layer(path: Path, layer: str | int | None) -> pd.DataFrame:
    import geopandas as gpd

    try:
        return gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError & co.
        raise InputDataError(
            f"cannot read as a vector layer ({type(exc).__name__}: {exc})", path=path
        ) from None


def read_line_ways(
    path: str | Path,
    *,
    snap_tolerance_m: float = SNAP_TOLERANCE_M,
    metric_crs: str | None = None,
    layer: str | int | None = None,
) -> tuple[RawWays, LineNoding]:
    """Read street centrelines and join them into ways.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile or any line layer GDAL reads.
    snap_tolerance_m
        Line ends closer than this (metres) are joined; see the module documentation.
    metric_crs
        CRS for lengths; default the local UTM zone. The layer is transformed into it.
    layer
        Layer name or index in a multi-layer file (GeoPackage).

    Raises
    ------
    InputDataError
        The file is missing or unreadable, or holds no lines.
    CRSError
        The layer has no CRS.

    """
    path = Path(path)
    if not path.exists():
        raise InputDataError("file not found", path=path)
    snap_tolerance_m = check_positive(
        "snap_tolerance_m", snap_tolerance_m, allow_zero=True, unit="metres"
    )
    gdf = _read_layer(path, layer)
    if gdf.crs is None:
        raise CRSError(
            "the line layer has no CRS, so its coordinates cannot be measured in metres; "
            "define it (QGIS: Layer ▸ Set Layer CRS, or a .prj beside a Shapefile) and retry",
            path=path,
        )
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    kinds = set(shapely.get_type_id(gdf.geometry.values))
    if not gdf.empty and not kinds <= {1, 5}:
        names = sorted(gdf.geometry.geom_type.unique())
        raise InputDataError(
            f"expected a line layer (LineString/MultiLineString), found {', '.join(names)}",
            path=path,
        )
    if gdf.empty:
        raise NetworkError(f"{path}: the layer has no line features")
    gdf = gdf.reset_index(drop=True)
    gdf["way_id"] = np.arange(len(gdf), dtype=np.int64)
    gdf = gdf.explode(index_parts=False, ignore_index=True)

    wgs = gdf.geometry.to_crs("EPSG:4326") if not gdf.crs.equals("EPSG:4326") else gdf.geometry
    cx, cy = shapely.get_coordinates(wgs.values).T
    crs = metric_crs_for(cx, cy, metric_crs, what=str(path))
    if not gdf.crs.equals(crs):
        log.info("%s: transforming the line layer from %s to %s", path.name, gdf.crs, crs)
    coords, line_of = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    xy = to_metric(coords[:, 0], coords[:, 1], from_crs=gdf.crs, to_crs=crs)

    columns = {c.lower(): c for c in gdf.columns}
    tags = pd.DataFrame(
        {t: gdf[columns[t]].astype("string") for t in WAY_TAGS if t in columns},
        index=gdf.index,
    )
    tags["way_id"] = gdf["way_id"].to_numpy()
    ways, noding = _node_lines(xy, line_of.astype(np.int64), len(gdf), snap_tolerance_m)
    log.info(
        "%s: %d lines joined with a %.2f m tolerance: %d line ends snapped (max %.2f m), "
        "%d T-junctions split",
        path.name,
        len(gdf),
        snap_tolerance_m,
        noding.ends_snapped,
        noding.max_move_m,
        noding.t_junctions,
    )
    ptr, node_id, xy_out = ways
    return (
        RawWays(
            way_ptr=ptr,
            node_id=node_id,
            xy=xy_out,
            tags=tags.reset_index(drop=True),
            elevator_nodes=np.zeros(0, dtype=np.int64),
            crs=crs,
        ),
        noding,
    )


def _node_lines(
    xy: np.ndarray, line_of: np.ndarray, n_lines: int, tol: float
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], LineNoding]:
    """Give every vertex a node id so that lines join as documented in the module."""
    sizes = np.bincount(line_of, minlength=n_lines)
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    # identical coordinates (to the millimetre) are one node, as shared nodes are in OSM
    key = np.round(xy * 1000.0).astype(np.int64)
    _, base_id = np.unique(key, axis=0, return_inverse=True)
    base_id = base_id.ravel().astype(np.int64)
    n_base = int(base_id.max()) + 1

    has = sizes >= 1
    ends = np.concatenate([ptr[:-1][has], ptr[1:][has] - 1])
    end_pts = shapely.points(xy[ends])
    split_line = np.zeros(0, dtype=np.int64)
    split_dist = np.zeros(0)
    split_id = np.zeros(0, dtype=np.int64)
    link_a = link_b = np.zeros(0, dtype=np.int64)
    if tol > 0:
        i, j = shapely.STRtree(end_pts).query(end_pts, predicate="dwithin", distance=tol)
        link_a, link_b = base_id[ends[i]], base_id[ends[j]]
        # T-junctions: a line end near another line's interior
        lines = shapely.linestrings(xy, indices=line_of)
        pi, li = shapely.STRtree(lines).query(end_pts, predicate="dwithin", distance=tol)
        other = line_of[ends[pi]] != li
        pi, li = pi[other], li[other]
        d = shapely.line_locate_point(lines[li], end_pts[pi])
        interior = (d > tol) & (d < shapely.length(lines[li]) - tol)
        split_line, split_dist = li[interior], d[interior]
        split_id = base_id[ends[pi[interior]]]
        split_xy = shapely.get_coordinates(
            shapely.line_interpolate_point(lines[split_line], split_dist)
        )
    n_split = len(split_line)

    is_split = np.zeros(len(xy), dtype=bool)
    if n_split:
        # insert split vertices in their lines, ordered by distance along the line
        seg_len = np.hypot(*np.diff(xy, axis=0).T)
        seg_len[line_of[1:] != line_of[:-1]] = 0.0
        along = np.concatenate([[0.0], np.cumsum(seg_len)])
        along -= along[ptr[:-1]][line_of]
        order = np.lexsort(
            (np.concatenate([along, split_dist]), np.concatenate([line_of, split_line]))
        )
        line_of = np.concatenate([line_of, split_line])[order]
        xy = np.vstack([xy, split_xy])[order]
        base_id = np.concatenate([base_id, split_id])[order]
        is_split = np.concatenate([is_split, np.ones(n_split, dtype=bool)])[order]

    graph = coo_matrix((np.ones(len(link_a)), (link_a, link_b)), shape=(n_base, n_base))
    _, label = connected_components(graph, directed=False)
    node_id = label[base_id].astype(np.int64)

    # one coordinate per node: a split point (on the line it splits) if there is one, else the
    # exact coordinate most of the node's positions share (ties: the first), so a node where
    # several lines meet exactly does not move when one stray end is snapped onto it
    n_pos = np.bincount(base_id)
    rank = np.lexsort((base_id, -n_pos[base_id], ~is_split, node_id))
    first = np.ones(len(rank), dtype=bool)
    first[1:] = node_id[rank][1:] != node_id[rank][:-1]
    rep = np.zeros((int(node_id.max()) + 1, 2))
    rep[node_id[rank][first]] = xy[rank][first]
    new_xy = rep[node_id]
    moved = np.hypot(*(new_xy - xy).T)

    sizes = np.bincount(line_of, minlength=n_lines)
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    noding = LineNoding(
        snap_tolerance_m=float(tol),
        ends_snapped=int((moved > 1e-6).sum()),
        t_junctions=n_split,
        max_move_m=float(moved.max()) if moved.size else 0.0,
    )
    return (ptr, node_id, new_xy), noding
