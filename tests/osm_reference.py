"""The previous OSM readers (per-node Python loops), kept as a reference for the fast ones.

``reference_scan`` reads a file whole (pyosmium's location cache, one Python call per way
node); ``reference_scan_within`` reads the ways reaching into a clip area in three passes over
the file, testing every node in Python. Both return an
:class:`~harbor_planner.network.osm.OsmScan` and the node ids with an invalid position, for
:func:`~harbor_planner.network.osm.scan_to_ways`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from harbor_planner.network._ways import WAY_TAGS
from harbor_planner.network.osm import OsmScan

UNDEFINED = 2**31 - 1


def _row(obj: Any) -> tuple[Any, ...]:
    return (*(obj.tags.get(k) for k in WAY_TAGS), obj.id)


def _resolve(path: Path, wanted: set[int]) -> tuple[dict[int, tuple[float, float]], set[int]]:
    import osmium

    found: dict[int, tuple[float, float]] = {}
    bad: set[int] = set()
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if obj.id in wanted:
            loc = obj.location
            if loc.valid():
                found[obj.id] = (loc.lon, loc.lat)
            else:
                bad.add(obj.id)
    return found, bad


def reference_scan(path: Path) -> tuple[OsmScan, dict[int, tuple[float, float]], set[int]]:
    """The whole file: ways with positions from the location cache, then the rest by id."""
    import osmium

    scan = OsmScan()
    fp = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in fp:
        if obj.is_node():
            if obj.tags.get("highway") == "elevator":
                scan.lifts.append(obj.id)
            continue
        if len(obj.nodes) < 2:
            continue
        for nd in obj.nodes:
            loc = nd.location
            scan.refs.append(nd.ref)
            if loc.valid():
                scan.lons.append(loc.lon)
                scan.lats.append(loc.lat)
                continue
            scan.lons.append(math.nan)
            scan.lats.append(math.nan)
            if loc.x != UNDEFINED or loc.y != UNDEFINED:
                scan.bad.add(nd.ref)
            else:
                scan.unknown.add(nd.ref)
        scan.ptr.append(len(scan.refs))
        scan.rows.append(_row(obj))
    found, bad = _resolve(path, scan.unknown) if scan.unknown else ({}, set())
    return scan, found, set(scan.bad) | bad


def reference_scan_within(path: Path, kept: Any) -> tuple[OsmScan, set[int]]:
    """The ways with a node inside ``kept`` (WGS-84 polygon): nodes, ways, nodes again."""
    import osmium

    ids, lons, lats = [], [], []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
        loc = obj.location
        if loc.valid():
            ids.append(obj.id), lons.append(loc.lon), lats.append(loc.lat)
    hit = shapely.contains_xy(kept, np.asarray(lons), np.asarray(lats))
    inside = {i: (x, y) for i, x, y, h in zip(ids, lons, lats, hit.tolist(), strict=True) if h}
    scan = OsmScan()
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    for obj in fp:
        refs = [nd.ref for nd in obj.nodes]
        if len(refs) >= 2 and any(r in inside for r in refs):
            scan.refs.extend(refs)
            scan.ptr.append(len(scan.refs))
            scan.rows.append(_row(obj))
    outside = set(scan.refs) - set(inside)
    found, bad = _resolve(path, outside)
    lonlat = np.array(
        [inside.get(r) or found.get(r) or (math.nan, math.nan) for r in scan.refs], np.float64
    ).reshape(-1, 2)
    scan.lons, scan.lats = lonlat[:, 0].tolist(), lonlat[:, 1].tolist()
    scan.unknown = outside - set(found) - bad
    lifts = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
        osmium.filter.TagFilter(("highway", "elevator"))
    )
    scan.lifts = [obj.id for obj in lifts]
    return scan, bad
