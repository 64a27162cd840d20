"""Several sources, one network: read each source (clipped to a study area) and join them.

How sources join:

* **OSM files** (and GraphML, ``place:``) join by node id: the same id is the same node. A way
  given by several sources (same way id) is kept once, from the source holding most of its
  nodes (an extract that cut it holds fewer);
* **line layers** are noded together as one layer (:func:`~harbor_planner.network.lines.
  node_line_frames`): lines of different files meeting at a vertex, or end to end within the
  snapping tolerance, join; a Geofabrik way given by two files is kept once;
* **OSM and line layers**: a line vertex at the exact position (to the millimetre, in the
  network's metric CRS) of an OSM node is that node; a Geofabrik line whose ``osm_id`` is a way
  of an OSM source is dropped (the OSM way, with its node ids and full tags, is kept).

The metric CRS is the one given, else that of the first source read (OSM-like sources first).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._io import file_sha256
from harbor_planner.errors import NetworkError
from harbor_planner.network._ways import RawWays
from harbor_planner.network.clip import ClipArea, clip_ways, read_osm_ways_within
from harbor_planner.network.lines import node_line_frames, read_line_frame
from harbor_planner.network.osm import read_graphml_ways, read_osm_ways, read_place_ways
from harbor_planner.settings import SNAP_TOLERANCE_M

__all__ = ["join_ways", "read_sources", "source_record"]

log = logging.getLogger(__name__)


def source_record(source: str | Path, kind: str) -> dict[str, Any]:
    """Where a network came from: the file's path, size and SHA-256, or the place name.

    Parameters
    ----------
    source
        A file or ``place:NAME``.
    kind
        Its kind (``osm``, ``lines``, ``graphml``, ``place``).

    Returns
    -------
    dict

    """
    if kind == "place":
        return {"place": str(source)[6:].strip()}
    path = Path(source)
    record: dict[str, Any] = {"path": str(path), "bytes": path.stat().st_size}
    if path.is_file():
        record["sha256"] = file_sha256(path)
    return record


def _read_one(
    source: str | Path, kind: str, area: ClipArea | None, metric_crs: str | None
) -> RawWays:
    if kind == "osm":
        if area is not None:
            return read_osm_ways_within(source, area, metric_crs=metric_crs)
        return read_osm_ways(source, metric_crs=metric_crs)
    if kind == "graphml":
        ways = read_graphml_ways(source, metric_crs=metric_crs)
    else:
        ways = read_place_ways(str(source)[6:].strip(), metric_crs=metric_crs)
    return ways if area is None else clip_ways(ways, area)


def _read_lines(
    paths: list[str | Path],
    area: ClipArea | None,
    *,
    snap_tolerance_m: float,
    join_crossings: bool,
    metric_crs: str | None,
    info: dict[str, Any],
) -> RawWays | None:
    """All line layers noded together; a layer with no line inside the area is skipped."""
    import geopandas as gpd

    mask = None if area is None else gpd.GeoSeries([area.kept], crs="EPSG:4326")
    frames = []
    for path in paths:
        try:
            frames.append(read_line_frame(path, mask=mask))
        except NetworkError:
            if mask is None or len(paths) == 1:
                raise
            log.warning("%s: no line reaches into %s; left out", Path(path).name, area.name)
    if not frames:
        return None
    what = Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} line layers"
    ways, noding = node_line_frames(
        frames,
        snap_tolerance_m=snap_tolerance_m,
        metric_crs=metric_crs,
        what=what,
        join_crossings=join_crossings,
    )
    info["noding"] = {
        "snap_tolerance_m": noding.snap_tolerance_m,
        "ends_snapped": noding.ends_snapped,
        "t_junctions": noding.t_junctions,
        "max_move_m": noding.max_move_m,
        "crossings": noding.crossings,
        "crossings_joined": noding.crossings_joined,
    }
    return ways


def read_sources(
    sources: list[str | Path],
    kinds: list[str],
    *,
    area: ClipArea | None = None,
    snap_tolerance_m: float,
    join_crossings: bool = False,
    metric_crs: str | None = None,
    info: dict[str, Any],
) -> RawWays:
    """Read every source (clipped to ``area``) and join them into one set of ways.

    Parameters
    ----------
    sources
        Files (OSM, GraphML, line layers) or ``place:NAME``.
    kinds
        The kind of each (:func:`~harbor_planner.network.build.source_kind`); not ``network``.
    area
        Keep only the ways reaching into it; ``None``: everything.
    snap_tolerance_m
        Line layers: join line ends closer than this.
    join_crossings
        Line layers: join ground-level lines where they cross without a vertex.
    metric_crs
        CRS for lengths; default that of the first source read (its local UTM zone).
    info
        The build record: ``noding`` (line layers) and ``join`` (several sources) are added.

    Returns
    -------
    RawWays

    Raises
    ------
    NetworkError
        No source has a way (inside the area).

    """
    crs = metric_crs
    osm_ways: list[RawWays] = []
    for source, kind in zip(sources, kinds, strict=True):
        if kind == "lines":
            continue
        try:
            ways = _read_one(source, kind, area, crs)
        except NetworkError:
            if area is None or len(sources) == 1:
                raise
            log.warning("%s: no way reaches into %s; left out", source, area.name)
            continue
        crs = crs or ways.crs
        osm_ways.append(ways)
    line_paths = [s for s, k in zip(sources, kinds, strict=True) if k == "lines"]
    given = [o for o, on in (("--snap-tolerance", snap_tolerance_m != SNAP_TOLERANCE_M),
                             ("--join-crossings", join_crossings)) if on]  # fmt: skip
    if given and not line_paths:  # said, not ignored (probe 20R)
        log.warning(
            "%s: %s only to line layers; OSM ways join at the nodes they share",
            ", ".join(map(str, sources)),
            " and ".join(given) + (" apply" if len(given) > 1 else " applies"),
        )  # fmt: skip
    lines = None
    if line_paths:
        lines = _read_lines(
            line_paths,
            area,
            snap_tolerance_m=snap_tolerance_m,
            join_crossings=join_crossings,
            metric_crs=crs,
            info=info,
        )
    if not osm_ways and lines is None:
        where = f" reaching into {area.name}" if area is not None else ""
        raise NetworkError(f"no source has a way{where}: {', '.join(map(str, sources))}")
    if len(sources) == 1:
        return osm_ways[0] if osm_ways else lines  # type: ignore[return-value]
    ways, joined = join_ways(osm_ways, lines, n_sources=len(sources))
    info["join"] = joined
    return ways


def _dedup_osm(parts: list[RawWays]) -> tuple[list[np.ndarray], int]:
    """Per source, the ways kept: a way id given by several sources is kept from one."""
    rows = []
    for s, w in enumerate(parts):
        ids = w.tags["way_id"].to_numpy(np.int64)
        rows.append(pd.DataFrame({"src": s, "way_id": ids, "n": np.diff(w.way_ptr)}))
    table = pd.concat(rows, ignore_index=True)
    per = table.groupby(["way_id", "src"], sort=True)["n"].sum().reset_index()
    per = per.sort_values(["way_id", "n", "src"], ascending=[True, False, True])
    chosen = per.drop_duplicates("way_id").set_index("way_id")["src"]
    keeps = []
    dropped = 0
    for s, w in enumerate(parts):
        ids = w.tags["way_id"].to_numpy(np.int64)
        keep = chosen.reindex(ids).to_numpy() == s
        dropped += int((~keep).sum())
        keeps.append(keep)
    return keeps, dropped


def _line_node_ids(lines: RawWays, osm: RawWays | None) -> tuple[np.ndarray, int]:
    """Line node ids made unique beside the OSM ids; a vertex on an OSM node takes its id."""
    local = lines.node_id
    offset = 1 if osm is None or osm.node_id.size == 0 else max(int(osm.node_id.max()) + 1, 1)
    new = local + offset
    if osm is None or osm.node_id.size == 0:
        return new, 0
    key_osm = np.round(osm.xy * 1000.0).astype(np.int64)
    key_line = np.round(lines.xy * 1000.0).astype(np.int64)
    _, inv = np.unique(np.vstack([key_osm, key_line]), axis=0, return_inverse=True)
    inv = inv.ravel()
    m = len(key_osm)
    has = np.zeros(int(inv.max()) + 1, dtype=bool)
    owner = np.zeros(has.size, dtype=np.int64)
    has[inv[:m]] = True
    owner[inv[:m]] = osm.node_id
    hit = has[inv[m:]]
    new[hit] = owner[inv[m:]][hit]
    return new, int(np.unique(new[hit]).size)


def _concat(parts: list[RawWays]) -> RawWays:
    sizes = np.concatenate([np.diff(w.way_ptr) for w in parts])
    return RawWays(
        way_ptr=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        node_id=np.concatenate([w.node_id for w in parts]),
        xy=np.vstack([w.xy for w in parts]).reshape(-1, 2),
        tags=pd.concat([w.tags for w in parts], ignore_index=True),
        elevator_nodes=np.unique(np.concatenate([w.elevator_nodes for w in parts])),
        crs=parts[0].crs,
    )


def join_ways(
    osm: list[RawWays], lines: RawWays | None, *, n_sources: int | None = None
) -> tuple[RawWays, dict[str, int]]:
    """Join the ways of OSM-like sources (by node id) and noded line layers (by position).

    Parameters
    ----------
    osm
        Ways of OSM files, GraphML or places, in one metric CRS.
    lines
        Line layers noded together (node ids ``0..n-1``), in the same CRS, or ``None``.
    n_sources
        How many sources were read (for the log).

    Returns
    -------
    (RawWays, dict)
        The ways, and counts: ``osm_ways_deduplicated``, ``line_ways_dropped_as_osm``,
        ``line_nodes_on_osm_nodes``.

    """
    counts = {"osm_ways_deduplicated": 0, "line_ways_dropped_as_osm": 0}
    parts = list(osm)
    if len(parts) > 1:
        keeps, counts["osm_ways_deduplicated"] = _dedup_osm(parts)
        parts = [w.subset(k) for w, k in zip(parts, keeps, strict=True)]
    joined = _concat(parts) if parts else None
    if lines is not None:
        if joined is not None and "osm_way" in lines.tags.columns:
            osm_ids = joined.tags["way_id"].to_numpy(np.int64)
            same = lines.tags["osm_way"].to_numpy(bool) & np.isin(
                lines.tags["way_id"].to_numpy(np.int64), osm_ids
            )
            counts["line_ways_dropped_as_osm"] = int(same.sum())
            lines = lines.subset(~same)
        ids, counts["line_nodes_on_osm_nodes"] = _line_node_ids(lines, joined)
        lifts = ids[np.isin(lines.node_id, lines.elevator_nodes)]  # the export's lifts (26N1)
        lines = RawWays(
            way_ptr=lines.way_ptr,
            node_id=ids,
            xy=lines.xy,
            tags=lines.tags,
            elevator_nodes=np.unique(lifts).astype(np.int64),
            crs=lines.crs,
        )
        joined = lines if joined is None else _concat([joined, lines])
    log.info(
        "joined %d sources: %s",
        n_sources or len(osm) + (lines is not None),
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return joined, counts  # type: ignore[return-value]
