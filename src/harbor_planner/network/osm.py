"""Read OpenStreetMap sources into :class:`~harbor_planner.network._ways.RawWays`.

* OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``), PBF (``.osm.pbf``) and o5m through pyosmium, one
  streaming pass with node locations cached in C++;
* a GraphML saved by OSMnx (``osmnx.save_graphml``);
* ``place:NAME``, downloaded through OSMnx (needs the internet; OSMnx caches the responses).
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.network._crs import metric_crs_for, to_metric
from harbor_planner.network._ways import WAY_TAGS, RawWays

__all__ = [
    "OSM_SUFFIXES",
    "is_osm_path",
    "read_graphml_ways",
    "read_osm_ways",
    "read_place_ways",
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


def read_osm_ways(path: str | Path, *, metric_crs: str | None = None) -> RawWays:
    """Read the ways tagged ``highway`` from an OSM XML, PBF or o5m file.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf`` or ``.o5m`` file.
    metric_crs
        CRS for lengths; default the local UTM zone.

    Raises
    ------
    InputDataError
        The file is missing, unreadable or not OSM data.

    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    ptr = [0]
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    rows: list[dict[str, Any]] = []
    lifts: list[int] = []
    missing = 0
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in fp:
            if obj.is_node():
                if obj.tags.get("highway") == "elevator":
                    lifts.append(obj.id)
                continue
            if not obj.is_way():
                continue
            n_before = len(refs)
            for nd in obj.nodes:
                loc = nd.location
                if not loc.valid():
                    missing += 1
                    continue
                refs.append(nd.ref)
                lons.append(loc.lon)
                lats.append(loc.lat)
            if len(refs) - n_before < 2:
                del refs[n_before:], lons[n_before:], lats[n_before:]
                continue
            ptr.append(len(refs))
            tags = obj.tags
            row = {k: tags.get(k) for k in WAY_TAGS}
            row["way_id"] = obj.id
            rows.append(row)
    except RuntimeError as exc:
        raise InputDataError(
            f"cannot read as OpenStreetMap data ({exc}); is it a complete .osm/.osm.pbf file?",
            path=path,
        ) from None
    if missing:
        log.warning(
            "%s: %d way node references have no location in the file (ways cut at the "
            "extract's edge); those nodes are skipped",
            path.name,
            missing,
        )
    if not rows:
        raise NetworkError(f"{path}: no ways tagged highway=*; is this a street extract?")
    crs = metric_crs_for(lons, lats, metric_crs, what=str(path))
    xy = to_metric(lons, lats, from_crs="EPSG:4326", to_crs=crs)
    log.debug("%s: %d highway ways, %d node positions", path.name, len(rows), len(refs))
    return RawWays(
        way_ptr=np.asarray(ptr, dtype=np.int64),
        node_id=np.asarray(refs, dtype=np.int64),
        xy=xy,
        tags=pd.DataFrame(rows),
        elevator_nodes=np.asarray(sorted(set(lifts)), dtype=np.int64),
        crs=crs,
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
            f"cannot read as an OSMnx GraphML file ({type(exc).__name__}: {exc})", path=path
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
            f"({type(exc).__name__}: {exc}); check the place name and the internet "
            "connection, or build from a local .osm/.osm.pbf file"
        ) from None
    finally:
        for k, value in saved.items():
            setattr(ox.settings, k, value)
    return graph_to_ways(graph, metric_crs=metric_crs, what=f"place:{place}")
