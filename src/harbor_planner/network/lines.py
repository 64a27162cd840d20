"""Read a line layer of street centrelines (GeoJSON, GeoPackage, Shapefile...) into ways.

Planners often have their own road data rather than OpenStreetMap. Lines become ways; how they
join is decided from geometry, with a snapping tolerance in metres:

* line ends closer than the tolerance are one node (a gap the digitiser left);
* a line end within the tolerance of another line's interior splits that line there
  (a T-junction);
* lines that share a vertex exactly are joined there (an X-junction drawn with a common vertex);
* lines that cross without a common vertex are NOT joined: bridges, flyovers and underpasses;
* levels: lines of different ``layer`` (a bridge without one counts as 1, a tunnel as -1) are
  joined only where one of them ends (a ramp meeting the street): a vertex the two share in
  their interiors, or a line end near the other's interior, does not join them.

A Geofabrik "free" layer (``gis_osm_roads_free_1.shp``, or the same schema in GeoJSON/GPKG:
``osm_id, fclass, name, ref, oneway, layer, bridge, tunnel``) is read as OSM ways: ``fclass``
is the highway class, ``oneway`` F/T/B, ``bridge``/``tunnel`` T/F become OSM values, and the
way id is ``osm_id`` (as everywhere, ``oneway`` does not restrict pedestrians).

The network's own export (``network build --gpkg``) is read by its columns (``kind``,
``fwd_ok``, ``elevator_ends``, ``off_ground``...: :mod:`~harbor_planner.network.exported`);
its lines join one another only at shared vertices, as they did in the network.

Attribute columns named like OSM tags (``highway``, ``name``, ``foot``, ``oneway:foot``,
``step_count``, ``incline``, ``conveying``, ``bridge``, ``tunnel``...) are used as such,
case-insensitively; a layer without ``highway`` is taken as walkable roads.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from harbor_planner._io import input_file
from harbor_planner._text import one_line
from harbor_planner._validate import check_positive
from harbor_planner.coords import warn_old_datum
from harbor_planner.errors import CRSError, InputDataError, NetworkError
from harbor_planner.network._crs import metric_crs_for, to_metric
from harbor_planner.network._ways import (
    WAY_TAGS,
    RawWays,
    flag_set,
    layer_numbers,
)
from harbor_planner.network.crossings import crossing_points, with_vertices
from harbor_planner.network.exported import (
    export_columns,
    export_tags,
    lift_nodes,
    loose_ends,
    open_lines,
    warn_loose_ends,
)
from harbor_planner.network.line_checks import (
    check_projected,
    warn_near_misses,
    warn_odd_values,
    warn_outside_chongqing,
    warn_overlaps,
)
from harbor_planner.settings import (
    CONVEYING_WORDS,
    LINE_COLUMN_ALIASES,
    MAX_GRADE_PCT_OTHER,
    SNAP_TOLERANCE_M,
    SNAP_TOLERANCE_MAX_M,
    road_class,
)

__all__ = [
    "GEOFABRIK_ONEWAY",
    "GEOFABRIK_YES_NO",
    "LINE_SUFFIXES",
    "LineNoding",
    "line_levels",
    "node_line_frames",
    "read_line_frame",
    "read_line_ways",
]

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
    crossings
        Places where lines at ground level cross without a shared vertex
        (:mod:`~harbor_planner.network.crossings`).
    crossings_joined
        Whether they were joined (``join_crossings``).

    """

    snap_tolerance_m: float
    ends_snapped: int
    t_junctions: int
    max_move_m: float
    crossings: int = 0
    crossings_joined: bool = False


#: Geofabrik "free" layers (``gis_osm_roads_free_1``): the road class is ``fclass``; ``oneway``
#: is F (along the line), T (against it) or B (both); ``bridge``/``tunnel`` are T/F.
GEOFABRIK_ONEWAY: dict[str, str] = {"F": "yes", "T": "-1", "B": "no"}
GEOFABRIK_YES_NO: dict[str, str] = {"T": "yes", "F": "no"}


def _read_layer(path: Path, layer: str | int | None, mask: Any = None) -> pd.DataFrame:
    from harbor_planner.readers import read_layer_file

    try:
        # a GBK Shapefile without .cpg (ArcMap/CAD exports): not read as Latin-1 (20A)
        return read_layer_file(path, layer=layer, mask=mask)
    except Exception as exc:  # pyogrio raises DataSourceError & co.
        input_file(path, "network")  # a folder GDAL cannot read: give the file in it
        raise InputDataError(
            f"cannot read as a vector layer ({type(exc).__name__}: {one_line(exc)})", path=path
        ) from None


def _as_osm_tags(gdf: Any, path: Path) -> pd.DataFrame:
    """The :data:`WAY_TAGS` columns of a layer, with ``way_id`` and ``osm_way``.

    A Geofabrik layer (``osm_id`` and ``fclass``, no ``highway``) is read as OSM ways: the
    class from ``fclass`` (``track_grade1``..5 as ``track``, ``unknown`` as ``road``),
    ``oneway`` F/T/B as ``yes``/``-1``/``no``, ``bridge``/``tunnel`` T/F as ``yes``/``no``,
    and its ``osm_id`` as the way id (``osm_way`` is then true).
    """
    columns = {c.lower(): c for c in gdf.columns if c != gdf.geometry.name}
    export = export_columns(gdf, columns, path)
    if export is not None:  # the network's own --gpkg: its columns, not OSM tags (26N1)
        tags = export_tags(gdf, export, path)
        anew = ~tags["kind_given"].to_numpy(bool)
        if anew.any() and "highway" in columns:  # drawn in QGIS with a planner's class
            drawn = _planner_classes(tags.loc[anew].copy(), columns["highway"], path)
            for c in drawn.columns:
                tags.loc[anew, c] = drawn[c]
        return tags
    geofabrik = "fclass" in columns and "osm_id" in columns and "highway" not in columns
    if not geofabrik:
        columns = _planner_columns(columns, path)
    tags = pd.DataFrame(
        {t: gdf[columns[t]].astype("string") for t in WAY_TAGS if t in columns},
        index=gdf.index,
    )
    if not geofabrik and "highway" in tags:
        tags = _planner_classes(tags, columns["highway"], path)
    if geofabrik:
        fclass = gdf[columns["fclass"]].astype("string").str.strip().str.lower()
        fclass = fclass.str.replace(r"^track_grade\d$", "track", regex=True)
        tags["highway"] = fclass.replace({"unknown": "road"})
        for col, values in (
            ("oneway", GEOFABRIK_ONEWAY),
            ("bridge", GEOFABRIK_YES_NO),
            ("tunnel", GEOFABRIK_YES_NO),
        ):
            if col in tags.columns:
                text = tags[col].str.strip().str.upper()
                tags[col] = text.map(values).astype("string").where(text.isin(list(values)))
        osm_id = pd.to_numeric(gdf[columns["osm_id"]], errors="coerce")
        if osm_id.isna().any():
            row = int(np.flatnonzero(osm_id.isna().to_numpy())[0])
            raise InputDataError(
                f"feature {row}: osm_id {gdf[columns['osm_id']].iloc[row]!r} is not a whole "
                "number; a Geofabrik layer gives each way its OSM id",
                path=path,
            )
        tags["way_id"] = osm_id.to_numpy(np.int64)
        log.info("%s: read as a Geofabrik layer (fclass as the highway class)", path.name)
    else:
        tags["way_id"] = np.arange(len(gdf), dtype=np.int64)
    tags["osm_way"] = geofabrik
    read = {columns[t] for t in WAY_TAGS if t in columns}
    unused = [
        c for k, c in columns.items() if k not in WAY_TAGS and k not in _NOT_TAGS and c not in read
    ]
    if unused:  # a planner's grade or speed column changes nothing: say so
        log.info(
            "%s: columns not read (the walk times come from OSM-named tags: %s): %s",
            path.name, ", ".join(WAY_TAGS), ", ".join(map(str, unused[:10])),
        )  # fmt: skip
    return tags


def _planner_columns(columns: dict[str, str], path: Path) -> dict[str, str]:
    """``columns`` with a planner's 道路等级, 道路名称, 是否桥梁... standing for the OSM tags.

    A tag's own column wins; :data:`~harbor_planner.settings.LINE_COLUMN_ALIASES` fill the
    others (a Geofabrik layer without ``osm_id`` gives its ``fclass``).
    """
    out = dict(columns)
    used = []
    for tag, aliases in LINE_COLUMN_ALIASES.items():
        if tag in out:
            continue
        found = next((columns[a.lower()] for a in aliases if a.lower() in columns), None)
        if found is not None:
            out[tag] = found
            used.append(f"{found} as {tag}")
    if used:
        log.info("%s: read %s", path.name, ", ".join(used))
    return out


def _planner_classes(tags: pd.DataFrame, column: str, path: Path) -> pd.DataFrame:
    """Road classes as written (主干路, 梯道, 人行天桥...) as the OSM classes they time as.

    A footbridge (人行天桥, 天桥) is a bridge, an underpass (人行地道, 地下通道) a tunnel,
    unless the layer says otherwise; a class the walk model does not know is warned of (it
    is walked, timed as a street, with the grade cap of other classes).
    """
    written = tags["highway"].str.strip()
    mapped = written.map(lambda w: road_class(w) if isinstance(w, str) else w).astype("string")
    # a Geofabrik fclass without osm_id: its own spellings, as for a Geofabrik layer
    mapped = mapped.str.replace(r"^track_grade\d$", "track", regex=True)
    mapped = mapped.replace({"unknown": "road"})
    tags = tags.assign(highway=mapped)
    conveys = written.isin(CONVEYING_WORDS)
    if conveys.any():  # an escalator or a moving walkway, both ways unless the layer says
        have = tags.get("conveying", pd.Series(pd.NA, index=tags.index, dtype="string"))
        given = have.notna() & (have.str.strip() != "")
        tags["conveying"] = have.where(given | ~conveys, "yes").astype("string")
    for flag, words in (("bridge", ("人行天桥", "天桥")), ("tunnel", ("人行地道", "地下通道"))):
        hit = written.isin(words)
        if hit.any():
            have = tags.get(flag, pd.Series(pd.NA, index=tags.index, dtype="string"))
            given = have.notna() & (have.str.strip() != "")  # an empty cell says nothing
            tags[flag] = have.where(given | ~hit, "yes").astype("string")
    # a planner's own words the tool does not know (OSM's own values keep OSM's meaning:
    # primary_link, motorway_link... are no unknown classes, probe 20R)
    own_word = mapped.notna() & ~mapped.str.isascii().fillna(True)
    odd = written[own_word].value_counts()
    if len(odd):
        log.warning(
            "%s: column %s holds road classes the walk model does not know: %s; they are "
            "walked as streets of no class (grade cap %g %%); write them as OSM classes or "
            "as 快速路, 主干路, 次干路, 支路, 人行道, 梯道, 步行街...",
            path.name, column, ", ".join(f"{k} ({v} lines)" for k, v in odd.head(8).items()),
            MAX_GRADE_PCT_OTHER,
        )  # fmt: skip
    return tags


#: Columns of line layers that are no walking tags and need no word (ids, Geofabrik's own).
_NOT_TAGS = frozenset({"fid", "id", "osm_id", "fclass", "code", "ref", "maxspeed"})


def read_line_frame(path: str | Path, *, layer: str | int | None = None, mask: Any = None) -> Any:
    """Read a line layer: its lines (in its CRS) with OSM tags, ``way_id`` and ``osm_way``.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile or any line layer GDAL reads.
    layer
        Layer name or index in a multi-layer file (GeoPackage).
    mask
        GeoSeries (with a CRS): only the features meeting it are read.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature: the :data:`WAY_TAGS` columns present, ``way_id`` (the
        ``osm_id`` of a Geofabrik layer, else the feature's row) and ``osm_way``.

    Raises
    ------
    InputDataError
        The file is missing or unreadable, or holds other geometries than lines.
    CRSError
        The layer has no CRS.
    NetworkError
        No line feature (inside the mask).

    """
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputDataError("file not found", path=path)
    layers = [layer] if layer is not None else _line_layers(path)
    frames = [_read_layer(path, name, mask) for name in layers]
    if any(f.crs is None for f in frames):
        raise CRSError(
            "the line layer has no CRS, so its coordinates cannot be measured in metres; "
            "define it (QGIS: Layer ▸ Set Layer CRS, or a .prj beside a Shapefile) and retry",
            path=path,
        )
    gdf = frames[0]
    if len(frames) > 1:
        gdf = gpd.GeoDataFrame(
            pd.concat([f.to_crs(gdf.crs) for f in frames], ignore_index=True), crs=gdf.crs
        )
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    _check_coordinates(gdf, path)
    other = ~np.isin(shapely.get_type_id(gdf.geometry.values), [1, 5])
    if other.any():  # how many, of which kind, and which (probe 20A)
        counts = gdf.geometry[other].geom_type.value_counts()
        shown = ", ".join(str(int(i) + 1) for i in gdf.index[other][:5])
        raise InputDataError(
            f"expected a line layer (LineString/MultiLineString): {int(other.sum())} of "
            f"{len(gdf)} features are not lines ("
            + ", ".join(f"{n} {kind}" for kind, n in counts.items())
            + f"; feature {shown}{' ...' if other.sum() > 5 else ''}); delete them or export "
            "the lines alone",
            path=path,
        )
    if gdf.empty:
        where = " inside the area" if mask is not None else ""
        raise NetworkError(f"{path}: the layer has no line features{where}")
    gdf = gdf.reset_index(drop=True)
    if shapely.has_z(gdf.geometry.values).any():  # probe 24H: ignored without a word
        log.info(
            "%s: the lines' z values are not read (lengths are measured flat; slopes come "
            "from --dem under --walk-model hilly)",
            path.name,
        )
    return gpd.GeoDataFrame(_as_osm_tags(gdf, path), geometry=gdf.geometry.values, crs=gdf.crs)


def _check_tolerance(snap_tolerance_m: float) -> float:
    """The tolerance for joining line ends: metres from 0 to ``SNAP_TOLERANCE_MAX_M``."""
    value = check_positive("snap_tolerance_m", snap_tolerance_m, allow_zero=True, unit="metres")
    if value > SNAP_TOLERANCE_MAX_M:
        raise InputDataError(
            f"snap_tolerance_m {value:g}: line ends farther apart than {SNAP_TOLERANCE_MAX_M:g} m "
            "are different places; give at most that (the default is "
            f"{SNAP_TOLERANCE_M:g} m)"
        )
    return value


def _line_layers(path: Path) -> list[str | None]:
    """The layers to read of a file: every line layer of a multi-layer file, else the one.

    A GeoPackage of streets in one layer and footpaths in another read only its first layer
    without a word (probe 17E): every layer of lines is read, joined as one network, and a
    warning names them.
    """
    import pyogrio

    try:
        found = pyogrio.list_layers(path)
    except Exception:  # unreadable: _read_layer says why
        return [None]
    if len(found) < 2:
        return [None]
    lines = [str(n) for n, kind in found if "linestring" in str(kind).lower()]
    if len(lines) < 2:
        return [lines[0]] if lines else [None]
    others = [str(n) for n, kind in found if str(n) not in lines]
    log.warning(
        "%s: %d line layers (%s) are read as one network%s; keep only the walkable ones in "
        "the file if some are not streets",
        path.name, len(lines), ", ".join(lines),
        f" (not the layers without lines: {', '.join(others)})" if others else "",
    )  # fmt: skip
    return list(lines)


def _check_coordinates(gdf: Any, path: Path) -> None:
    """Refuse coordinates that are not numbers, or out of range for a geographic CRS.

    A NaN vertex crashed the noding with a GEOS traceback, and projected metres in a file
    stating WGS-84 (every GeoJSON) became "no walkable edges left" (probe 17E).
    """
    xy, owner = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        row = int(gdf.index[owner[np.flatnonzero(bad)[0]]])
        raise InputDataError(
            f"feature {row}: a vertex whose coordinates are not numbers (NaN or infinite); "
            "fix or delete that line and retry",
            path=path,
        )
    if gdf.crs.is_geographic and len(xy):
        out = (np.abs(xy[:, 0]) > 180.0) | (np.abs(xy[:, 1]) > 90.0)
        if out.any():
            row = int(gdf.index[owner[np.flatnonzero(out)[0]]])
            x, y = xy[np.flatnonzero(out)[0]]
            raise InputDataError(
                f"feature {row}: coordinates ({x:.6g}, {y:.6g}) are no longitude and latitude, "
                f"though the layer states {gdf.crs.name}: are they projected metres (a "
                "Gauss-Krüger or UTM zone)? Set the layer's true CRS (GeoJSON is always "
                "read as WGS-84: save it as a GeoPackage with its CRS) and retry",
                path=path,
            )
    if not gdf.crs.is_geographic and len(xy):
        check_projected(xy[:: max(1, len(xy) // 2000)], gdf.crs, path)


def line_levels(tags: pd.DataFrame) -> np.ndarray:
    """The level of each line: ``layer``, or 1 for a bridge / -1 for a tunnel without one.

    Parameters
    ----------
    tags
        Columns ``layer``, ``bridge``, ``tunnel`` (any may be missing).

    Returns
    -------
    numpy.ndarray of int64

    """
    n = len(tags)

    def flag(col: str) -> np.ndarray:
        if col not in tags.columns:
            return np.zeros(n, dtype=bool)
        # read as the edges' off-ground flag is: 否, N, an empty cell are no bridge (20A)
        return flag_set(tags[col], also_unset=("building_passage",) if col == "tunnel" else ())

    layer = layer_numbers(tags["layer"])[0] if "layer" in tags.columns else np.zeros(n, np.int64)
    layer = np.where((layer == 0) & flag("bridge"), 1, layer)
    return np.where((layer == 0) & flag("tunnel"), -1, layer).astype(np.int64)


def node_line_frames(
    frames: list[Any],
    *,
    snap_tolerance_m: float = SNAP_TOLERANCE_M,
    metric_crs: str | None = None,
    what: str = "line layers",
    join_crossings: bool = False,
) -> tuple[RawWays, LineNoding]:
    """Join the lines of one or more frames of :func:`read_line_frame` into ways.

    Lines of all frames are noded together (see the module documentation), so lines of two
    files meeting at a vertex (or within the tolerance, end to end) join. A Geofabrik way
    given by two files (same ``osm_id``) is kept once.

    Parameters
    ----------
    frames
        GeoDataFrames of :func:`read_line_frame`.
    snap_tolerance_m
        Line ends closer than this (metres) are joined.
    metric_crs
        CRS for lengths; default the local UTM zone of the lines.
    what
        How the lines are named in messages.
    join_crossings
        Join lines at ground level where they cross without a shared vertex (a CAD
        export's junctions); without it such crossings are counted and warned of.

    Returns
    -------
    (RawWays, LineNoding)
        Node ids are ``0..n-1``.

    """
    import geopandas as gpd

    snap_tolerance_m = _check_tolerance(snap_tolerance_m)
    wgs = [
        f.geometry if f.crs.equals("EPSG:4326") else f.geometry.to_crs("EPSG:4326") for f in frames
    ]
    cx, cy = np.concatenate([shapely.get_coordinates(g.values) for g in wgs]).T
    warn_outside_chongqing(cx, cy, frames, what)
    crs = metric_crs_for(cx, cy, metric_crs, what=what)
    parts = []
    moving = sorted({str(f.crs) for f in frames if not f.crs.equals(crs)})
    if moving:
        log.info("%s: transforming the lines from %s to %s", what, ", ".join(moving), crs)
    for f in frames:
        warn_old_datum(f.crs, what)
    for f in frames:
        coords = shapely.get_coordinates(f.geometry.values)
        moved = to_metric(coords[:, 0], coords[:, 1], from_crs=f.crs, to_crs=crs)
        parts.append(
            f.set_geometry(shapely.set_coordinates(f.geometry.values.copy(), moved), crs=crs)
        )
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)
    osm = gdf["osm_way"].to_numpy(dtype=bool)
    dup = osm & gdf["way_id"].duplicated().to_numpy()
    if dup.any():
        log.info("%s: %d Geofabrik ways given twice are kept once", what, int(dup.sum()))
        gdf = gdf[~dup].reset_index(drop=True)
    gdf = gdf.explode(index_parts=False, ignore_index=True)
    tags = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    keep = open_lines(gdf.geometry.values, tags, what)  # closed in QGIS (probe 27T)
    if not keep.all():
        gdf, tags = gdf[keep].reset_index(drop=True), tags[keep].reset_index(drop=True)
    warn_odd_values(tags, what)
    levels = line_levels(tags)
    keep = _not_copies(gdf.geometry.values, levels, _means(tags), what)
    gdf, tags = gdf[keep].reset_index(drop=True), tags[keep].reset_index(drop=True)
    levels = levels[keep]
    noded = _noded(tags)
    geoms, crossings = _crossings(gdf.geometry.values, levels, join_crossings, what, noded)
    xy, line_of = shapely.get_coordinates(geoms, return_index=True)
    loose = loose_ends(geoms, tags)  # ends of the export moved in QGIS (26R3)
    ways, noding = _node_lines(
        xy, line_of.astype(np.int64), len(gdf), snap_tolerance_m, levels, noded, loose
    )
    noding = dataclasses.replace(noding, crossings=crossings, crossings_joined=join_crossings)
    warn_near_misses(geoms, levels, snap_tolerance_m, what, noded, loose.ravel())
    warn_loose_ends(geoms, tags, loose, ways[:2], snap_tolerance_m, what)
    log.info(
        "%s: %d lines joined with a %.2f m tolerance: %d line ends snapped (max %.2f m), "
        "%d T-junctions split",
        what,
        len(gdf),
        snap_tolerance_m,
        noding.ends_snapped,
        noding.max_move_m,
        noding.t_junctions,
    )
    ptr, node_id, xy_out = ways
    raw = RawWays(
        way_ptr=ptr,
        node_id=node_id,
        xy=xy_out,
        tags=tags.reset_index(drop=True),
        elevator_nodes=lift_nodes(tags, ptr, node_id),
        crs=crs,
    )
    return raw, noding


def _noded(tags: pd.DataFrame) -> np.ndarray:
    """Lines of the network's own export (with u/v): they join one another at shared vertices."""
    if "noded" not in tags.columns:
        return np.zeros(len(tags), dtype=bool)
    return tags["noded"].astype("boolean").fillna(False).to_numpy(bool)


def _means(tags: pd.DataFrame) -> np.ndarray:
    """How each line is walked: 0 on foot (streets, stairs), 1 riding (conveying), 2 a lift."""
    means = np.zeros(len(tags), dtype=np.int8)
    if "conveying" in tags.columns:
        means[flag_set(tags["conveying"])] = 1
    if "highway" in tags.columns:
        means[tags["highway"].astype("string").eq("elevator").fillna(False).to_numpy(bool)] = 2
    return means


def _not_copies(geoms: np.ndarray, levels: np.ndarray, means: np.ndarray, what: str) -> np.ndarray:
    """Which lines to keep: not a copy of an earlier one on the same level (either way round).

    A street drawn twice (two districts' files both holding a bridge, a layer pasted in
    twice) was counted twice in the main streets' length and weight (probe 20A). A tunnel
    drawn along the street above it is no copy (probe 20R); lines that only partly overlap
    are kept, and so is an escalator or a lift drawn on the stairway's own vertices (probe
    24R: which of them was kept depended on the rows' order), ``means`` telling them apart.
    """
    keys = pd.Series(shapely.to_wkb(shapely.normalize(geoms)))
    dup = pd.DataFrame({"k": keys, "level": levels, "means": means}).duplicated().to_numpy()
    if dup.any():
        log.warning(
            "%s: %d lines are copies of another on the same level (the same vertices, either "
            "way round; %.1f km) and are read once",
            what, int(dup.sum()), float(shapely.length(geoms[dup]).sum()) / 1000,
        )  # fmt: skip
    warn_overlaps(geoms[~dup], levels[~dup], what, means[~dup])
    return ~dup


def _crossings(
    geoms: np.ndarray, levels: np.ndarray, join: bool, what: str, noded: np.ndarray
) -> tuple[np.ndarray, int]:
    """The lines with a vertex at each same-level crossing (``join``), and how many there are.

    Not joined, they are said: at INFO when few (an OSM extract's untagged bridges), as a
    warning when at least 1 % of the lines (and 5) cross so (a CAD export's junctions).
    """
    owner, xy, n = crossing_points(geoms, levels, noded)
    if not n:
        return geoms, 0
    if join:
        log.info("%s: %d crossings of ground-level lines joined (--join-crossings)", what, n)
        return with_vertices(geoms, owner, xy), n
    many = n >= max(5, 0.01 * len(geoms))
    log.log(
        logging.WARNING if many else logging.INFO,
        "%s: %d crossings of ground-level lines share no vertex and are not joined (a "
        "walk goes round them); if they are junctions, as a CAD export draws them, join them "
        "with --join-crossings (network.join_crossings = true); lines on other levels "
        "(bridge, tunnel, layer) never join the streets they cross",
        what,
        n,
    )
    return geoms, n


def read_line_ways(
    path: str | Path,
    *,
    snap_tolerance_m: float = SNAP_TOLERANCE_M,
    metric_crs: str | None = None,
    layer: str | int | None = None,
    mask: Any = None,
    join_crossings: bool = False,
) -> tuple[RawWays, LineNoding]:
    """Read street centrelines and join them into ways.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile or any line layer GDAL reads; a Geofabrik
        ``gis_osm_roads_free_1`` layer is read as OSM ways (see :func:`read_line_frame`).
    snap_tolerance_m
        Line ends closer than this (metres) are joined; see the module documentation.
    metric_crs
        CRS for lengths; default the local UTM zone. The layer is transformed into it.
    layer
        Layer name or index in a multi-layer file (GeoPackage).
    mask
        GeoSeries with a CRS: only the lines meeting it are read (whole).
    join_crossings
        Join lines at ground level where they cross without a shared vertex.

    Raises
    ------
    InputDataError
        The file is missing or unreadable, or holds no lines.
    CRSError
        The layer has no CRS.

    """
    path = Path(path)
    snap_tolerance_m = _check_tolerance(snap_tolerance_m)
    frame = read_line_frame(path, layer=layer, mask=mask)
    return node_line_frames(
        [frame],
        snap_tolerance_m=snap_tolerance_m,
        metric_crs=metric_crs,
        what=path.name,
        join_crossings=join_crossings,
    )


def _level_links(
    key: np.ndarray, base_id: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Links joining, at each coordinate where a line ends, the nodes of every level there."""
    _, xy_id = np.unique(key, axis=0, return_inverse=True)
    xy_id = xy_id.ravel()
    rep = np.full(int(xy_id.max()) + 1, -1, dtype=np.int64)
    rep[xy_id[ends]] = base_id[ends]
    at_end = rep[xy_id] >= 0
    return base_id[at_end], rep[xy_id[at_end]]


def _node_lines(
    xy: np.ndarray,
    line_of: np.ndarray,
    n_lines: int,
    tol: float,
    level: np.ndarray | None = None,
    noded: np.ndarray | None = None,
    loose: np.ndarray | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], LineNoding]:
    """Give every vertex a node id so that lines join as documented in the module.

    ``level`` (per line, :func:`line_levels`): interior vertices join only lines of the same
    level; a line end joins every line at its position; T-junctions need the same level.
    ``noded`` (per line): lines of the network's own export, which the tolerance never joins
    to one another (only to lines drawn anew), except at their ``loose`` ends (shape (2, n):
    first, last vertices; :func:`~harbor_planner.network.exported.loose_ends`).
    """
    sizes = np.bincount(line_of, minlength=n_lines)
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    level = np.zeros(n_lines, dtype=np.int64) if level is None else level
    noded = np.zeros(n_lines, dtype=bool) if noded is None else noded
    # identical coordinates (to the millimetre) are one node, as shared nodes are in OSM
    key = np.round(xy * 1000.0).astype(np.int64)
    _, base_id = np.unique(np.column_stack([key, level[line_of]]), axis=0, return_inverse=True)
    base_id = base_id.ravel().astype(np.int64)
    n_base = int(base_id.max()) + 1

    has = sizes >= 1
    ends = np.concatenate([ptr[:-1][has], ptr[1:][has] - 1])
    end_pts = shapely.points(xy[ends])
    loose = np.zeros((2, n_lines), dtype=bool) if loose is None else loose
    fixed = noded[line_of[ends]] & ~np.concatenate([loose[0][has], loose[1][has]])
    split_line = np.zeros(0, dtype=np.int64)
    split_dist = np.zeros(0)
    split_id = np.zeros(0, dtype=np.int64)
    link_a, link_b = _level_links(key, base_id, ends)
    if tol > 0:
        i, j = shapely.STRtree(end_pts).query(end_pts, predicate="dwithin", distance=tol)
        anew = ~(fixed[i] & fixed[j])
        i, j = i[anew], j[anew]
        link_a = np.concatenate([link_a, base_id[ends[i]]])
        link_b = np.concatenate([link_b, base_id[ends[j]]])
        # T-junctions: a line end near another line's interior (of the same level)
        lines = shapely.linestrings(xy, indices=line_of)
        pi, li = shapely.STRtree(lines).query(end_pts, predicate="dwithin", distance=tol)
        other = (line_of[ends[pi]] != li) & (level[line_of[ends[pi]]] == level[li])
        other &= ~(fixed[pi] & noded[li])
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
