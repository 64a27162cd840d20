"""Clip a network to a study area while it is read: districts, a polygon layer or a bbox.

A planner may hand over a province or country extract and study three districts. The area is
given as names or adcodes of Chongqing's districts (``渝中区,江北区``; see
:mod:`harbor_planner.districts`), a polygon layer, or a WGS-84 box ``W,S,E,N``. A **way is
kept whole when any of its nodes lies inside the area grown by a margin** (by default the
longest walk the study asks for, minutes x walking speed), so that streets just outside the
area still route stations near its edge.

OSM files are streamed so that memory follows what is kept, not the file. libosmium reads the
node positions into a temporary file (C++, 16 bytes a node in ``TMPDIR``; see
:class:`~harbor_planner.network.osm.NodeLocations`), then:

1. numpy reads that index in chunks and keeps the nodes inside the grown area: first a test
   against the area's bounds in fixed-point integers, then the polygon for those inside them;
2. the ways tagged ``highway``: those with a node of pass 1 are kept (refs and tags);
3. the positions of the kept ways' nodes outside the area are looked up in the index by id.

The margin: a way is kept when one of its nodes lies within ``margin_m`` of the area (by
default the longest walk the study asks for, :data:`~harbor_planner.settings.MINUTES` at the
walking speed: 1,125 m at 4.5 km/h), and then kept whole, however far it runs on. A street
whose nodes all lie farther out is dropped even when its straight segment passes nearer (a
long way with no node in the grown area): a margin of a walk's length leaves such cases far
from any station that matters.

Line layers are read with a mask (pyogrio reads only the features meeting the grown area);
other sources (GraphML, ``place:``) are read whole and their ways kept the same way.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from harbor_planner.errors import InputDataError
from harbor_planner.network._crs import metric_crs_for
from harbor_planner.network._ways import RawWays
from harbor_planner.network.osm import (
    NodeLocations,
    OsmScan,
    locate_refs,
    osm_read_error,
    resolve_nodes,
    scan_to_ways,
    sorted_isin,
    way_row,
)
from harbor_planner.settings import MARGIN_MAX_M

__all__ = [
    "ClipArea",
    "clip_area",
    "clip_ways",
    "is_area_file",
    "parse_bbox",
    "read_osm_ways_within",
    "within_district_names",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipArea:
    """The study area a network is clipped to.

    Attributes
    ----------
    region
        The area itself, WGS-84 (Multi)Polygon.
    kept
        The area grown by ``margin_m``, WGS-84: ways with a node in it are kept.
    name
        How the area is named in logs and the network's ``source`` record.
    margin_m
        The margin, metres.

    """

    region: Any
    kept: Any
    name: str
    margin_m: float

    def record(self) -> dict[str, Any]:
        """What is written into the network's ``source``: the area, its margin and bounds."""
        return {
            "area": self.name,
            "margin_m": self.margin_m,
            "bounds_wgs84": [round(float(b), 6) for b in shapely.bounds(self.kept)],
        }


def parse_bbox(value: str | list[float] | tuple[float, ...]) -> tuple[float, float, float, float]:
    """A WGS-84 box ``W,S,E,N`` from text or four numbers, checked.

    Parameters
    ----------
    value
        ``"106.5,29.5,106.6,29.6"`` or ``[106.5, 29.5, 106.6, 29.6]``.

    Returns
    -------
    tuple of float
        ``(west, south, east, north)``, degrees.

    Raises
    ------
    InputDataError
        Not four numbers, out of range, or west >= east / south >= north.

    """
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        w, s, e, n = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise InputDataError(
            f"bbox {value!r}: expected four numbers W,S,E,N in WGS-84 degrees, e.g. "
            "106.49,29.52,106.60,29.58"
        ) from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InputDataError(f"bbox {value!r}: the numbers must be finite")
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputDataError(
            f"bbox {value!r}: expected west < east within -180..180 and south < north within "
            "-90..90 (W,S,E,N, longitude first)"
        )
    return w, s, e, n


def within_district_names(text: str) -> list[str] | None:
    """The district names of a ``within`` text (``渝中区,江北区``), ``None`` for an area file."""
    if is_area_file(text.strip()):
        return None
    return [t for t in re.split(r"[,，、;]", text.strip()) if t.strip()]


def _district_names(names: list[str]) -> tuple[Any, str]:
    """The union of the named districts (WGS-84) and a label; unknown names raise."""
    from harbor_planner.districts import (
        chongqing_districts,
        match_district_names,
        unknown_districts,
    )

    problem = unknown_districts(names)
    if problem:
        raise InputDataError(f"network within: {problem}")
    codes = match_district_names(pd.Series(names, dtype="string"))
    table = chongqing_districts().set_index("adcode")
    chosen = table.loc[list(dict.fromkeys(codes))]
    return shapely.union_all(chosen.geometry.to_numpy()), ",".join(chosen["name_zh"])


def _layer_region(path: Path) -> Any:
    """The union of the polygons of a layer, WGS-84 (read and cleaned as every polygon option's)."""
    from harbor_planner.readers import AREA_LAYERS, read_polygon_file

    gdf = read_polygon_file(path, "network within", "the area layer", AREA_LAYERS)
    return shapely.union_all(gdf.to_crs("EPSG:4326").geometry.to_numpy())


def is_area_file(text: str | Path) -> bool:
    """Whether a ``within`` value names a polygon file (else: district names or adcodes).

    Parameters
    ----------
    text
        The value.

    Returns
    -------
    bool
        True for an existing path, a path with a folder, or a GIS file name (``.geojson``,
        ``.gpkg``, ``.shp``...).

    """
    from harbor_planner.network.lines import LINE_SUFFIXES

    text = str(text).strip()
    return (
        Path(text).exists()
        or "/" in text
        or "\\" in text
        or text.lower().endswith((*LINE_SUFFIXES, ".zip"))
    )


def _within_region(within: Any) -> tuple[Any, str]:
    """The area of ``within`` (names, file, GeoDataFrame or geometry) and its label."""
    if isinstance(within, str | Path):
        text = str(within).strip()
        if isinstance(within, Path) or is_area_file(text):
            path = Path(text)  # probe 26R: a folder GDAL reads is a layer (read_polygon_file)
            return _layer_region(path), path.name
        within = within_district_names(text)
    if isinstance(within, list | tuple):
        names = [str(n).strip() for n in within if str(n).strip()]
        if len(names) == 1 and is_area_file(names[0]):
            return _within_region(names[0])
        if not names:
            raise InputDataError("network within: give district names, adcodes or a file")
        return _district_names(names)
    if hasattr(within, "geometry") and hasattr(within, "crs"):
        if within.crs is None:
            from harbor_planner.errors import CRSError

            raise CRSError("the area has no CRS; set it and retry")
        import geopandas as gpd

        from harbor_planner.readers import clean_polygons

        area = clean_polygons(gpd.GeoDataFrame(geometry=within.geometry), "the area")
        return shapely.union_all(area.to_crs("EPSG:4326").geometry.to_numpy()), "the area"
    if isinstance(within, shapely.Geometry):
        return within, "the area (WGS-84)"
    raise InputDataError(f"network within: cannot use {type(within).__name__} as an area")


def clip_area(*, within: Any = None, bbox: Any = None, margin_m: float) -> ClipArea | None:
    """The study area of ``within`` or ``bbox``, grown by ``margin_m``.

    Parameters
    ----------
    within
        District names or adcodes (a list, or text separated by commas: ``"渝中区,江北区"``),
        a polygon layer file, a GeoDataFrame/GeoSeries with a CRS, or a WGS-84 geometry.
    bbox
        ``W,S,E,N`` in WGS-84 degrees (text or four numbers).
    margin_m
        Ways with a node within this many metres of the area are kept.

    Returns
    -------
    ClipArea or None
        ``None`` when neither is given.

    Raises
    ------
    InputDataError
        Both given, an unknown district (with the closest name), an unreadable or empty
        layer, a malformed bbox or a negative margin.

    """
    if within is None and bbox is None:
        return None
    if within is not None and bbox is not None:
        raise InputDataError("network: give within or bbox, not both")
    if not (math.isfinite(margin_m) and 0 <= margin_m <= MARGIN_MAX_M):
        raise InputDataError(
            f"network margin_m {margin_m!r}: expected metres from 0 to {MARGIN_MAX_M:,.0f}"
        )
    if bbox is not None:
        w, s, e, n = parse_bbox(bbox)
        region, name = shapely.box(w, s, e, n), f"bbox {w:g},{s:g},{e:g},{n:g}"
    else:
        region, name = _within_region(within)
    region = shapely.make_valid(region)
    if region.is_empty:
        raise InputDataError(f"network within: {name} is empty")
    import geopandas as gpd

    cx, cy = shapely.get_coordinates(shapely.centroid(region))[0]
    crs = metric_crs_for(np.array([cx]), np.array([cy]), None, what=name)
    grown = gpd.GeoSeries([region], crs="EPSG:4326").to_crs(crs).buffer(margin_m)
    kept = grown.to_crs("EPSG:4326").iloc[0]
    shapely.prepare(kept)
    log.info("network: keeping the ways that reach within %g m of %s", margin_m, name)
    return ClipArea(region=region, kept=kept, name=name, margin_m=float(margin_m))


def _nodes_inside(locs: NodeLocations, area: ClipArea) -> tuple[np.ndarray, np.ndarray]:
    """Pass 1: sorted ids and ``(n, 2)`` lon/lat of the nodes inside the grown area.

    Each chunk of positions is tested against the area's bounds in fixed-point integers, then
    the few inside the bounds against the area itself; only those are kept.
    """
    w, s, e, n = (round(b * 10_000_000) for b in shapely.bounds(area.kept))

    def inside(ids: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        hit = (x >= w) & (x <= e) & (y >= s) & (y <= n)
        pos = np.flatnonzero(hit)
        hit[pos] = shapely.contains_xy(area.kept, x[pos] / 1e7, y[pos] / 1e7)
        return hit

    ids, lonlat, ok = locs.select(inside)
    return ids[ok], lonlat[ok]


def _ways_touching(path: Path, inside: np.ndarray) -> OsmScan:
    """Pass 2: the ``highway`` ways with a node in ``inside`` (refs and tags, no positions).

    Ways with a negative node id (new objects of a JOSM file, which libosmium's index does not
    hold) are kept too; :func:`_drop_far_negative` decides on them.
    """
    import osmium

    scan = OsmScan()
    refs: list[int] = []
    sizes: list[int] = []
    inside_set = set(inside.tolist())
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    for obj in fp:
        way_refs = [nd.ref for nd in obj.nodes]
        if len(way_refs) < 2 or (inside_set.isdisjoint(way_refs) and min(way_refs) >= 0):
            continue
        refs.extend(way_refs)
        sizes.append(len(way_refs))
        scan.rows.append(way_row(obj))
    scan.refs = np.asarray(refs, dtype=np.int64)
    scan.ptr = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
    return scan


def _drop_far_negative(
    path: Path, scan: OsmScan, inside: np.ndarray, lonlat: np.ndarray, area: ClipArea
) -> tuple[np.ndarray, np.ndarray]:
    """Add the negative-id nodes inside the area to ``inside``; drop the ways not touching it."""
    negative = np.unique(scan.refs[scan.refs < 0])
    if negative.size == 0:
        return inside, lonlat
    found, _ = resolve_nodes(path, set(negative.tolist()))
    ids = np.fromiter(found, np.int64, len(found))
    ll = np.asarray([found[int(i)] for i in ids], np.float64).reshape(-1, 2)
    near = shapely.contains_xy(area.kept, ll[:, 0], ll[:, 1])
    all_ids = np.concatenate([inside, ids[near]])
    order = np.argsort(all_ids, kind="stable")
    inside, lonlat = all_ids[order], np.vstack([lonlat, ll[near]])[order]
    sizes = np.diff(scan.ptr)
    way_of = np.repeat(np.arange(sizes.size), sizes)
    keep = np.bincount(way_of[sorted_isin(scan.refs, inside)], minlength=sizes.size) > 0
    scan.refs = scan.refs[keep[way_of]]
    scan.ptr = np.concatenate([[0], np.cumsum(sizes[keep])])
    scan.rows = [row for row, k in zip(scan.rows, keep, strict=True) if k]
    return inside, lonlat


def read_osm_ways_within(
    path: str | Path, area: ClipArea, *, metric_crs: str | None = None
) -> RawWays:
    """Read the ``highway`` ways of an OSM file that reach into ``area``.

    libosmium reads every node position into a temporary index (C++;
    :class:`~harbor_planner.network.osm.NodeLocations`); numpy keeps those inside the grown
    area (pass 1); the ways tagged ``highway`` with a node among them are kept (pass 2); the
    positions of their nodes outside the area are looked up in the index (pass 3). Memory
    holds the positions kept, not the file's (``read_stats["node_positions_held"]``). Ways
    crossing the edge of the grown area are kept whole; everything else about hostile files
    is as in :func:`~harbor_planner.network.osm.read_osm_ways`.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf`` or ``.o5m`` file.
    area
        From :func:`clip_area`.
    metric_crs
        CRS for lengths; default the local UTM zone.

    Returns
    -------
    RawWays

    Raises
    ------
    InputDataError
        Missing, unreadable or corrupt file.
    NetworkError
        No ``highway`` way reaches into the area.

    """
    import osmium

    from harbor_planner.errors import NetworkError

    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    try:
        with NodeLocations(path) as locs:
            inside, lonlat = _nodes_inside(locs, area)
            scan = _ways_touching(path, inside)
            inside, lonlat = _drop_far_negative(path, scan, inside, lonlat, area)
            if not scan.rows:
                raise NetworkError(
                    f"{path}: no way tagged highway=* reaches within {area.margin_m:g} m of "
                    f"{area.name}; does the file cover the area?"
                )
            refs = scan.refs
            known = sorted_isin(refs, inside)
            ll = np.full((refs.size, 2), np.nan)
            ll[known] = lonlat[np.searchsorted(inside, refs[known])]
            scan.lons, scan.lats = ll[:, 0], ll[:, 1]
            bad, held_outside = locate_refs(path, scan, locs, known=inside)
            lifts = locs.lifts
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        raise osm_read_error(path, exc) from None
    scan.lifts = lifts[sorted_isin(lifts, np.unique(refs))].tolist()
    outside = int(np.unique(refs[~known]).size)
    stats = {
        "nodes_in_file": locs.count,
        "node_positions_held": int(inside.size) + held_outside,
        "nodes_inside": int(inside.size),
    }
    log.info(
        "%s: %d highway ways reach into %s (+%g m); %d of their nodes lie outside; "
        "%d of the file's %d node positions held",
        path.name,
        len(scan.rows),
        area.name,
        area.margin_m,
        outside,
        stats["node_positions_held"],
        locs.count,
    )
    return scan_to_ways(path, scan, {}, bad, metric_crs=metric_crs, stats=stats)


def clip_ways(ways: RawWays, area: ClipArea) -> RawWays:
    """The ways of ``ways`` with a node inside the grown area (read whole, then clipped).

    Parameters
    ----------
    ways
        Ways in a metric CRS.
    area
        From :func:`clip_area`.

    Returns
    -------
    RawWays

    """
    from harbor_planner.network._crs import to_metric

    lonlat = to_metric(ways.xy[:, 0], ways.xy[:, 1], from_crs=ways.crs, to_crs="EPSG:4326")
    inside = shapely.contains_xy(area.kept, lonlat[:, 0], lonlat[:, 1])
    sizes = np.diff(ways.way_ptr)
    way_of = np.repeat(np.arange(sizes.size), sizes)
    return ways.subset(np.bincount(way_of[inside], minlength=sizes.size) > 0)
