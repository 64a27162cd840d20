"""Read OpenStreetMap sources into :class:`~harbor_planner.network._ways.RawWays`.

* OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``), PBF (``.osm.pbf``) and o5m through pyosmium:
  libosmium reads the node positions into a temporary location index (C++, no Python call per
  node; :class:`NodeLocations`), Python reads the ``highway`` ways (their refs and tags), and
  numpy looks their nodes' positions up in the index in chunks;
* a GraphML saved by OSMnx (``osmnx.save_graphml``);
* ``place:NAME``, downloaded through OSMnx (needs the internet; OSMnx caches the responses).
"""

from __future__ import annotations

import ast
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._text import one_line
from harbor_planner.errors import InputDataError, NetworkError, OutputError
from harbor_planner.network._crs import metric_crs_for, to_metric
from harbor_planner.network._ways import WAY_TAGS, RawWays

__all__ = [
    "OSM_SUFFIXES",
    "ROW_COLUMNS",
    "NodeLocations",
    "OsmScan",
    "find_unparsable_node",
    "is_osm_path",
    "locate_refs",
    "osm_read_error",
    "read_graphml_ways",
    "read_osm_ways",
    "read_place_ways",
    "resolve_nodes",
    "scan_to_ways",
    "sorted_isin",
    "way_row",
]

log = logging.getLogger(__name__)

#: File names (lower case) read as OpenStreetMap data: XML, compressed XML, PBF and o5m, all
#: through pyosmium (libosmium picks the format from the name).
OSM_SUFFIXES: tuple[str, ...] = (
    ".osm",
    ".osm.bz2",
    ".osm.gz",
    ".osm.pbf",
    ".pbf",
    ".osm.xml",
    ".o5m",
)


def is_osm_path(path: str | Path) -> bool:
    """Whether ``path`` names an OpenStreetMap file, by its name (see :data:`OSM_SUFFIXES`).

    Parameters
    ----------
    path
        A file name or path; the file need not exist.

    Returns
    -------
    bool
        ``True`` for ``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``, ``.pbf``, ``.osm.xml``
        and ``.o5m`` names (any case).

    """
    return Path(path).name.lower().endswith(OSM_SUFFIXES)


#: Largest number of node ids a warning lists.
_MAX_LISTED = 5


@dataclass
class OsmScan:
    """Highway ways of an OSM file as flat arrays; ``nan`` where a node has no position yet.

    ``ptr`` are the offsets of each way's positions in ``refs``/``lons``/``lats`` (lists or
    arrays); ``rows`` the tags of each way, one tuple of :data:`ROW_COLUMNS` (the
    :data:`~harbor_planner.network._ways.WAY_TAGS` and ``way_id``) a way; ``lifts`` the ids
    of ``highway=elevator`` nodes; ``unknown`` the ids of nodes not found and ``bad`` those
    found with an invalid position.
    """

    ptr: Any = field(default_factory=lambda: [0])
    refs: Any = field(default_factory=list)
    lons: Any = field(default_factory=list)
    lats: Any = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lifts: list[int] = field(default_factory=list)
    unknown: set[int] = field(default_factory=set)
    bad: set[int] = field(default_factory=set)


def osm_read_error(path: Path, exc: Exception) -> InputDataError:
    """The one-line error for an OSM file libosmium could not read.

    Parameters
    ----------
    path
        The file.
    exc
        What pyosmium raised: ``osmium.InvalidLocationError`` (a node position that is not
        a number, e.g. ``lat="abc"``, ``lat="nan"``, ``lon="500"``) or ``RuntimeError``
        (truncated or corrupt XML/PBF, wrong format, unsorted data).

    Returns
    -------
    InputDataError
        Naming the file and, for an unparsable position in an XML file, the node.

    """
    import osmium

    if isinstance(exc, osmium.InvalidLocationError):
        found = find_unparsable_node(path)
        what = (
            f"node {found[0]} has an unparsable position (lat={found[1]!r}, lon={found[2]!r})"
            if found
            else f"a node has an unparsable position ({exc})"
        )
        return InputDataError(
            f"{what}; positions must be decimal degrees (lat -90..90, lon -180..180): fix "
            "or delete the node and read the file again",
            path=path,
        )
    text = str(exc)
    if any(k in text for k in ("No space left", "Not enough space", "File too large")):
        import tempfile

        return OutputError(
            f"cannot stage the decompressed extract in the temporary folder "
            f"{tempfile.gettempdir()} ({text}): the disk is full or a file-size limit applies; "
            "free space there or point TMPDIR at a folder with room (the file is not at fault)",
            path=path,
        )
    hint = "; sort it with 'osmium sort FILE -o SORTED.osm'" if "order" in text else ""
    return InputDataError(
        f"cannot read as OpenStreetMap data ({exc}); is it a complete, uncorrupted "
        f".osm/.osm.pbf file?{hint}",
        path=path,
    )


def _parse_degrees(text: str | None, limit: float) -> bool:
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and -limit <= value <= limit


def find_unparsable_node(path: str | Path) -> tuple[str, str | None, str | None] | None:
    """The first node of an OSM XML file whose ``lat``/``lon`` is not a number in range.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.xml``, ``.osm.gz`` or ``.osm.bz2`` file (other formats give ``None``).

    Returns
    -------
    tuple or None
        ``(node id, lat text, lon text)`` of the first such node, or ``None``.

    """
    import bz2
    import gzip
    import xml.etree.ElementTree as ET

    path = Path(path)
    name = path.name.lower()
    opener = gzip.open if name.endswith(".gz") else bz2.open if name.endswith(".bz2") else open
    if name.endswith((".pbf", ".o5m")):
        return None
    try:
        with opener(path, "rb") as f:
            for _, el in ET.iterparse(f, events=("start",)):
                if el.tag != "node":
                    continue
                lat, lon = el.get("lat"), el.get("lon")
                if not (_parse_degrees(lat, 90.0) and _parse_degrees(lon, 180.0)):
                    return str(el.get("id")), lat, lon
    except (OSError, EOFError, ET.ParseError):
        return None
    return None


#: One record of libosmium's ``sparse_file_array`` node location index: the node id, then
#: its position as fixed-point integers (degrees x 10**7), as libosmium writes it.
_LOCATION_RECORD = np.dtype([("id", "<u8"), ("x", "<i4"), ("y", "<i4")])
#: libosmium's "no coordinate" (a node without ``lat``/``lon``).
_UNDEFINED = 2**31 - 1
#: Fixed-point coordinates per degree.
_COORD_PER_DEG = 10_000_000
#: Location records read from the index at once (4 MiB).
_RECORDS_PER_CHUNK = 1 << 18


class NodeLocations:
    """Node positions of an OSM file, gathered by libosmium and handed to numpy in chunks.

    Each pass (:meth:`chunks`, :meth:`select`, :meth:`lookup`) has libosmium read the nodes
    (in C++, no Python call per untagged node) into its ``sparse_file_array`` location index, a
    temporary file in ``TMPDIR`` of 16 bytes a node (id and fixed-point position). Whenever it
    holds :data:`_RECORDS_PER_CHUNK` records (checked at each tagged node, the only ones
    pyosmium hands to Python) numpy reads them and the index starts again at its beginning, so
    the index never grows much past a chunk (4 MiB) and what stays in memory is what the
    caller keeps, not the file. Nodes with negative ids (new objects of a JOSM file) are not in
    the index. After a pass, ``count`` is the number of nodes read and ``lifts`` the ids of
    ``highway=elevator`` nodes. Use as a context manager: the temporary folder is removed on
    exit.
    """

    def __init__(self, path: Path) -> None:
        import tempfile

        if "," in tempfile.gettempdir():  # libosmium reads "TYPE,FILE": no comma in FILE
            raise InputDataError(
                f"the temporary folder {tempfile.gettempdir()!r} has a comma in its path, which "
                "libosmium's location index cannot use; set TMPDIR to a folder without one"
            )
        self.path = path
        self._dir = tempfile.TemporaryDirectory(prefix="harbor-planner-osm-")
        self.file = Path(self._dir.name) / "node_locations.bin"
        self.count = 0
        self.lifts = np.zeros(0, dtype=np.int64)

    def __enter__(self) -> NodeLocations:
        return self

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()

    def _records(self, table: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = table.used_memory() // _LOCATION_RECORD.itemsize
        rec = np.fromfile(self.file, dtype=_LOCATION_RECORD, count=n)
        table.clear()  # the next records overwrite these, in the same pages
        self.count += rec.size
        return rec["id"].astype(np.int64), rec["x"], rec["y"]

    def chunks(self) -> Any:
        """One pass over the file's nodes, in chunks.

        Yields
        ------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray)
            Ids (int64) and fixed-point positions (int32, degrees x 10**7) of up to about
            :data:`_RECORDS_PER_CHUNK` nodes, in file order.

        """
        import osmium

        self.file.unlink(missing_ok=True)  # libosmium would take an old file's records
        table = osmium.index.create_map(f"sparse_file_array,{self.file}")
        fp = (
            osmium.FileProcessor(str(self.path), osmium.osm.NODE)
            .with_locations(table)
            .with_filter(osmium.filter.EmptyTagFilter())
        )
        limit = _RECORDS_PER_CHUNK * _LOCATION_RECORD.itemsize
        lifts: list[int] = []
        self.count = 0
        for obj in fp:  # the tagged nodes, already in the index
            if obj.tags.get("highway") == "elevator":
                lifts.append(obj.id)
            if table.used_memory() >= limit:
                yield self._records(table)
        yield self._records(table)
        self.lifts = np.unique(np.asarray(lifts, dtype=np.int64))

    def select(self, keep: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The records for which ``keep(ids, x, y)`` (a boolean array per chunk) is true.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray)
            Ids sorted ascending (a node given twice is kept once), their ``(n, 2)`` lon/lat
            (``nan`` where the position is invalid) and whether each position is valid.

        """
        ids, xs, ys = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)], [np.zeros(0, np.int32)]
        for cid, cx, cy in self.chunks():
            hit = keep(cid, cx, cy)
            ids.append(cid[hit]), xs.append(cx[hit]), ys.append(cy[hit])
        found = np.concatenate(ids)
        found, first = np.unique(found, return_index=True)
        x, y = np.concatenate(xs)[first], np.concatenate(ys)[first]
        ok = (np.abs(x.astype(np.int64)) <= 180 * _COORD_PER_DEG) & (
            np.abs(y.astype(np.int64)) <= 90 * _COORD_PER_DEG
        )
        lonlat = np.column_stack([x / _COORD_PER_DEG, y / _COORD_PER_DEG]).reshape(-1, 2)
        lonlat[~ok] = np.nan
        return found, lonlat, ok

    def lookup(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The records of the nodes ``wanted`` (sorted unique ids), as :meth:`select`."""
        return self.select(lambda ids, x, y: sorted_isin(ids, wanted))


def sorted_isin(values: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_ids)`` for a sorted ``sorted_ids``, by binary search.

    Parameters
    ----------
    values
        Any int64 array.
    sorted_ids
        Ascending int64 ids.

    Returns
    -------
    numpy.ndarray
        Booleans shaped like ``values``.

    """
    if sorted_ids.size == 0:
        return np.zeros(values.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_ids, values), sorted_ids.size - 1)
    return sorted_ids[pos] == values


def way_row(obj: Any) -> tuple[Any, ...]:
    """The :data:`~harbor_planner.network._ways.WAY_TAGS` values and the id of a pyosmium way."""
    tags = obj.tags
    return (*(tags.get(k) for k in WAY_TAGS), obj.id)


#: Columns of the tag table built from :func:`way_row` tuples.
ROW_COLUMNS: tuple[str, ...] = (*WAY_TAGS, "way_id")


def _scan_highways(path: Path) -> OsmScan:
    """The ways tagged ``highway`` with two nodes or more: refs, offsets and tags, no positions."""
    import osmium

    scan = OsmScan()
    refs: list[int] = []
    sizes: list[int] = []
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    for obj in fp:
        way_refs = [nd.ref for nd in obj.nodes]
        if len(way_refs) < 2:
            continue
        refs.extend(way_refs)
        sizes.append(len(way_refs))
        scan.rows.append(way_row(obj))
    scan.refs = np.asarray(refs, dtype=np.int64)  # type: ignore[assignment]
    scan.ptr = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])  # type: ignore[assignment]
    return scan


def locate_refs(
    path: Path, scan: OsmScan, locs: NodeLocations, *, known: np.ndarray | None = None
) -> tuple[set[int], int]:
    """Fill ``scan.lons``/``lats`` from ``locs`` (and a pass for negative ids); its gaps.

    ``known`` are ids already placed (their ``nan`` positions are left for the caller).
    Sets ``scan.unknown`` to the ids in no record and returns the ids present with an
    invalid position and how many positions are held in memory.
    """
    refs = np.asarray(scan.refs, dtype=np.int64)
    wanted = np.unique(refs)
    if known is not None:
        wanted = wanted[~sorted_isin(wanted, known)]
    ids, lonlat, ok = locs.lookup(wanted)
    bad = set(ids[~ok].tolist())
    missing = wanted[~sorted_isin(wanted, ids)]
    negative = missing[missing < 0]
    if negative.size:  # libosmium's index keeps no negative ids: look them up
        found, bad_late = resolve_nodes(path, set(negative.tolist()))
        bad |= bad_late
        if found:
            extra = np.fromiter(found, np.int64, len(found))
            order = np.argsort(extra)
            extra_ll = np.asarray([found[int(i)] for i in extra[order]], np.float64)
            ids, lonlat = _merge_sorted(ids, lonlat, extra[order], extra_ll.reshape(-1, 2))
        missing = missing[~sorted_isin(missing, ids)]
    scan.unknown = set(missing.tolist()) - bad
    hit = sorted_isin(refs, ids)
    ll = np.full((refs.size, 2), np.nan)
    ll[hit] = lonlat[np.searchsorted(ids, refs[hit])]
    if known is None:
        scan.lons, scan.lats = ll[:, 0], ll[:, 1]  # type: ignore[assignment]
    else:
        fill = ~sorted_isin(refs, known)
        lons, lats = np.asarray(scan.lons, np.float64), np.asarray(scan.lats, np.float64)
        lons[fill], lats[fill] = ll[fill, 0], ll[fill, 1]
        scan.lons, scan.lats = lons, lats  # type: ignore[assignment]
    return bad, int(ids.size)


def _merge_sorted(
    ids: np.ndarray, lonlat: np.ndarray, more: np.ndarray, more_ll: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    all_ids = np.concatenate([ids, more])
    order = np.argsort(all_ids, kind="stable")
    return all_ids[order], np.vstack([lonlat, more_ll])[order]


def resolve_nodes(path: Path, wanted: set[int]) -> tuple[dict[int, tuple[float, float]], set[int]]:
    """Positions of the nodes ``wanted`` by a pass over the file's nodes in Python.

    For the nodes libosmium's location index does not hold: negative ids (new objects of a
    JOSM file). Returns the positions ``(lon, lat)`` found and the ids of nodes present with
    an invalid position.

    Parameters
    ----------
    path
        The OSM file.
    wanted
        Node ids.

    Returns
    -------
    (dict, set)

    """
    import osmium

    fp = osmium.FileProcessor(str(path), osmium.osm.NODE)
    if min(wanted) >= 0:
        fp = fp.with_filter(osmium.filter.IdFilter(wanted))
    found: dict[int, tuple[float, float]] = {}
    bad: set[int] = set()
    for obj in fp:
        if obj.id not in wanted:
            continue
        loc = obj.location
        if loc.valid():
            found[obj.id] = (loc.lon, loc.lat)
        else:
            bad.add(obj.id)
    return found, bad


def _split_at_gaps(
    scan: OsmScan, found: dict[int, tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame, dict[str, int]]:
    """Cut every way at its nodes without a position; keep runs of two or more nodes.

    Returns ``way_ptr``, ``node_id``, ``(n, 2)`` lon/lat, the tags of each kept run (a way
    cut in the middle gives several rows with the same ``way_id``) and counts for the log.
    """
    refs = np.asarray(scan.refs, dtype=np.int64)
    lonlat = np.column_stack([scan.lons, scan.lats]).reshape(-1, 2).astype(np.float64)
    if found:
        fill = np.isnan(lonlat[:, 0]) & np.isin(refs, np.fromiter(found, np.int64, len(found)))
        lonlat[fill] = [found[int(r)] for r in refs[fill]]
    sizes = np.diff(np.asarray(scan.ptr, dtype=np.int64))
    way_of = np.repeat(np.arange(len(sizes)), sizes)
    ok = ~np.isnan(lonlat[:, 0])
    prev_ok = np.zeros_like(ok)
    prev_ok[1:] = ok[:-1] & (way_of[1:] == way_of[:-1])
    starts = ok & ~prev_ok
    run = np.cumsum(starts) - 1
    run_len = np.bincount(run[ok], minlength=int(starts.sum()))
    keep_run = run_len >= 2
    keep = ok.copy()
    keep[ok] = keep_run[run[ok]]
    run_way = way_of[starts][keep_run]
    runs_per_way = np.bincount(run_way, minlength=len(sizes))
    gappy = np.bincount(way_of[~ok], minlength=len(sizes)) > 0
    counts = {
        "missing_refs": int((~ok).sum()),
        "ways_split": int((runs_per_way >= 2).sum()),
        "ways_cut": int((gappy & (runs_per_way == 1)).sum()),
        "ways_dropped": int((gappy & (runs_per_way == 0)).sum()),
    }
    ptr = np.concatenate([[0], np.cumsum(run_len[keep_run])]).astype(np.int64)
    tags = pd.DataFrame(scan.rows, columns=list(ROW_COLUMNS)).iloc[run_way].reset_index(drop=True)
    return ptr, refs[keep], lonlat[keep], tags, counts


def _log_gaps(path: Path, counts: dict[str, int], n_missing: int, bad: set[int]) -> None:
    """One warning naming nodes with an invalid position, one summary line of the cuts."""
    if bad:
        listed = ", ".join(str(i) for i in sorted(bad)[:_MAX_LISTED])
        more = f" and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        log.warning(
            "%s: %d node(s) have no valid position (lat/lon missing or out of range): "
            "node %s%s; they are left out",
            path.name,
            len(bad),
            listed,
            more,
        )
    if counts["missing_refs"]:
        log.warning(
            "%s: ways cut at %d node(s) without a position (%d not in the file, as at the "
            "edge of an extract; %d with an invalid position): %d ways split into separate "
            "pieces, %d shortened, %d dropped; a way is never joined across a missing node",
            path.name,
            n_missing + len(bad),
            n_missing,
            len(bad),
            counts["ways_split"],
            counts["ways_cut"],
            counts["ways_dropped"],
        )


def read_osm_ways(path: str | Path, *, metric_crs: str | None = None) -> RawWays:
    """Read the ways tagged ``highway`` from an OSM XML, PBF or o5m file.

    Hostile and partial files are handled this way:

    * a way whose nodes are not all in the file (an extract cut by a bounding box) is
      **split** at the missing nodes: each run of two or more consecutive nodes that are
      present becomes a piece of its own (same tags and ``way_id``); the present nodes are
      never joined across a gap by a straight line. One warning gives the counts;
    * a node whose position is missing or out of range (``lat="95"``, no ``lon``) is left
      out with a warning naming it, and its ways split there like at a missing node;
    * a node whose position is not a number at all (``lat="abc"``, ``"nan"``, ``""``)
      stops libosmium: that is an :class:`~harbor_planner.errors.InputDataError` naming the
      node and the file;
    * negative ids (new objects of a JOSM file) are ids like any other (looked up in a
      pass of their own: libosmium's index keeps none); nodes that come after their way (an
      unsorted file) are found like the others, the positions being read before the ways;
    * a truncated or corrupt file is an :class:`~harbor_planner.errors.InputDataError`.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf`` or ``.o5m`` file.
    metric_crs
        CRS for lengths; default the local UTM zone.

    Raises
    ------
    InputDataError
        The file is missing, unreadable, corrupt or not OSM data, or a node position is not
        a number.
    NetworkError
        No way tagged ``highway`` has two nodes with a position.

    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    try:
        with NodeLocations(path) as locs:
            scan = _scan_highways(path)
            bad, held = locate_refs(path, scan, locs)
            scan.lifts = locs.lifts.tolist()
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        raise osm_read_error(path, exc) from None
    stats = {"nodes_in_file": locs.count, "node_positions_held": held}
    return scan_to_ways(path, scan, {}, bad, metric_crs=metric_crs, stats=stats)


def scan_to_ways(
    path: Path,
    scan: OsmScan,
    found: dict[int, tuple[float, float]],
    bad: set[int],
    *,
    metric_crs: str | None = None,
    stats: dict[str, int] | None = None,
) -> RawWays:
    """Ways of a scanned OSM file: cut at nodes without a position, in a metric CRS.

    Parameters
    ----------
    path
        The file (for messages).
    scan
        The highway ways and what is known of their nodes.
    found
        Positions ``(lon, lat)`` of nodes the scan left without one (``nan``).
    bad
        Ids of nodes present with an invalid position (warned about).
    metric_crs
        CRS for lengths; default the local UTM zone.
    stats
        Counts of the read (``nodes_in_file``, ``node_positions_held``...) kept as the ways'
        ``read_stats``.

    Returns
    -------
    RawWays

    Raises
    ------
    NetworkError
        No way, or no way with two nodes with a position.

    """
    if not scan.rows:
        raise NetworkError(f"{path}: no ways tagged highway=*; is this a street extract?")
    ptr, refs, lonlat, tags, counts = _split_at_gaps(scan, found)
    _log_gaps(path, counts, len(scan.unknown - set(found) - bad), bad)
    if len(ptr) < 2:
        raise NetworkError(
            f"{path}: no way tagged highway=* has two nodes with a position in the file; "
            "is this a complete street extract?"
        )
    crs = metric_crs_for(lonlat[:, 0], lonlat[:, 1], metric_crs, what=str(path))
    xy = to_metric(lonlat[:, 0], lonlat[:, 1], from_crs="EPSG:4326", to_crs=crs)
    log.debug("%s: %d highway way pieces, %d node positions", path.name, len(tags), len(refs))
    return RawWays(
        way_ptr=ptr,
        node_id=refs,
        xy=xy,
        tags=tags,
        elevator_nodes=np.unique(np.asarray(scan.lifts, dtype=np.int64)),
        crs=crs,
        read_stats=dict(stats or {}),
    )


def _first_or_joined(value: Any, key: str) -> Any:
    """OSMnx merges tags of simplified edges into lists: keep the value that matters most."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    if isinstance(value, list | tuple | set):
        values = [str(v) for v in value]
        if key == "highway" and "steps" in values:
            return "steps"
        return values[0] if values else None
    return value


def graph_to_ways(graph: Any, *, metric_crs: str | None = None, what: str = "graph") -> RawWays:
    """Convert an OSMnx/networkx MultiDiGraph (nodes with ``x``, ``y``) into ways.

    Each street appears once even when the graph holds it in both directions (OSMnx walk
    graphs do); ``oneway`` on streets is ignored for walking, as everywhere in harbor-planner.
    """
    graph_crs = graph.graph.get("crs", "EPSG:4326")
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    if node_ids.size == 0:
        raise NetworkError(f"{what}: the graph has no nodes")
    try:
        x = np.array([graph.nodes[n]["x"] for n in node_ids], dtype=np.float64)
        y = np.array([graph.nodes[n]["y"] for n in node_ids], dtype=np.float64)
    except KeyError:
        raise InputDataError(f"{what}: graph nodes lack 'x'/'y' coordinates") from None
    lifts = np.asarray(
        [n for n in node_ids if graph.nodes[n].get("highway") == "elevator"], dtype=np.int64
    )
    to_wgs = to_metric(x, y, from_crs=graph_crs, to_crs="EPSG:4326")
    crs = metric_crs_for(to_wgs[:, 0], to_wgs[:, 1], metric_crs, what=what)
    node_xy = to_metric(x, y, from_crs=graph_crs, to_crs=crs)
    order = np.argsort(node_ids)
    sorted_ids = node_ids[order]

    seen: set[tuple[int, int, str, float]] = set()
    ptr = [0]
    refs: list[int] = []
    coords: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    next_id = int(node_ids.max()) + 1

    def is_reversed(edge: tuple[Any, Any, dict[str, Any]]) -> bool:
        flag = edge[2].get("reversed", False)
        flag = flag[0] if isinstance(flag, list) and flag else flag
        return str(flag).lower() == "true"

    # the copy OSMnx drew against the way's direction comes last, so the one kept follows
    # the way and direction tags (oneway:foot, conveying, incline) keep their meaning
    for u, v, data in sorted(graph.edges(data=True), key=is_reversed):
        osmid = str(_first_or_joined(data.get("osmid", ""), "osmid"))
        length = round(float(data.get("length", 0.0) or 0.0), 1)
        key = (min(u, v), max(u, v), osmid, length)
        if key in seen:
            continue
        seen.add(key)
        geom = data.get("geometry")
        if geom is not None:
            gx, gy = np.asarray(geom.coords).T[:2]
            inner = to_metric(gx[1:-1], gy[1:-1], from_crs=graph_crs, to_crs=crs)
        else:
            inner = np.zeros((0, 2))
        iu = order[np.searchsorted(sorted_ids, u)]
        iv = order[np.searchsorted(sorted_ids, v)]
        ids = [u, *range(next_id, next_id + len(inner)), v]
        next_id += len(inner)
        refs.extend(ids)
        coords.append(np.vstack([node_xy[iu], inner, node_xy[iv]]))
        ptr.append(len(refs))
        row = {k: _first_or_joined(data.get(k), k) for k in WAY_TAGS}
        try:
            row["way_id"] = int(osmid)
        except ValueError:
            row["way_id"] = -1
        rows.append(row)
    if not rows:
        raise NetworkError(f"{what}: the graph has no edges")
    return RawWays(
        way_ptr=np.asarray(ptr, dtype=np.int64),
        node_id=np.asarray(refs, dtype=np.int64),
        xy=np.vstack(coords),
        tags=pd.DataFrame(rows),
        elevator_nodes=lifts,
        crs=crs,
    )


def read_graphml_ways(path: str | Path, *, metric_crs: str | None = None) -> RawWays:
    """Read a GraphML file saved by OSMnx (``osmnx.save_graphml``)."""
    import osmnx as ox

    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # networkx/lxml raise many kinds
        raise InputDataError(
            f"cannot read as an OSMnx GraphML file ({type(exc).__name__}: {one_line(exc)})",
            path=path,
        ) from None
    return graph_to_ways(graph, metric_crs=metric_crs, what=str(path))


def read_place_ways(
    place: str, *, metric_crs: str | None = None, cache_dir: str | Path | None = None
) -> RawWays:  # pragma: no cover - needs the internet
    """Download the walk network of ``place`` from OpenStreetMap through OSMnx.

    OSMnx caches the server responses in ``cache_dir`` (default
    ``~/.cache/harbor-planner/osmnx``), so a second build of the same place is offline.
    """
    import osmnx as ox

    cache = Path(cache_dir or Path.home() / ".cache" / "harbor-planner" / "osmnx")
    wanted = {
        "use_cache": True,
        "cache_folder": str(cache),
        "useful_tags_way": sorted(set(ox.settings.useful_tags_way) | set(WAY_TAGS)),
        "useful_tags_node": sorted(set(ox.settings.useful_tags_node) | {"highway"}),
    }
    saved = {k: getattr(ox.settings, k) for k in wanted}
    try:
        for k, value in wanted.items():
            setattr(ox.settings, k, value)
        graph = ox.graph_from_place(place, network_type="walk", simplify=False, retain_all=True)
    except Exception as exc:  # network errors, geocoding failures
        raise NetworkError(
            f"could not download the walk network of {place!r} from OpenStreetMap "
            f"({type(exc).__name__}: {one_line(exc)}); check the place name and the internet "
            "connection, or build from a local .osm/.osm.pbf file"
        ) from None
    finally:
        for k, value in saved.items():
            setattr(ox.settings, k, value)
    return graph_to_ways(graph, metric_crs=metric_crs, what=f"place:{place}")
