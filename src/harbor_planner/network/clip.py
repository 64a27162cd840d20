"""Clip a network to a study area while it is read: districts, a polygon layer or a bbox.

A planner may hand over a province or country extract and study three districts. The area is
given as names or adcodes of Chongqing's districts (``渝中区,江北区``; see
:mod:`harbor_planner.districts`), a polygon layer, or a WGS-84 box ``W,S,E,N``. A **way is
kept whole when any of its nodes lies inside the area grown by a margin** (by default the
longest walk the study asks for, minutes x walking speed), so that streets just outside the
area still route stations near its edge.

OSM files are streamed in three passes, so memory follows what is kept, not the file:

1. the nodes: the ids and positions of those inside the grown area (tested in chunks);
2. the ways tagged ``highway``: those touching a node of pass 1 are kept (refs and tags);
3. the nodes again: the positions of the kept ways' nodes outside the area (by id).

Line layers are read with a mask (pyogrio reads only the features meeting the grown area);
other sources (GraphML, ``place:``) are read whole and their ways kept the same way.
"""

from __future__ import annotations

import difflib
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
from harbor_planner.network._ways import WAY_TAGS, RawWays
from harbor_planner.network.osm import OsmScan, osm_read_error, scan_to_ways

__all__ = [
    "ClipArea",
    "clip_area",
    "clip_ways",
    "is_area_file",
    "parse_bbox",
    "read_osm_ways_within",
]

log = logging.getLogger(__name__)

#: Node positions tested against the area at once (pass 1) / way refs per chunk (pass 2).
_CHUNK = 1 << 18


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


def _district_names(names: list[str]) -> tuple[Any, str]:
    """The union of the named districts (WGS-84) and a label; unknown names raise."""
    from harbor_planner.districts import chongqing_districts, match_district_names

    codes = match_district_names(pd.Series(names, dtype="string"))
    unknown = [n for n, c in zip(names, codes, strict=True) if pd.isna(c) or c in ("nan", "<NA>")]
    if unknown:
        table = chongqing_districts()
        known = list(table["name_zh"]) + list(table["name_en"]) + list(table["adcode"])
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            listed = " or ".join(repr(c) for c in close)
            hints.append(f"{name!r}" + (f" (did you mean {listed}?)" if close else ""))
        raise InputDataError(
            f"network within: unknown district {', '.join(hints)}; give names or adcodes of "
            "Chongqing's districts (渝中区, Yuzhong, 500103) or a polygon file"
        )
    table = chongqing_districts().set_index("adcode")
    chosen = table.loc[list(dict.fromkeys(codes))]
    return shapely.union_all(chosen.geometry.to_numpy()), ",".join(chosen["name_zh"])


def _layer_region(path: Path) -> Any:
    """The union of the polygons of a layer, WGS-84."""
    import geopandas as gpd

    from harbor_planner.errors import CRSError

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio/GDAL errors have no common base class
        raise InputDataError(f"cannot read the area layer ({exc})", path=path) from None
    if gdf.crs is None:
        raise CRSError("the area layer has no CRS; set it and retry", path=path)
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise InputDataError("the area layer holds no polygons", path=path)
    return shapely.union_all(polys.to_crs("EPSG:4326").geometry.to_numpy())


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
            path = Path(text)
            if not path.is_file():
                raise InputDataError("area file not found", path=path)
            return _layer_region(path), path.name
        within = [t for t in re.split(r"[,，、;]", text) if t.strip()]
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
        return shapely.union_all(within.to_crs("EPSG:4326").geometry.to_numpy()), "the area"
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
    if not (math.isfinite(margin_m) and margin_m >= 0):
        raise InputDataError(f"network margin_m {margin_m!r}: expected metres >= 0")
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


def _sorted_isin(values: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """``np.isin`` against a sorted array, by binary search."""
    if sorted_ids.size == 0:
        return np.zeros(values.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_ids, values), sorted_ids.size - 1)
    return sorted_ids[pos] == values


def _nodes_inside(path: Path, area: ClipArea) -> tuple[np.ndarray, np.ndarray, set[int]]:
    """Pass 1: sorted ids and ``(n, 2)`` lon/lat of the nodes inside the grown area; lifts."""
    import osmium

    w, s, e, n = shapely.bounds(area.kept)
    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    kept_ids: list[np.ndarray] = []
    kept_ll: list[np.ndarray] = []
    lifts: set[int] = set()

    def flush() -> None:
        lon, lat = np.asarray(lons), np.asarray(lats)
        inside = shapely.contains_xy(area.kept, lon, lat)
        kept_ids.append(np.asarray(ids, dtype=np.int64)[inside])
        kept_ll.append(np.column_stack([lon, lat])[inside])
        ids.clear(), lons.clear(), lats.clear()

    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
        loc = obj.location
        if not loc.valid():
            continue
        lon, lat = loc.lon, loc.lat
        if w <= lon <= e and s <= lat <= n:
            ids.append(obj.id)
            lons.append(lon)
            lats.append(lat)
            if obj.tags.get("highway") == "elevator":
                lifts.add(obj.id)
            if len(ids) >= _CHUNK:
                flush()
    flush()
    all_ids = np.concatenate(kept_ids)
    lonlat = np.vstack(kept_ll).reshape(-1, 2)
    order = np.argsort(all_ids, kind="stable")
    return all_ids[order], lonlat[order], lifts


def _ways_touching(path: Path, inside: np.ndarray) -> OsmScan:
    """Pass 2: the ``highway`` ways with a node in ``inside`` (refs and tags, no positions)."""
    import osmium

    scan = OsmScan()
    refs: list[int] = []
    sizes: list[int] = []
    rows: list[dict[str, Any]] = []
    kept_refs: list[np.ndarray] = []

    def flush() -> None:
        if not sizes:
            return
        r = np.asarray(refs, dtype=np.int64)
        size = np.asarray(sizes, dtype=np.int64)
        way_of = np.repeat(np.arange(size.size), size)
        touch = np.bincount(way_of[_sorted_isin(r, inside)], minlength=size.size) > 0
        kept_refs.append(r[touch[way_of]])
        scan.ptr.extend((scan.ptr[-1] + np.cumsum(size[touch])).tolist())
        scan.rows.extend(row for row, t in zip(rows, touch, strict=True) if t)
        refs.clear(), sizes.clear(), rows.clear()

    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    for obj in fp:
        if len(obj.nodes) < 2:
            continue
        refs.extend(nd.ref for nd in obj.nodes)
        sizes.append(len(obj.nodes))
        row = {k: obj.tags.get(k) for k in WAY_TAGS}
        row["way_id"] = obj.id
        rows.append(row)
        if len(refs) >= _CHUNK:
            flush()
    flush()
    scan.refs = np.concatenate(kept_refs) if kept_refs else np.zeros(0, np.int64)  # type: ignore[assignment]
    return scan


def _outside_nodes(
    path: Path, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, set[int], set[int]]:
    """Pass 3: sorted ids and lon/lat of the kept ways' nodes outside; invalid ones; lifts."""
    import osmium

    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    bad: set[int] = set()
    lifts: set[int] = set()
    # no osmium IdFilter: its id bitmap grows with the spread of the ids (~150 MB for a
    # district's ids), not with their number
    wanted_set = set(wanted.tolist())
    if wanted_set:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
            if obj.id not in wanted_set:
                continue
            loc = obj.location
            if loc.valid():
                ids.append(obj.id)
                lons.append(loc.lon)
                lats.append(loc.lat)
            else:
                bad.add(obj.id)
            if obj.tags.get("highway") == "elevator":
                lifts.add(obj.id)
    found = np.asarray(ids, dtype=np.int64)
    order = np.argsort(found, kind="stable")
    return found[order], np.column_stack([lons, lats]).reshape(-1, 2)[order], bad, lifts


def read_osm_ways_within(
    path: str | Path, area: ClipArea, *, metric_crs: str | None = None
) -> RawWays:
    """Read the ``highway`` ways of an OSM file that reach into ``area``, in three passes.

    Ways crossing the edge of the grown area are kept whole (their nodes outside are found
    in pass 3); everything else about hostile files is as in
    :func:`~harbor_planner.network.osm.read_osm_ways`.

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
        inside, lonlat, lifts = _nodes_inside(path, area)
        scan = _ways_touching(path, inside)
        refs = np.asarray(scan.refs, dtype=np.int64)
        known = _sorted_isin(refs, inside)
        outside = np.unique(refs[~known])
        found, found_ll, bad, more_lifts = _outside_nodes(path, outside)
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        raise osm_read_error(path, exc) from None
    if not scan.rows:
        raise NetworkError(
            f"{path}: no way tagged highway=* reaches within {area.margin_m:g} m of "
            f"{area.name}; does the file cover the area?"
        )
    ll = np.full((refs.size, 2), np.nan)
    for ids, pos_ll, hit in ((inside, lonlat, known), (found, found_ll, ~known)):
        hit = hit & _sorted_isin(refs, ids)
        ll[hit] = pos_ll[np.searchsorted(ids, refs[hit])]
    scan.lons, scan.lats = ll[:, 0], ll[:, 1]  # type: ignore[assignment]
    scan.lifts = sorted(lifts | more_lifts)
    scan.unknown = set(outside.tolist()) - set(found.tolist())
    log.info(
        "%s: %d highway ways reach into %s (+%g m); %d of their nodes lie outside",
        path.name,
        len(scan.rows),
        area.name,
        area.margin_m,
        outside.size,
    )
    return scan_to_ways(path, scan, {}, bad, metric_crs=metric_crs)


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
