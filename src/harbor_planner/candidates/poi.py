"""Points of interest as candidate sites: from OpenStreetMap files and from point layers.

Also the cost column of a layer or candidate file (:func:`cost_column`, :func:`parse_costs`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from harbor_planner._io import input_file
from harbor_planner._text import rows_text
from harbor_planner.candidates.schema import candidate_frame, cell_text, own_columns
from harbor_planner.coords import CoordSystem
from harbor_planner.demand._common import TABLE_SUFFIXES, FloatArray, read_lonlat_table
from harbor_planner.errors import InputDataError
from harbor_planner.network.osm import is_osm_path, osm_read_error
from harbor_planner.readers import COLUMN_ALIASES, layer_to_wgs84, norm_header, read_vector

__all__ = [
    "POI_KINDS",
    "cost_column",
    "osm_poi_candidates",
    "parse_costs",
    "poi_layer_candidates",
]

log = logging.getLogger(__name__)

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


_COST_HEADER = re.compile(r"^(cost|造价|费用|建设费用|建设成本|成本|投资|预算)(\(.*\))?$")


_OSM_REF = re.compile(r"^\s*(node|way|relation)/(\d+)\s*$", re.IGNORECASE)

#: Headers of the candidate layers' names and ids, as compared (:func:`norm_header`).
_ALIASES = {role: [norm_header(a) for a in COLUMN_ALIASES[role]] for role in ("name", "station_id")}


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


@dataclass
class _OsmPois:
    """The points of interest of an OSM file: records, node and way coordinates (lon/lat)."""

    records: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    node_xy: list[tuple[float, float]] = field(default_factory=list)
    way_coords: list[list[tuple[float, float]]] = field(default_factory=list)
    way_closed: list[bool] = field(default_factory=list)
    no_nodes: int = 0


def _read_osm_pois(path: Path, rules: Mapping[str, tuple[_Rule, ...]]) -> _OsmPois:
    """Nodes and ways of ``path`` matching ``rules``, in file order."""
    import osmium

    keys = sorted({rule[0][0] for alternatives in rules.values() for rule in alternatives})
    found = _OsmPois()
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
                found.records.append(("node", int(obj.id), kind, tag, name))
                found.node_xy.append((obj.location.lon, obj.location.lat))
            elif obj.is_way():
                refs = [nd for nd in obj.nodes if nd.location.valid()]
                if not refs:
                    found.no_nodes += 1
                    continue
                found.records.append(("way", int(obj.id), kind, tag, name))
                found.way_coords.append([(nd.location.lon, nd.location.lat) for nd in refs])
                closed = len(obj.nodes) >= 4 and obj.nodes[0].ref == obj.nodes[-1].ref
                found.way_closed.append(closed and len(refs) >= 4)
    except osmium.InvalidLocationError as exc:  # a node position that is not a number
        raise osm_read_error(path, exc) from None
    except RuntimeError as exc:  # libosmium parse errors
        hint = "; sort it with 'osmium sort FILE -o SORTED.osm'" if "order" in str(exc) else ""
        raise InputDataError(f"cannot read as OpenStreetMap data: {exc}{hint}", path=path) from None
    return found


def _way_points(
    way_coords: Sequence[Sequence[tuple[float, float]]], way_closed: Sequence[bool]
) -> FloatArray:
    """Lon/lat of a point of each way: inside a closed way, halfway along an open one."""
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
    return np.column_stack([wx, wy])


def _osm_frame(table: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    """The candidate table of OSM points of interest (``table``: one row each, sorted)."""
    prefix = np.where(table["osm_type"] == "node", "osm-n", "osm-w").astype(object)
    return candidate_frame(
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
        The candidate schema (package docstring): ``site_id`` ``osm-n<id>``/``osm-w<id>``,
        ``kind``, ``source`` = the file name, ``name`` (the ``name`` tag), and extra columns
        ``tag`` (the matching tags), ``osm_type`` (``node``/``way``) and ``osm_id``. Nodes
        first, then ways, each by id.

    Raises
    ------
    InputDataError
        Missing or unreadable file, or unknown kinds.

    """
    path = input_file(path, "POI")
    rules = _as_rules(kinds)
    found = _read_osm_pois(path, rules)
    if found.no_nodes:
        log.warning(
            "%s: %d POI ways have none of their nodes in the file; skipped", path, found.no_nodes
        )
    n_nodes = len(found.node_xy)
    lonlat = np.asarray(found.node_xy, dtype=np.float64).reshape(-1, 2)
    if found.way_coords:
        lonlat = np.vstack([lonlat, _way_points(found.way_coords, found.way_closed)])
    table = pd.DataFrame(found.records, columns=["osm_type", "osm_id", "kind", "tag", "name"])
    table["_lon"], table["_lat"] = lonlat[:, 0], lonlat[:, 1]
    table = table.sort_values(["osm_type", "osm_id"], kind="stable").reset_index(drop=True)
    out = _osm_frame(table, path)
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


def _layer_points(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """A point layer or table: its columns (with ``row``) and WGS-84 lon/lat."""
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_lonlat_table(path, crs, layer, crs_hint="FILE:CRS in a POI spec")
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
    cols = {k: cell_text(table[lower[k]]) for k in keys if k in lower}
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
        otype = cell_text(table[lower["element_type"]])
        oid = cell_text(table[lower.get("osmid", lower.get("osm_id"))])
    else:
        for name in ("@id", "id", "osm_ref"):
            if name in lower:
                refs = pd.Series(cell_text(table[lower[name]])).str.extract(_OSM_REF)
                if refs[0].notna().any():
                    otype = refs[0].fillna("").str.lower().to_numpy(dtype=object)
                    oid = refs[1].fillna("").to_numpy(dtype=object)
                    break
    if otype is None:  # the layer's own ids (stop_id, 编号...) when each row has its own
        own = _alias_column(table, "station_id")
        text = pd.Series(cell_text(table[own]), dtype=object).str.strip() if own else None
        if text is not None and (text != "").all() and text.is_unique:
            return (stem + "-" + text).to_numpy(dtype=object)
    if otype is not None and oid is not None:
        letter = pd.Series(otype).str.lower().map({"node": "n", "way": "w", "relation": "r"})
        digits = pd.Series(oid).str.fullmatch(r"\d+(\.0)?")
        good = (letter.notna() & digits).to_numpy()
        osm = "osm-" + letter.fillna("") + pd.Series(oid).str.replace(r"\.0$", "", regex=True)
        ids = np.where(good, osm.to_numpy(dtype=object), ids)
    return ids


def _alias_column(table: pd.DataFrame, role: str) -> Any:
    """The first column of ``table`` whose header is one of ``role``'s (in the aliases' order)."""
    by_header = {norm_header(c): c for c in reversed(list(table.columns))}
    return next((by_header[a] for a in _ALIASES[role] if a in by_header), None)


def cost_column(table: pd.DataFrame) -> str | None:
    """The cost column of a table (``cost``, ``造价``, ``费用``... optionally with a unit).

    Parameters
    ----------
    table
        The file's rows.

    Returns
    -------
    str or None
        The column, or ``None`` when there is none.

    Raises
    ------
    InputDataError
        Several columns read as costs.

    """
    found = [str(c) for c in table.columns if _COST_HEADER.match(norm_header(c))]
    if len(found) > 1:
        raise InputDataError(
            f"several cost columns ({', '.join(map(repr, found))}); keep one, or rename the others"
        )
    return found[0] if found else None


#: A number whose commas group its thousands (``1,200``, ``12,000.5``).
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"


def parse_costs(table: pd.DataFrame, column: str | None, path: Path) -> FloatArray:
    """Costs of a cost column: numbers >= 0, NaN for empty cells.

    Full-width digits are read (NFKC), and commas that group thousands (``1,200``); any other
    comma (``12,5``: a decimal comma, or a typo) is not a number here, since a cost read 10
    times too high changes the plan without a word.

    Parameters
    ----------
    table
        The file's rows (``row`` and ``sheet`` name the rows in messages when present).
    column
        The cost column (:func:`cost_column`); ``None`` gives NaN everywhere.
    path
        The file, for messages.

    Returns
    -------
    numpy.ndarray
        One cost per row.

    Raises
    ------
    InputDataError
        Cells that are not numbers, or negative costs (rows named).

    """
    if column is None:
        return np.full(len(table), np.nan)
    raw = table[column]
    text = pd.Series(cell_text(raw)).map(lambda t: unicodedata.normalize("NFKC", t).strip())
    grouped = text.str.fullmatch(_THOUSANDS)  # 1,200 and 1,200.5; 12,5 is no number here
    text = text.where(~grouped, text.str.replace(",", "", regex=False))
    value = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(np.float64)
    rows = table["row"].to_numpy() if "row" in table else np.arange(1, len(table) + 1)
    if "sheet" in table:  # a workbook's rows: "Sheet1 row 3" (a CSV's have no sheet)
        sheet = table["sheet"].to_numpy()
        rows = np.array([f"{sh} row {r}" if isinstance(sh, str) else r
                         for sh, r in zip(sheet, rows, strict=True)], dtype=object)  # fmt: skip
    bad = (text != "").to_numpy() & ~np.isfinite(value)
    if bad.any():
        shown = ", ".join(repr(str(v)) for v in text[bad].head(3))
        raise InputDataError(
            f"column {column!r}, rows {rows_text(list(rows[bad]))}: costs must be numbers "
            f"(found {shown}); write plain numbers in one unit (e.g. 12.5 for 12.5 万元, a "
            "decimal point, not a comma) or leave the cell empty",
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
        The candidate schema (package docstring) with ``site_id`` ``osm-n<id>``/``osm-w<id>``
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
    path = input_file(path, "POI")
    if is_osm_path(path):
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
    name_col = _alias_column(table, "name")
    cost = parse_costs(table, cost_column(table), path)
    extra: dict[str, Any] = {"tag": pd.array(tags.astype(str), dtype="str")}
    extra.update(own_columns(table))
    out = candidate_frame(
        {
            "site_id": _layer_ids(table, path.stem),
            "kind": kinds,
            "source": np.full(n, path.name, dtype=object),
            "name": cell_text(table[name_col]) if name_col is not None else np.full(n, "", object),
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
