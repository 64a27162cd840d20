"""Candidate sites for new stations: along streets, at places that host stations, or from a file.

The optimiser chooses new stations among *candidate sites*. :func:`candidates_from_spec` builds
them from a spec:

``auto``
    street sites every ``spacing_m`` along the walkable ground-level streets of the network
    (:func:`street_candidates`), plus points of interest of the kinds that host stations in
    Chongqing (public toilets, petrol stations, banks, community centres and offices, squares,
    metro entrances, bus stops; :data:`POI_KINDS`) read from the OpenStreetMap file the network
    was built from (:func:`osm_poi_candidates`) and from any extra ``poi_files`` (OSM files or
    point layers, :func:`poi_layer_candidates`). Candidates farther than ``max_dist_m`` from
    every walkable edge are dropped, and candidates closer than ``min_separation_m`` to each
    other are merged (:func:`merge_candidates`), a point of interest winning over a street site.
``FILE``
    planners' own candidate list in any station format (CSV/XLSX in UTF-8 or GBK, GeoJSON,
    GeoPackage, Shapefile), read and checked with :func:`harbor_planner.read_stations` (so
    ``crs`` is required as for stations: ``"gcj02"`` for AMap coordinates...). Every row with an
    error raises; rows farther than ``max_dist_m`` from the network are dropped with a warning
    naming them. They are never merged: a planner's list is deliberate.

Output schema (every builder): a GeoDataFrame in EPSG:4326, one Point per candidate site,
index ``0..n-1``, in a deterministic order (points of interest in source and file order, then
street sites along the network's edges), with the columns

============== ========= ==================================================================
column         dtype     meaning
============== ========= ==================================================================
site_id        str       unique and stable across runs on the same inputs:
                         ``street-<edge>-<k>`` (k-th site on network edge ``edge``),
                         ``osm-n<id>``/``osm-w<id>`` (OSM node/way, also for point layers
                         exported from OSM with ``element_type``/``osmid`` or ``@id``
                         columns, so the same object read twice is one candidate),
                         ``<file stem>-<row>`` for other layer points, and the file's
                         ``station_id`` (编号) for candidate files (``row-<row>`` or
                         ``<sheet>-row-<row>`` where it is empty)
kind           str       ``street``, ``toilets``, ``fuel``, ``bank``, ``community_centre``,
                         ``community_office``, ``square``, ``metro_entrance``,
                         ``bus_stop`` (:data:`POI_KINDS`); for point layers also the raw
                         tag value (``mall``, ``hotel``...), ``metro_station`` or ``poi``;
                         ``file`` for candidate files
source         str       ``network`` for street sites, else the name of the file read
name           str       street name, POI or station name; ``""`` when unknown
cost           float     from a candidate file's cost column (``cost``, ``造价``, ``费用``,
                         ``成本``, ``投资``, optionally with a unit such as ``造价(万元)``);
                         NaN otherwise and for empty cells
edge           Int64     street sites: index of the network edge the site lies on; NA
                         otherwise (points of interest are snapped by the optimiser)
edge_frac      float     street sites: position on that edge, 0 at its ``u`` end, 1 at ``v``
                         (the geometry is exactly that point of the edge); NaN otherwise
merged_ids     str       :func:`candidates_from_spec` ``auto`` only: site ids of the
                         candidates merged into this one, ``";"``-separated, ``""`` if none
geometry       Point     WGS-84
============== ========= ==================================================================

plus, by source: ``highway`` (street sites), ``tag`` (the OSM tag that made a POI a candidate,
e.g. ``amenity=toilets``), ``row`` and the file's own columns (point layers and candidate files;
a file column named like one above is kept with the suffix ``_src``). Distances are measured in
the network's metric CRS.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from harbor_planner._text import rows_text
from harbor_planner.coords import CoordSystem, parse_crs
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.network.walk import KIND_WALK
from harbor_planner.readers import (
    coord_columns,
    layer_to_wgs84,
    norm_header,
    read_table,
    read_vector,
    table_coords,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = [
    "CANDIDATE_COLUMNS",
    "POI_KINDS",
    "STREET_CLASSES",
    "PoiSource",
    "candidates_from_spec",
    "merge_candidates",
    "osm_poi_candidates",
    "parse_poi_source",
    "poi_layer_candidates",
    "street_candidates",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Columns every candidate table has (with ``geometry``), in this order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "kind",
    "source",
    "name",
    "cost",
    "edge",
    "edge_frac",
)

#: OSM ``highway`` values of the ways street sites are laid along: streets with frontage where a
#: station (a kiosk, a room on the ground floor) can open onto the pavement, and ``road``
#: (untagged ways, e.g. planners' centreline layers without a ``highway`` column). Left out:
#: ``trunk`` and all ``*_link`` ways (城市快速路 and ramps: no frontage, often elevated, and
#: motorways are not in the walk network at all); ``service`` (driveways, parking aisles and
#: alleys inside compounds); ``footway``, ``path``, ``track``, ``steps``, ``corridor``
#: (sidewalks mapped beside a street would duplicate its sites; hillside paths and stairs have
#: no frontage). Every way must also be of kind ``walk`` (no stairs, escalators, lifts, moving
#: walkways) and on the ground (no bridge, tunnel, indoor or ``layer`` ≠ 0).
STREET_CLASSES: tuple[str, ...] = (
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "pedestrian",
    "road",
)

_Rule = tuple[tuple[str, str], ...]

#: Kinds of points of interest that host stations, each with its OSM tag rules: a POI matches a
#: rule when it has all the rule's ``key=value`` tags, and gets the first kind that matches (in
#: this order). From the real siting of Yuzhong's 劳动者港湾 (street frontage, squares and green
#: space, community offices, public toilets, petrol stations, banks) and transport hubs where
#: outdoor workers pass. ``amenity=social_facility`` is not a kind: it is mostly care homes and
#: shelters, not public-facing. Metro *stations* (platform centres, often underground) are not a
#: kind either: their street-level entrances are.
POI_KINDS: Mapping[str, tuple[_Rule, ...]] = {
    "toilets": ((("amenity", "toilets"),),),
    "fuel": ((("amenity", "fuel"),),),
    "bank": ((("amenity", "bank"),),),
    "community_centre": ((("amenity", "community_centre"),),),
    "community_office": ((("amenity", "townhall"),), (("office", "government"),)),
    "square": ((("place", "square"),), (("highway", "pedestrian"), ("area", "yes"))),
    "metro_entrance": (
        (("railway", "subway_entrance"),),
        (("railway", "train_station_entrance"),),
    ),
    "bus_stop": (
        (("highway", "bus_stop"),),
        (("public_transport", "platform"), ("bus", "yes")),
    ),
}

# Point layers only: more kinds named from their tags (a layer is a deliberate choice, so every
# point is kept; these just give it a clearer kind than the raw tag value).
_LAYER_RULES: Mapping[str, tuple[_Rule, ...]] = {
    "metro_station": (
        (("railway", "station"), ("station", "subway")),
        (("railway", "station"), ("station", "monorail")),
        (("railway", "station"), ("station", "light_rail")),
        (("railway", "stop"), ("station", "subway")),
        (("railway", "stop"), ("station", "monorail")),
    ),
}

# Tag columns of point layers whose first non-empty value names the kind when no rule matches.
_TAG_KEYS: tuple[str, ...] = (
    "amenity",
    "railway",
    "highway",
    "public_transport",
    "place",
    "shop",
    "office",
    "tourism",
    "leisure",
)

_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".osm.xml")
_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
_RESERVED = (*CANDIDATE_COLUMNS, "merged_ids", "highway", "tag", "row", "geometry")
_COST_HEADER = re.compile(r"^(cost|造价|费用|建设费用|建设成本|成本|投资|预算)(\(.*\))?$")
# Slack on run lengths (a share of the spacing), so coordinates rounded to 1e-7 degrees (about
# 1 cm) do not add a site: a 300.003 m run at a 100 m spacing gets 3 sites, not 4.
_LENGTH_TOLERANCE = 1e-3
_OSM_REF = re.compile(r"^\s*(node|way|relation)/(\d+)\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- POI sources


@dataclass(frozen=True)
class PoiSource:
    """An extra file of points of interest for ``auto`` candidates.

    Attributes
    ----------
    path
        An OSM file (``.osm``, ``.osm.pbf``...) or a point layer (GeoJSON, GeoPackage,
        Shapefile, CSV/XLSX with lon/lat columns).
    crs
        The true coordinate system of a layer: required for CSV/XLSX (``"gcj02"`` for AMap
        bus stops...), overrides the lon/lat datum of a GIS layer; must be empty for OSM.
    kind
        The kind of every point (e.g. ``"bus_stop"`` for a bus-stop list without tags);
        default: derived from the tags (see :func:`poi_layer_candidates`).

    """

    path: Path
    crs: str | None = None
    kind: str | None = None


def parse_poi_source(text: str | Path | PoiSource) -> PoiSource:
    """Read ``FILE``, ``FILE:CRS``, ``FILE:CRS:KIND`` or ``FILE::KIND`` as a :class:`PoiSource`.

    The file is the longest prefix before a ``:`` that is an existing file (so paths with
    ``:`` work); the rest is a CRS (``gcj02``, ``EPSG:4326``...) when it reads as one, else
    its last ``:``-separated part is the kind and what precedes it the CRS. Examples:
    ``bus_stops_gcj02.csv:gcj02:bus_stop``, ``pois.geojson``, ``shops.gpkg::shop``.

    Parameters
    ----------
    text
        The spec; a :class:`PoiSource` or a :class:`~pathlib.Path` is returned as a source
        as is.

    Returns
    -------
    PoiSource

    Raises
    ------
    InputDataError
        No existing file at the start of the text.
    CRSError
        The CRS part is not a coordinate system.

    """
    if isinstance(text, PoiSource):
        return text
    if isinstance(text, Path):
        return PoiSource(text)
    s = str(text).strip()
    if Path(s).is_file():
        return PoiSource(Path(s))
    cut = [m.start() for m in re.finditer(":", s)]
    path = next((s[:i] for i in reversed(cut) if Path(s[:i]).is_file()), None)
    if path is None:
        raise InputDataError(
            f"POI file {s!r} not found; give FILE, FILE:CRS or FILE:CRS:KIND, e.g. "
            "bus_stops.csv:gcj02:bus_stop"
        )
    rest = s[len(path) + 1 :].strip()
    crs: str | None = rest or None
    kind: str | None = None
    if rest:
        try:
            parse_crs(rest)
        except CRSError:
            head, _, tail = rest.rpartition(":")
            crs, kind = head.strip() or None, tail.strip() or None
            if crs is not None:
                parse_crs(crs)
    return PoiSource(Path(path), crs, kind)


# --------------------------------------------------------------------------- helpers


def _check_distance(value: float, name: str, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        what = "a distance >= 0" if allow_zero else "a positive distance"
        raise InputDataError(f"{name} must be {what} in metres, got {value!r}")
    return v


def _is_osm(path: Path) -> bool:
    return path.name.lower().endswith(_OSM_SUFFIXES)


def _text(values: Any) -> npt.NDArray[np.object_]:
    """Strings of a column, ``""`` for missing values."""
    s = pd.Series(values, dtype=object)
    out = s.where(s.notna(), "").astype(str).str.strip()
    return out.to_numpy(dtype=object)


def _frame(
    columns: Mapping[str, Any], geometry: Any, n: int, extra: Mapping[str, Any] | None = None
) -> gpd.GeoDataFrame:
    """A candidate table with :data:`CANDIDATE_COLUMNS` in their dtypes, then ``extra``."""
    data: dict[str, Any] = {
        "site_id": pd.array(_text(columns["site_id"]), dtype="str"),
        "kind": pd.array(_text(columns["kind"]), dtype="str"),
        "source": pd.array(_text(columns["source"]), dtype="str"),
        "name": pd.array(_text(columns.get("name", [""] * n)), dtype="str"),
        "cost": np.asarray(columns.get("cost", np.full(n, np.nan)), dtype=np.float64),
        "edge": pd.array(columns.get("edge", [pd.NA] * n), dtype="Int64"),
        "edge_frac": np.asarray(columns.get("edge_frac", np.full(n, np.nan)), dtype=np.float64),
    }
    for key, value in (extra or {}).items():
        data[key] = value
    return gpd.GeoDataFrame(data, geometry=np.asarray(geometry, dtype=object), crs="EPSG:4326")


def _empty() -> gpd.GeoDataFrame:
    return _frame({"site_id": [], "kind": [], "source": []}, [], 0)


def _own_columns(table: pd.DataFrame) -> dict[str, Any]:
    """A file's columns, those named like a reserved column renamed ``<name>_src``."""
    out: dict[str, Any] = {}
    for col in table.columns:
        name = str(col)
        if name == "geometry":
            continue
        key = f"{name}_src" if name in _RESERVED and name != "row" else name
        out[key] = table[col].to_numpy()
    return out


def _to_wgs84(xy: FloatArray, crs: str) -> npt.NDArray[np.object_]:
    if len(xy) == 0:
        return np.zeros(0, dtype=object)
    t = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(xy[:, 0], xy[:, 1])
    return shapely.points(np.asarray(lon), np.asarray(lat))


def _as_rules(
    kinds: Sequence[str] | Mapping[str, tuple[_Rule, ...]],
) -> dict[str, tuple[_Rule, ...]]:
    if isinstance(kinds, Mapping):
        rules = {str(k): tuple(v) for k, v in kinds.items()}
    else:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        unknown = [k for k in names if k not in POI_KINDS]
        if unknown:
            raise InputDataError(
                f"unknown POI kinds {', '.join(map(repr, unknown))}; known kinds: "
                + ", ".join(POI_KINDS)
            )
        rules = {k: POI_KINDS[k] for k in names}
    if not rules or any(not r or any(not rule for rule in r) for r in rules.values()):
        raise InputDataError(
            "kinds must name at least one POI kind, each with at least one non-empty tag rule; "
            "known kinds: " + ", ".join(POI_KINDS)
        )
    return rules


def _match(tags: Mapping[str, str], rules: Mapping[str, tuple[_Rule, ...]]) -> tuple[str, str]:
    """The kind and the matching tag text of the first rule all of whose tags ``tags`` has."""
    for kind, alternatives in rules.items():
        for rule in alternatives:
            if all(tags.get(k) == v for k, v in rule):
                return kind, ";".join(f"{k}={v}" for k, v in rule)
    return "", ""


# --------------------------------------------------------------------------- street sites


def street_candidates(
    network: WalkNetwork,
    *,
    spacing_m: float = 200.0,
    classes: Sequence[str] = STREET_CLASSES,
) -> gpd.GeoDataFrame:
    """Candidate sites every ``spacing_m`` or less along the walkable ground-level streets.

    Sites are laid along *runs*: maximal chains of consecutive eligible edges of one way (an
    OSM way is split into edges at every junction, so laying sites per edge would leave the
    many short edges of a dense centre without any). An edge is eligible when its ``highway``
    is in ``classes``, its kind is ``walk`` (not steps, escalator, lift or moving walkway) and
    it is not ``off_ground`` (bridge, tunnel, indoor, layered). A run of length ``L`` is cut
    into ``n = ceil(L / spacing_m)`` equal pieces with one site at the middle of each, when
    ``L >= spacing_m / 2``; shorter runs (junction stubs, slip pieces) get none (both tests
    with a slack of 0.1 % of the spacing, so rounded coordinates do not add a site). So along
    a run consecutive sites are ``L / n <= spacing_m`` apart, and the first and last lie half
    that from the run's ends. Each site lies exactly on its edge at ``edge_frac``; a site
    falling on a node between two edges is placed at the start (``edge_frac = 0``) of the
    later edge.

    Parameters
    ----------
    network
        The walk network (``edges``: ``u``, ``v``, ``way_id``, ``highway``, ``name``,
        ``kind``, ``off_ground``, ``length_m``; ``edge_geometry`` in metres).
    spacing_m
        Largest distance between consecutive sites along a run, metres.
    classes
        ``highway`` values of the streets (default :data:`STREET_CLASSES`).

    Returns
    -------
    geopandas.GeoDataFrame
        The candidate schema (module docstring) with kind ``street``, source ``network``,
        ``site_id`` ``street-<edge>-<k>`` (k = 0, 1... along the edge from ``u``), the
        street's ``name`` and an extra ``highway`` column; empty when no edge qualifies.

    Raises
    ------
    InputDataError
        ``spacing_m`` is not a positive number.

    """
    spacing = _check_distance(spacing_m, "spacing_m")
    wanted = {str(c).strip().lower() for c in ([classes] if isinstance(classes, str) else classes)}
    edges = network.edges
    highway = edges["highway"].astype("str").str.strip().str.lower().to_numpy(dtype=object)
    ok = (
        np.isin(highway, list(wanted))
        & (edges["kind"].to_numpy() == KIND_WALK)
        & ~edges["off_ground"].to_numpy(dtype=bool)
    )
    sel = np.flatnonzero(ok)
    length = edges["length_m"].to_numpy(np.float64)[sel]
    if sel.size == 0:
        log.info("street candidates: no edge of the network is a ground-level street")
        return _frame({"site_id": [], "kind": [], "source": []}, [], 0, {"highway": []})
    way = edges["way_id"].to_numpy()[sel]
    u = edges["u"].to_numpy()[sel]
    v = edges["v"].to_numpy()[sel]
    new_run = np.ones(sel.size, dtype=bool)
    new_run[1:] = (way[1:] != way[:-1]) | (u[1:] != v[:-1])
    run = np.cumsum(new_run) - 1
    start = np.concatenate([[0.0], np.cumsum(length)[:-1]])  # of each edge, along all runs
    run_start = start[new_run]
    run_len = np.bincount(run, weights=length)
    n = np.where(
        run_len >= spacing / 2 * (1 - _LENGTH_TOLERANCE),
        np.maximum(1, np.ceil(run_len / spacing - _LENGTH_TOLERANCE)),
        0,
    ).astype(np.int64)
    site_run = np.repeat(np.arange(run_len.size), n)
    first = np.repeat(np.cumsum(n) - n, n)
    piece = np.arange(site_run.size) - first
    pos = run_start[site_run] + (piece + 0.5) * run_len[site_run] / n[site_run]
    at = np.searchsorted(start, pos, side="right") - 1
    frac = np.clip(
        np.divide(pos - start[at], length[at], out=np.zeros(pos.size), where=length[at] > 0),
        0.0,
        1.0,
    )
    edge = sel[at]
    new_edge = np.ones(edge.size, dtype=bool)
    new_edge[1:] = edge[1:] != edge[:-1]
    k = np.arange(edge.size) - np.maximum.accumulate(np.where(new_edge, np.arange(edge.size), 0))
    pts = shapely.line_interpolate_point(network.edge_geometry[edge], frac, normalized=True)
    geometry = _to_wgs84(shapely.get_coordinates(pts), network.crs)
    ids = "street-" + pd.Series(edge).astype(str) + "-" + pd.Series(k).astype(str)
    out = _frame(
        {
            "site_id": ids.to_numpy(dtype=object),
            "kind": np.full(edge.size, "street", dtype=object),
            "source": np.full(edge.size, "network", dtype=object),
            "name": edges["name"].to_numpy(dtype=object)[edge],
            "edge": edge,
            "edge_frac": frac,
        },
        geometry,
        edge.size,
        {"highway": pd.array(highway[edge].astype(str), dtype="str")},
    )
    log.info(
        "street candidates: %d sites every ≤ %g m along %.1f km of ground-level streets "
        "(%d runs of %d edges; %d runs shorter than %g m without a site)",
        len(out),
        spacing,
        float(length.sum()) / 1000,
        run_len.size,
        sel.size,
        int((n == 0).sum()),
        spacing / 2,
    )
    return out


# --------------------------------------------------------------------------- OSM POIs


def osm_poi_candidates(
    path: str | Path,
    *,
    kinds: Sequence[str] | Mapping[str, tuple[_Rule, ...]] = tuple(POI_KINDS),
) -> gpd.GeoDataFrame:
    """Points of interest of the kinds that host stations, from an OpenStreetMap file.

    Nodes are taken where they are; ways at a representative point: closed ways (areas such
    as a square or a petrol station forecourt) at :func:`shapely.point_on_surface` of their
    polygon, which always lies inside it, open ways at their middle (half their length,
    measured in the local UTM zone). Multipolygon relations are not read. Nodes of a way that
    are missing from the file (cut at the extract's edge) are skipped; a way left with no node
    is skipped and counted in the log.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file, sorted by type then id (as
        Overpass and Geofabrik give it).
    kinds
        Names of :data:`POI_KINDS` to read (default all), or a mapping of kind names to tag
        rules in the form of :data:`POI_KINDS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidate schema (module docstring): ``site_id`` ``osm-n<id>``/``osm-w<id>``,
        ``kind``, ``source`` = the file name, ``name`` (the ``name`` tag), and extra columns
        ``tag`` (the matching tags), ``osm_type`` (``node``/``way``) and ``osm_id``. Nodes
        first, then ways, each by id.

    Raises
    ------
    InputDataError
        Missing or unreadable file, or unknown kinds.

    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    rules = _as_rules(kinds)
    keys = sorted({rule[0][0] for alternatives in rules.values() for rule in alternatives})
    records: list[tuple[str, int, str, str, str]] = []
    node_xy: list[tuple[float, float]] = []
    way_coords: list[list[tuple[float, float]]] = []
    way_closed: list[bool] = []
    no_nodes = 0
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter(*keys))
        )
        for obj in fp:
            tags = {t.k: t.v.strip().lower() for t in obj.tags}
            kind, tag = _match(tags, rules)
            if not kind:
                continue
            name = obj.tags.get("name", "")
            if obj.is_node():
                if not obj.location.valid():
                    continue
                records.append(("node", int(obj.id), kind, tag, name))
                node_xy.append((obj.location.lon, obj.location.lat))
            elif obj.is_way():
                refs = [nd for nd in obj.nodes if nd.location.valid()]
                if not refs:
                    no_nodes += 1
                    continue
                records.append(("way", int(obj.id), kind, tag, name))
                way_coords.append([(nd.location.lon, nd.location.lat) for nd in refs])
                closed = len(obj.nodes) >= 4 and obj.nodes[0].ref == obj.nodes[-1].ref
                way_closed.append(closed and len(refs) >= 4)
    except RuntimeError as exc:  # libosmium parse errors
        hint = "; sort it with 'osmium sort FILE -o SORTED.osm'" if "order" in str(exc) else ""
        raise InputDataError(f"cannot read as OpenStreetMap data: {exc}{hint}", path=path) from None
    if no_nodes:
        log.warning("%s: %d POI ways have none of their nodes in the file; skipped", path, no_nodes)
    n_nodes = len(node_xy)
    lonlat = np.asarray(node_xy, dtype=np.float64).reshape(-1, 2)
    if way_coords:
        from harbor_planner.coords import utm_crs_for

        flat = np.asarray([c for w in way_coords for c in w], dtype=np.float64)
        metric = utm_crs_for(flat[:, 0], flat[:, 1])
        fwd = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)
        x, y = fwd.transform(flat[:, 0], flat[:, 1])
        xy = np.column_stack([x, y])
        sizes = np.asarray([len(w) for w in way_coords])
        ends = np.cumsum(sizes)
        reps = []
        for i, (a, b) in enumerate(zip(ends - sizes, ends, strict=True)):
            part = xy[a:b]
            if way_closed[i]:
                poly = shapely.make_valid(shapely.Polygon(part))
                reps.append(shapely.point_on_surface(poly))
            elif len(part) == 1:
                reps.append(shapely.Point(part[0]))
            else:
                reps.append(shapely.line_interpolate_point(shapely.LineString(part), 0.5, True))
        rep_xy = shapely.get_coordinates(np.asarray(reps, dtype=object))
        inv = pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
        wx, wy = inv.transform(rep_xy[:, 0], rep_xy[:, 1])
        lonlat = np.vstack([lonlat, np.column_stack([wx, wy])])
    table = pd.DataFrame(records, columns=["osm_type", "osm_id", "kind", "tag", "name"])
    table["_lon"], table["_lat"] = lonlat[:, 0], lonlat[:, 1]
    table = table.sort_values(["osm_type", "osm_id"], kind="stable").reset_index(drop=True)
    prefix = np.where(table["osm_type"] == "node", "osm-n", "osm-w").astype(object)
    out = _frame(
        {
            "site_id": prefix + table["osm_id"].astype(str).to_numpy(dtype=object),
            "kind": table["kind"].to_numpy(dtype=object),
            "source": np.full(len(table), path.name, dtype=object),
            "name": table["name"].to_numpy(dtype=object),
        },
        shapely.points(table["_lon"].to_numpy(), table["_lat"].to_numpy()),
        len(table),
        {
            "tag": pd.array(table["tag"].astype(str).to_numpy(), dtype="str"),
            "osm_type": pd.array(table["osm_type"].astype(str).to_numpy(), dtype="str"),
            "osm_id": pd.array(table["osm_id"].to_numpy(np.int64), dtype="Int64"),
        },
    )
    counts = out["kind"].value_counts()
    log.info(
        "OSM POI candidates: %d from %s (%d nodes, %d ways): %s",
        len(out),
        path.name,
        n_nodes,
        len(out) - n_nodes,
        ", ".join(f"{k} {counts.get(k, 0)}" for k in rules if counts.get(k, 0)) or "none",
    )
    return out


# --------------------------------------------------------------------------- POI layers


def _layer_points(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """A point layer or table: its columns (with ``row``) and WGS-84 lon/lat."""
    if path.suffix.lower() in _TABLE_SUFFIXES:
        if crs is None:
            raise CRSError(
                "a CSV/XLSX file does not record its coordinate system: state it with crs= "
                "(FILE:CRS in a POI spec): 'gcj02' for AMap/高德 or Tencent, 'bd09' for Baidu, "
                "'wgs84' for GPS/OpenStreetMap, or 'EPSG:NNNN'",
                path=path,
            )
        from harbor_planner.coords import to_wgs84

        cs = parse_crs(crs)
        frame, header = read_table(path, layer)
        if frame.empty:
            return frame, np.zeros(0), np.zeros(0)
        lon_col, lat_col = coord_columns(header, path)
        x, y = table_coords(frame, lon_col, lat_col, path)
        lon, lat = to_wgs84(x, y, cs)
        return frame.reset_index(drop=True), np.asarray(lon), np.asarray(lat)
    gdf = read_vector(path, layer)
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    table.insert(0, "row", np.arange(1, len(table) + 1))
    if gdf.empty:
        return table, np.zeros(0), np.zeros(0)
    geoms = gdf.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    point = types == shapely.GeometryType.POINT
    area = np.isin(types, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    single = (types == shapely.GeometryType.MULTIPOINT) & (shapely.get_num_geometries(geoms) == 1)
    bad = ~(point | area | single) | shapely.is_empty(geoms)
    if bad.any():
        kinds = sorted(set(gdf.geometry[bad].geom_type.fillna("missing")))
        raise InputDataError(
            f"features {rows_text(table['row'].to_numpy()[bad])} are neither points nor "
            f"polygons ({', '.join(kinds)}); give a point layer (or polygons, which are "
            "placed at a point inside them)",
            path=path,
        )
    wgs = layer_to_wgs84(gdf, path, crs).to_numpy()
    anchor = np.where(
        area, shapely.point_on_surface(wgs), np.where(single, shapely.get_geometry(wgs, 0), wgs)
    )
    return table, shapely.get_x(anchor), shapely.get_y(anchor)


def _layer_kinds(table: pd.DataFrame) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Kind and tag text of each row from OSM-style tag columns; ``poi`` without tags."""
    lower = {str(c).strip().lower(): c for c in table.columns}
    keys = {
        k
        for alternatives in (*POI_KINDS.values(), *_LAYER_RULES.values())
        for r in alternatives
        for k, _ in r
    } | set(_TAG_KEYS)
    cols = {k: _text(table[lower[k]]) for k in keys if k in lower}
    n = len(table)
    kinds = np.full(n, "poi", dtype=object)
    tags_out = np.full(n, "", dtype=object)
    if not cols:
        return kinds, tags_out
    rules = {**POI_KINDS, **_LAYER_RULES}
    for i in range(n):
        tags = {k: str(v[i]).lower() for k, v in cols.items() if v[i]}
        kind, tag = _match(tags, rules)
        if not kind:
            key = next((k for k in _TAG_KEYS if k in tags), None)
            if key is not None:
                kind, tag = tags[key], f"{key}={tags[key]}"
        if kind:
            kinds[i], tags_out[i] = kind, tag
    return kinds, tags_out


def _layer_ids(table: pd.DataFrame, stem: str) -> npt.NDArray[np.object_]:
    """``osm-n<id>``... for OSM exports (``element_type`` + ``osmid``, ``@id``), else stem-row."""
    lower = {str(c).strip().lower(): c for c in table.columns}
    ids = (stem + "-" + table["row"].astype(str)).to_numpy(dtype=object)
    if "sheet" in table:
        ids = (stem + "-" + table["sheet"].astype(str) + "-" + table["row"].astype(str)).to_numpy(
            dtype=object
        )
    otype: npt.NDArray[np.object_] | None = None
    oid: npt.NDArray[np.object_] | None = None
    if "element_type" in lower and ("osmid" in lower or "osm_id" in lower):
        otype = _text(table[lower["element_type"]])
        oid = _text(table[lower.get("osmid", lower.get("osm_id"))])
    else:
        for name in ("@id", "id", "osm_ref"):
            if name in lower:
                refs = pd.Series(_text(table[lower[name]])).str.extract(_OSM_REF)
                if refs[0].notna().any():
                    otype = refs[0].fillna("").str.lower().to_numpy(dtype=object)
                    oid = refs[1].fillna("").to_numpy(dtype=object)
                    break
    if otype is not None and oid is not None:
        letter = pd.Series(otype).str.lower().map({"node": "n", "way": "w", "relation": "r"})
        digits = pd.Series(oid).str.fullmatch(r"\d+(\.0)?")
        good = (letter.notna() & digits).to_numpy()
        osm = "osm-" + letter.fillna("") + pd.Series(oid).str.replace(r"\.0$", "", regex=True)
        ids = np.where(good, osm.to_numpy(dtype=object), ids)
    return ids


def _cost_column(table: pd.DataFrame) -> str | None:
    found = [str(c) for c in table.columns if _COST_HEADER.match(norm_header(c))]
    if len(found) > 1:
        raise InputDataError(
            f"several cost columns ({', '.join(map(repr, found))}); keep one, or rename the others"
        )
    return found[0] if found else None


def _costs(table: pd.DataFrame, column: str | None, path: Path) -> FloatArray:
    """Costs of a cost column: numbers >= 0 (``1,200`` allowed), NaN for empty cells."""
    if column is None:
        return np.full(len(table), np.nan)
    raw = table[column]
    text = pd.Series(_text(raw)).str.replace(",", "", regex=False).str.replace("，", "")
    value = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(np.float64)
    rows = table["row"].to_numpy() if "row" in table else np.arange(1, len(table) + 1)
    if "sheet" in table:
        rows = (table["sheet"].astype(str) + " row " + pd.Series(rows).astype(str)).to_numpy()
    bad = (text != "").to_numpy() & ~np.isfinite(value)
    if bad.any():
        shown = ", ".join(repr(str(v)) for v in text[bad].head(3))
        raise InputDataError(
            f"column {column!r}, rows {rows_text(list(rows[bad]))}: costs must be numbers "
            f"(found {shown}); write plain numbers in one unit (e.g. 12.5 for 12.5 万元) or "
            "leave the cell empty",
            path=path,
        )
    neg = value < 0
    if neg.any():
        raise InputDataError(
            f"column {column!r}, rows {rows_text(list(rows[neg]))}: costs must be >= 0",
            path=path,
        )
    empty = int((text == "").sum())
    if empty:
        log.warning("%s: %d empty cells in cost column %r (cost NaN)", path, empty, column)
    return value


def poi_layer_candidates(
    path: str | Path,
    *,
    crs: str | CoordSystem | None = None,
    kind: str | None = None,
    layer: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Candidate sites from a point layer: OSM POI exports, metro entrances, bus-stop lists.

    Every point of the layer is a candidate (the layer is a deliberate choice). Its kind is
    ``kind`` when given; otherwise read from OSM-style tag columns (``amenity``,
    ``railway``, ``highway``, ``public_transport``, ``place``, ``shop``, ``office``,
    ``tourism``, ``leisure``): the first matching kind of :data:`POI_KINDS` (then
    ``metro_station`` for ``railway=station`` with ``station=subway/monorail``), else the first
    non-empty tag value in that column order (``mall``, ``hotel``, ``viewpoint``...), else
    ``poi``. Polygons are placed at :func:`shapely.point_on_surface`.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or Shapefile with a CRS, or CSV/XLSX with longitude/latitude
        columns (as in :func:`harbor_planner.read_stations`: ``lon``/``lat``, ``经度``/``纬度``...).
    crs
        The true coordinate system: required for CSV/XLSX (``"gcj02"`` for AMap/高德 data such
        as ``bus_stops_gcj02.csv``); for GIS layers it overrides the lon/lat datum the file
        claims (default: the file's CRS).
    kind
        The kind of every point (e.g. ``"bus_stop"``).
    layer
        GeoPackage layer or workbook sheet.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidate schema (module docstring) with ``site_id`` ``osm-n<id>``/``osm-w<id>``
        when the layer carries OSM ids (``element_type`` + ``osmid``, or ``@id`` like
        ``node/123``), else ``<file stem>-<row>``; ``source`` = the file name; ``name`` from a
        ``name``/``名称`` column; ``cost`` from a cost column; extra ``tag``, ``row`` and the
        layer's own columns.

    Raises
    ------
    InputDataError
        Missing or unreadable file, no coordinate columns, bad coordinates or costs (rows
        named), geometries other than points and polygons.
    CRSError
        A CSV/XLSX without ``crs``, or a GIS layer without CRS.

    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    if _is_osm(path):
        raise InputDataError(
            "this is an OpenStreetMap file, not a point layer; read it with osm_poi_candidates",
            path=path,
        )
    table, lon, lat = _layer_points(path, crs, layer)
    n = len(table)
    if kind is not None:
        kind = str(kind).strip().lower()
        if not kind:
            raise InputDataError("kind must be a non-empty word such as 'bus_stop'")
        kinds, tags = np.full(n, kind, dtype=object), np.full(n, "", dtype=object)
    else:
        kinds, tags = _layer_kinds(table)
    lower = {str(c).strip().lower(): c for c in table.columns}
    name_col = next((lower[c] for c in ("name", "名称", "站名", "name:zh") if c in lower), None)
    cost = _costs(table, _cost_column(table), path)
    extra: dict[str, Any] = {"tag": pd.array(tags.astype(str), dtype="str")}
    extra.update(_own_columns(table))
    out = _frame(
        {
            "site_id": _layer_ids(table, path.stem),
            "kind": kinds,
            "source": np.full(n, path.name, dtype=object),
            "name": _text(table[name_col]) if name_col is not None else np.full(n, "", object),
            "cost": cost,
        },
        shapely.points(lon, lat) if n else np.zeros(0, dtype=object),
        n,
        extra,
    )
    dup = out["site_id"].duplicated()
    if dup.any():
        log.warning(
            "%s: %d rows repeat an OSM object already read (ids %s); the first is kept",
            path,
            int(dup.sum()),
            rows_text(list(out.loc[dup, "site_id"])),
        )
        out = out.loc[~dup].reset_index(drop=True)
    counts = out["kind"].value_counts()
    log.info(
        "layer POI candidates: %d from %s: %s",
        len(out),
        path.name,
        ", ".join(f"{k} {v}" for k, v in counts.items()) or "none",
    )
    return out


# --------------------------------------------------------------------------- merging


def merge_candidates(
    candidates: gpd.GeoDataFrame, *, min_separation_m: float, metric_crs: str
) -> gpd.GeoDataFrame:
    """Merge candidates closer than ``min_separation_m``, the earlier row winning.

    Rows are taken in order: a row is dropped when a row kept before it lies within
    ``min_separation_m`` (straight line, in ``metric_crs``); it is recorded in the
    ``merged_ids`` of the nearest such row (the first on ties). Order the input by priority
    (points of interest before street sites) for the intended result; the result depends only
    on the order and the coordinates, so it is the same on every run.

    Parameters
    ----------
    candidates
        Candidate sites with a CRS and a unique ``site_id``.
    min_separation_m
        Distance below which two candidates are one site, metres (0: nothing merged).
    metric_crs
        Metric CRS the distances are measured in.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows in their order, index ``0..n-1``, with ``merged_ids`` (``";"``-joined
        site ids, in row order; ``""`` when none) added to any already there.

    """
    d = _check_distance(min_separation_m, "min_separation_m", allow_zero=True)
    n = len(candidates)
    out = candidates.reset_index(drop=True)
    prior = _text(out["merged_ids"]) if "merged_ids" in out else np.full(n, "", dtype=object)
    if n == 0 or d == 0:
        return out.assign(merged_ids=pd.array(prior.astype(str), dtype="str"))
    pts = out.geometry.to_crs(metric_crs).to_numpy()
    xy = shapely.get_coordinates(pts)
    i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=d)
    below = i < j
    i, j = i[below], j[below]
    # strictly closer than d
    close = np.hypot(*(xy[i] - xy[j]).T) < d
    i, j = i[close], j[close]
    keep = np.ones(n, dtype=bool)
    into = np.full(n, -1, dtype=np.int64)
    if i.size:
        order = np.lexsort((i, j))
        i, j = i[order], j[order]
        starts = np.flatnonzero(np.r_[True, j[1:] != j[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], j.size], strict=True):
            nb = i[s:e]
            nb = nb[keep[nb]]
            if nb.size:
                target = j[s]
                keep[target] = False
                into[target] = nb[np.argmin(np.hypot(*(xy[nb] - xy[target]).T))]
    merged = prior.copy()
    ids = out["site_id"].to_numpy(dtype=object)
    absorbed = np.flatnonzero(into >= 0)
    if absorbed.size:
        joined = pd.Series(ids[absorbed]).groupby(into[absorbed], sort=True).agg(";".join)
        for k, text in joined.items():
            merged[k] = f"{merged[k]};{text}" if merged[k] else text
    out = out.assign(merged_ids=pd.array(merged.astype(str), dtype="str"))
    return out.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- spec


def _near_network(
    candidates: gpd.GeoDataFrame, network: WalkNetwork, max_dist_m: float
) -> npt.NDArray[np.bool_]:
    if len(candidates) == 0:
        return np.zeros(0, dtype=bool)
    pts = candidates.geometry.to_crs(network.crs).to_numpy()
    hit, _ = shapely.STRtree(network.edge_geometry).query(
        pts, predicate="dwithin", distance=max_dist_m
    )
    near = np.zeros(len(candidates), dtype=bool)
    near[hit] = True
    return near


def _network_osm(network: WalkNetwork) -> Path | None:
    """The OSM file the network was built from, when it still exists."""
    src = network.source.get("path")
    if not src or not _is_osm(Path(src)):
        log.info(
            "the walk network was not built from an OSM file (%s): no OSM points of interest "
            "are read from it; pass poi_files for them",
            src or network.source.get("kind", "unknown source"),
        )
        return None
    path = Path(src)
    if not path.is_file():
        log.warning(
            "%s (the OSM file the walk network was built from) is not found: its points of "
            "interest are left out; pass it in poi_files",
            path,
        )
        return None
    digest = network.source.get("sha256")
    if digest:
        from harbor_planner._io import file_sha256

        if file_sha256(path) != digest:
            log.warning(
                "%s has changed since the walk network was built from it; its points of "
                "interest are read as they are now",
                path,
            )
    return path


def _file_candidates(
    path: Path, *, crs: Any, sheet: str | None, network: WalkNetwork, max_dist_m: float
) -> gpd.GeoDataFrame:
    from harbor_planner.stations import read_stations

    if _is_osm(path):
        raise InputDataError(
            "an OpenStreetMap file is not a candidate list; use spec 'auto' with this file in "
            "poi_files (--poi) to take its points of interest",
            path=path,
        )
    check = read_stations(path, crs=crs, sheet=sheet)
    check.raise_for_errors()
    st = check.stations.reset_index(drop=True)
    n = len(st)
    if n == 0:
        raise InputDataError("the candidate file has no rows; add sites or use 'auto'", path=path)
    cost = _costs(st, _cost_column(st.drop(columns="geometry")), path)
    fallback = "row-" + st["row"].astype(str)
    if st["sheet"].notna().any():
        fallback = st["sheet"].fillna("").astype(str) + "-" + fallback
    given = _text(st["station_id"])
    ids = np.where(given != "", given, fallback.to_numpy(dtype=object))
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError(
            f"site ids {rows_text(sorted(set(ids[dup])))} are not unique (an empty 编号 gets "
            "row-<row>); give every row its own id",
            path=path,
        )
    out = _frame(
        {
            "site_id": ids,
            "kind": np.full(n, "file", dtype=object),
            "source": np.full(n, path.name, dtype=object),
            "name": st["name"].to_numpy(dtype=object),
            "cost": cost,
        },
        st.geometry.to_numpy(),
        n,
        _own_columns(st.drop(columns="name")),
    )
    near = _near_network(out, network, max_dist_m)
    if not near.all():
        far = list(out.loc[~near, "site_id"])
        log.warning(
            "%s: %d candidates lie farther than %g m from any walkable street and are left "
            "out: %s (check their coordinates and crs=, or the network extent)",
            path,
            len(far),
            max_dist_m,
            rows_text(far),
        )
        out = out.loc[near].reset_index(drop=True)
    out = out.assign(merged_ids=pd.array(np.full(len(out), ""), dtype="str"))
    return out


def candidates_from_spec(
    spec: str,
    *,
    network: WalkNetwork,
    crs: str | CoordSystem | None = None,
    sheet: str | None = None,
    spacing_m: float = 200.0,
    poi_files: Sequence[str | Path | PoiSource] = (),
    min_separation_m: float = 20.0,
    max_dist_m: float = 150.0,
    street_classes: Sequence[str] = STREET_CLASSES,
) -> gpd.GeoDataFrame:
    """Candidate sites from ``"auto"`` or a candidate FILE (see the module docstring).

    ``auto``: points of interest (from the network's own OSM file, then ``poi_files`` in
    order; an OSM object read twice is kept once) and street sites (:func:`street_candidates`)
    are pooled in that priority order; those farther than ``max_dist_m`` from every walkable
    edge are dropped (a file covering more than the network, bus stops geocoded to another
    city), then those closer than ``min_separation_m`` to a kept one are merged into it
    (:func:`merge_candidates`), so a POI beats a street site and an earlier POI a later one.

    Parameters
    ----------
    spec
        ``"auto"`` or the path of a candidate file in any station format.
    network
        The walk network: streets, the source OSM file, the extent and the metric CRS.
    crs
        FILE only: the true coordinate system of the file, as for
        :func:`harbor_planner.read_stations` (required for CSV/XLSX and lon/lat GIS files:
        ``"gcj02"``, ``"bd09"``, ``"wgs84"``, ``"EPSG:NNNN"``). POI files state theirs in
        ``poi_files`` (``FILE:CRS``).
    sheet
        FILE only: workbook sheet(s) or GeoPackage layer (default every sheet with
        coordinates).
    spacing_m
        ``auto``: largest distance between street sites along a street, metres.
    poi_files
        ``auto``: more points of interest: OSM files or point layers, as paths, ``FILE``,
        ``FILE:CRS``, ``FILE:CRS:KIND`` strings (:func:`parse_poi_source`) or
        :class:`PoiSource`.
    min_separation_m
        ``auto``: candidates closer than this are merged (0: none).
    max_dist_m
        Candidates farther than this from every walkable edge are dropped (logged; for a
        FILE with a warning naming them).
    street_classes
        ``auto``: ``highway`` values of the streets (default :data:`STREET_CLASSES`).

    Returns
    -------
    geopandas.GeoDataFrame
        The candidate schema of the module docstring, with ``merged_ids``.

    Raises
    ------
    InputDataError
        Unknown spec, missing file, an option that does not apply to the spec, a candidate
        file with errors (the problem table is in the message), or no candidate left.
    CRSError
        A candidate or POI file whose coordinate system is not stated.

    """
    text = str(spec).strip()
    max_dist = _check_distance(max_dist_m, "max_dist_m")
    if text.lower() != "auto":
        path = Path(text)
        if not path.is_file():
            what = "candidate file not found" if path.suffix else "unknown candidates spec"
            raise InputDataError(
                f"{what} {text!r}; give 'auto' (street sites and points of interest) or a "
                "candidate file (.csv, .xlsx, .geojson, .gpkg, .shp)"
            )
        if poi_files:
            raise InputDataError(
                f"poi_files apply to 'auto' candidates only, not to the file {text!r}; drop "
                "them or use spec 'auto'"
            )
        out = _file_candidates(path, crs=crs, sheet=sheet, network=network, max_dist_m=max_dist)
        if out.empty:
            raise InputDataError(
                f"no candidate of the file lies within {max_dist:g} m of the walk network; "
                "check crs= and that the network covers the same area",
                path=path,
            )
        log.info("candidates: %d sites from %s", len(out), path.name)
        return out

    misplaced = [n for n, v in (("crs", crs), ("sheet", sheet)) if v is not None]
    if misplaced:
        raise InputDataError(
            f"{' and '.join(misplaced)} apply to a candidate FILE, not to 'auto'; state a POI "
            "file's CRS in poi_files as FILE:CRS (e.g. bus_stops.csv:gcj02:bus_stop)"
        )
    spacing = _check_distance(spacing_m, "spacing_m")
    sources = [parse_poi_source(p) for p in poi_files]
    frames: list[gpd.GeoDataFrame] = []
    own = _network_osm(network)
    if own is not None:
        frames.append(osm_poi_candidates(own))
    for src in sources:
        if _is_osm(src.path):
            if src.crs is not None and parse_crs(src.crs).kind != "wgs84":
                raise CRSError(
                    f"OpenStreetMap data is WGS-84; crs={src.crs!r} does not apply", path=src.path
                )
            if src.kind is not None:
                raise InputDataError(
                    f"kind={src.kind!r} does not apply to OpenStreetMap files (kinds come from "
                    "their tags)",
                    path=src.path,
                )
            frames.append(osm_poi_candidates(src.path))
        else:
            frames.append(poi_layer_candidates(src.path, crs=src.crs, kind=src.kind))
    pois = pd.concat(frames, ignore_index=True) if frames else _empty()  # keeps the GeoDataFrame
    pois = gpd.GeoDataFrame(pois, geometry="geometry", crs="EPSG:4326")
    dup = pois["site_id"].duplicated().to_numpy()
    if dup.any():
        repeated = pois.loc[dup, "site_id"]
        not_osm = sorted(set(repeated[~repeated.str.startswith("osm-")]))
        if not_osm:
            raise InputDataError(
                f"site ids {rows_text(not_osm)} come from two POI files with the same name; "
                "rename one of the files"
            )
        log.info("%d points of interest read twice (same OSM object) kept once", int(dup.sum()))
        pois = pois.loc[~dup].reset_index(drop=True)
    near = _near_network(pois, network, max_dist)
    n_far = int((~near).sum())
    pois = pois.loc[near].reset_index(drop=True)
    streets = street_candidates(network, spacing_m=spacing, classes=street_classes)
    pooled = pd.concat([pois, streets], ignore_index=True)
    pooled = gpd.GeoDataFrame(pooled, geometry="geometry", crs="EPSG:4326")
    pooled["edge"] = pooled["edge"].astype("Int64")
    out = merge_candidates(pooled, min_separation_m=min_separation_m, metric_crs=network.crs)
    if out.empty:
        raise InputDataError(
            f"no candidate site: the network has no ground-level street of "
            f"{spacing / 2:g} m or more ({', '.join(street_classes)}) and no point of interest "
            f"lies within {max_dist:g} m of it; use a smaller spacing_m (--spacing), more "
            "street classes, POI files, or a candidate file"
        )
    counts = out["kind"].value_counts()
    log.info(
        "candidates: %d sites (%s); %d points of interest farther than %g m from the network "
        "dropped, %d candidates closer than %g m merged",
        len(out),
        ", ".join(f"{k} {v}" for k, v in counts.items()),
        n_far,
        max_dist,
        len(pooled) - len(out),
        min_separation_m,
    )
    return out
