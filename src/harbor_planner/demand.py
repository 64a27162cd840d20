"""Demand: the places the 15-minute service circle must reach, as weighted points.

Coverage is measured on *demand*: points with weights, each covered or not by a station. The
plan's own wording is "a 15-minute service circle in city centres and along main streets", so
the default demand is the main streets themselves; the other kinds answer other questions.

=========================== ========================================= ======================
spec                        demand points                             weight (unit)
=========================== ========================================= ======================
``main-streets``            every ≤ 50 m along the main streets of    metres of street
                            the walk network                          (``m of main street``)
                            (:func:`main_street_demand`)
``buildings:FILE``          one per building footprint, OSM or a      floor area
                            polygon layer (:func:`building_demand`)   (``m² floor area``), or
                                                                      people when a
                                                                      population is given
``points:FILE[:COLUMN]``    the points of a file: metro entrances,    1 (``points``), or the
                            bus stops, workplaces                     column ``COLUMN``
                            (:func:`point_demand`)
``grid:METRES``             centres of square cells near the network  1 per cell (``cells``)
                            (:func:`grid_demand`)
=========================== ========================================= ======================

Every builder returns a :class:`Demand`: a GeoDataFrame of points in WGS-84 with a unique
``demand_id`` and a ``weight >= 0``, the unit of the weights, optionally the shapes the points
stand for (footprints, cells) and a JSON-compatible ``info`` record of how it was built (counts,
defaults used) for reports. Lengths and areas are computed in a metric CRS (the network's, or
the local UTM zone). An empty demand is an error, never a silent 0 %.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._arrays import unique_ints
from harbor_planner._text import rows_text
from harbor_planner.coords import CoordSystem, parse_crs, to_wgs84
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers import (
    coord_columns,
    layer_to_wgs84,
    read_table,
    read_vector,
    table_coords,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = [
    "DEMAND_KINDS",
    "MAIN_STREET_CLASSES",
    "MAX_GRID_CELLS",
    "SPEC_FORMS",
    "STOREY_HEIGHT_M",
    "Demand",
    "DemandSpec",
    "building_demand",
    "clip_demand",
    "demand_from_spec",
    "demand_within",
    "grid_demand",
    "main_street_demand",
    "parse_demand_spec",
    "point_demand",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Kinds of demand, in the order of :data:`SPEC_FORMS`.
DEMAND_KINDS: tuple[str, ...] = ("main-streets", "buildings", "points", "grid")

#: The spec forms :func:`parse_demand_spec` accepts (for messages and ``--help``).
SPEC_FORMS: tuple[str, ...] = (
    "main-streets",
    "buildings:FILE",
    "points:FILE[:WEIGHT_COLUMN]",
    "grid:METRES",
)

#: OSM ``highway`` values counted as main streets (主要街道): the classified road hierarchy from
#: trunk to tertiary with their link roads, and pedestrian streets (步行街, e.g. 解放碑). Not
#: included: motorways (not walkable), ``residential``, ``unclassified``, ``service``,
#: ``living_street`` (estate and back streets) and footpaths. Edit with ``classes=``.
MAIN_STREET_CLASSES: tuple[str, ...] = (
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "pedestrian",
)

#: Storey height (m) that turns an OSM ``height`` into a number of levels when
#: ``building:levels`` is missing. Measured on Yuzhong's ``buildings.osm``: the 17 buildings
#: tagged with both have a median height / levels of 4.7 m (3.4-5.4 m): the tags are mapped on
#: landmark towers with lobbies, mechanical floors and crowns. 3 m, a residential storey,
#: would overstate their floors by half.
STOREY_HEIGHT_M = 4.5

#: Grids with more cells than this (before keeping those near the network) are refused.
MAX_GRID_CELLS = 2_000_000

_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".o5m")
_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
_RESERVED = ("demand_id", "weight", "geometry")

# Polygon-layer columns read as OSM building tags (case-insensitive; Chinese building
# datasets often carry 层数/楼层 or Floor).
_LEVEL_COLUMNS = ("building:levels", "building_levels", "levels", "floors", "floor", "层数", "楼层")
_MIN_LEVEL_COLUMNS = ("building:min_level", "building_min_level", "min_level")
_HEIGHT_COLUMNS = ("height", "building:height", "building_height", "高度")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:m|米)?\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True)
class DemandSpec:
    """A parsed ``--demand`` specification.

    Attributes
    ----------
    kind
        One of :data:`DEMAND_KINDS`.
    text
        The spec as given.
    path
        The file of ``buildings:`` and ``points:``, else ``None``.
    column
        The weight column of ``points:FILE:COLUMN``, else ``None``.
    cell_m
        The cell size of ``grid:METRES``, else ``None``.

    """

    kind: str
    text: str
    path: Path | None = None
    column: str | None = None
    cell_m: float | None = None


@dataclass(frozen=True, eq=False)
class Demand:
    """Weighted demand points that coverage is measured on.

    Attributes
    ----------
    kind
        ``"main-streets"``, ``"buildings"``, ``"points"`` or ``"grid"``.
    spec
        The spec string it came from (e.g. ``"buildings:yuzhong/buildings.osm"``).
    points
        One row per demand point, EPSG:4326 Point geometry, index ``0..n-1``. Columns:
        ``demand_id`` (str, unique), ``weight`` (float >= 0) and, by kind,

        * main-streets: ``edge`` (index of the network edge), ``edge_frac`` (0 at its ``u``
          end, 1 at ``v``: the coverage engine can place the point on the network without
          snapping), ``highway``, ``name``;
        * buildings: ``osm_type``/``osm_id`` (OSM) or the layer's own columns, ``building``,
          ``name``, ``levels``, ``levels_source`` (``tag``, ``height``, ``default``,
          ``roof``), ``height_m``, ``footprint_m2``, ``floor_area_m2``;
        * points: ``row`` (file row as a spreadsheet shows it; feature number in GIS files)
          and the file's columns (a column named like a reserved one gets ``_src``);
        * grid: ``cell_id`` (``"ix_iy"``: the cell's lower-left corner divided by the cell
          size in the metric CRS, stable across runs).
    weight_unit
        What a weight of 1 means: ``"m of main street"``, ``"people"``, ``"m² floor area"``,
        ``"points"``, the weight column's name, or ``"cells"``.
    shapes
        Footprints (buildings) or cells (grid) in EPSG:4326, indexed like ``points``; else
        ``None``.
    info
        How the demand was built, JSON-compatible (counts, defaults used, lengths), for
        reports.

    """

    kind: str
    spec: str
    points: gpd.GeoDataFrame
    weight_unit: str
    shapes: gpd.GeoSeries | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """Sum of the weights."""
        return float(self.points["weight"].sum())

    def __len__(self) -> int:
        return len(self.points)

    def summary(self) -> str:
        """One line: kind, number of points, total weight and unit."""
        return (
            f"{self.kind} demand ({self.spec}): {len(self):,} points, total "
            f"{self.total:,.1f} {self.weight_unit}"
        )


# --------------------------------------------------------------------------- spec


def _spec_help() -> str:
    return "known forms: " + ", ".join(SPEC_FORMS)


def parse_demand_spec(spec: str) -> DemandSpec:
    """Parse a demand spec such as ``main-streets``, ``points:metro.geojson`` or ``grid:100``.

    The kind is the text before the first ``:``. For ``points:FILE:COLUMN`` a trailing
    ``:COLUMN`` is taken as the weight column only when ``FILE:COLUMN`` is not itself an
    existing file (so paths containing ``:`` work); when neither exists the last ``:`` splits.

    Parameters
    ----------
    spec
        The spec (case-insensitive kind; ``main_streets`` is accepted for ``main-streets``).

    Returns
    -------
    DemandSpec

    Raises
    ------
    InputDataError
        Unknown kind, missing file name or a cell size that is not a positive number; the
        message lists the known forms.

    """
    text = str(spec).strip()
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower().replace("_", "-")
    rest = rest.strip()
    if kind in ("main-streets", "mainstreets"):
        if rest:
            raise InputDataError(
                f"demand spec {spec!r}: main-streets takes no argument (set the spacing and "
                f"classes as options); {_spec_help()}"
            )
        return DemandSpec("main-streets", text)
    if kind == "buildings":
        if not rest:
            raise InputDataError(
                f"demand spec {spec!r}: give the building file, e.g. buildings:buildings.osm; "
                + _spec_help()
            )
        return DemandSpec("buildings", text, path=Path(rest))
    if kind == "points":
        if not rest:
            raise InputDataError(
                f"demand spec {spec!r}: give the point file, e.g. points:metro.geojson or "
                f"points:stops.csv:people; {_spec_help()}"
            )
        path, column = Path(rest), None
        if not path.exists() and ":" in rest:
            head, _, tail = rest.rpartition(":")
            if tail.strip() and head.strip():
                path, column = Path(head.strip()), tail.strip()
        return DemandSpec("points", text, path=path, column=column)
    if kind == "grid":
        value = rest.lower().removesuffix("m").strip()
        try:
            cell_m = float(value)
        except ValueError:
            cell_m = math.nan
        if not (math.isfinite(cell_m) and cell_m > 0):
            raise InputDataError(
                f"demand spec {spec!r}: the cell size must be a positive number of metres, "
                f"e.g. grid:100; {_spec_help()}"
            )
        return DemandSpec("grid", text, cell_m=cell_m)
    raise InputDataError(f"unknown demand spec {spec!r}; {_spec_help()}")


def demand_from_spec(
    spec: str,
    *,
    network: WalkNetwork,
    population: float | None = None,
    crs: str | CoordSystem | None = None,
    spacing_m: float = 50.0,
    main_street_classes: Sequence[str] | str = MAIN_STREET_CLASSES,
    default_levels: float | None = None,
) -> Demand:
    """Build the demand a spec describes (see the module table).

    Parameters
    ----------
    spec
        ``main-streets``, ``buildings:FILE``, ``points:FILE[:WEIGHT_COLUMN]`` or
        ``grid:METRES``.
    network
        The walk network: the streets of ``main-streets``, the extent of ``grid``, the metric
        CRS of building areas.
    population
        ``buildings`` only: allocate this many people by floor area.
    crs
        ``points``/``buildings`` only: the true datum of the file's coordinates (required for
        CSV; overrides the file's own CRS for GIS files, e.g. ``"gcj02"`` for AMap exports
        that claim EPSG:4326). Not the stations' CRS: the demand file may differ.
    spacing_m
        ``main-streets``: distance between sample points.
    main_street_classes
        ``main-streets``: the ``highway`` values counted as main streets.
    default_levels
        ``buildings``: levels of buildings without level or height tags (see
        :func:`building_demand`).

    Returns
    -------
    Demand

    Raises
    ------
    InputDataError
        Unknown spec, an option that does not apply to the kind (so it is never silently
        ignored), unreadable or empty input.

    """
    ds = parse_demand_spec(spec)
    misplaced = []
    if population is not None and ds.kind != "buildings":
        misplaced.append("population (only for buildings:FILE)")
    if crs is not None and ds.kind not in ("buildings", "points"):
        misplaced.append("crs (only for buildings:FILE and points:FILE)")
    if default_levels is not None and ds.kind != "buildings":
        misplaced.append("default_levels (only for buildings:FILE)")
    if misplaced:
        raise InputDataError(
            f"demand spec {spec!r} does not use {', '.join(misplaced)}; drop the option or "
            "change the spec"
        )
    if ds.kind == "main-streets":
        demand = main_street_demand(network, classes=main_street_classes, spacing_m=spacing_m)
    elif ds.kind == "buildings":
        assert ds.path is not None
        demand = building_demand(
            ds.path,
            population=population,
            network=network,
            crs=crs,
            default_levels=default_levels,
        )
    elif ds.kind == "points":
        assert ds.path is not None
        demand = point_demand(ds.path, weight_column=ds.column, crs=crs)
    else:
        assert ds.cell_m is not None
        demand = grid_demand(network, cell_m=ds.cell_m)
    return replace(demand, spec=ds.text)


# --------------------------------------------------------------------------- helpers


def _to_wgs84_points(xy: FloatArray, crs: str) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs("EPSG:4326").reset_index(drop=True)


def _check_positive(value: float, name: str, unit: str = "metres") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise InputDataError(f"{name} must be a positive number of {unit}, got {value!r}")
    return v


def _metric_crs(network: WalkNetwork | None, metric_crs: str | None, lon: Any, lat: Any) -> str:
    from harbor_planner.network._crs import metric_crs_for

    if metric_crs is None and network is not None:
        return network.crs
    return metric_crs_for(lon, lat, metric_crs, what="the demand")


def _frame(columns: Mapping[str, Any], geometry: gpd.GeoSeries) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(dict(columns), geometry=geometry.to_numpy(), crs="EPSG:4326")


def _log_demand(demand: Demand, detail: str) -> Demand:
    log.info("%s demand: %s", demand.kind, detail)
    return demand


# --------------------------------------------------------------------------- main streets


def _as_classes(classes: Sequence[str] | str) -> tuple[str, ...]:
    items = classes.split(",") if isinstance(classes, str) else list(classes)
    out = tuple(dict.fromkeys(str(c).strip().lower() for c in items if str(c).strip()))
    if not out:
        raise InputDataError(
            "classes of main streets must name at least one OSM highway value, e.g. "
            + ",".join(MAIN_STREET_CLASSES)
        )
    return out


def main_street_demand(
    network: WalkNetwork,
    *,
    classes: Sequence[str] | str = MAIN_STREET_CLASSES,
    spacing_m: float = 50.0,
) -> Demand:
    """Sample points along the main streets of a walk network, weighted by length.

    Each edge whose ``highway`` is in ``classes`` (length ``L``) is cut into
    ``n = max(1, ceil(L / spacing_m))`` equal pieces and gets one point at the middle of each
    piece, weighted ``L / n`` metres. So no piece is longer than ``spacing_m``, a 120 m edge
    at 50 m gives 3 points of 40 m, an edge shorter than ``spacing_m`` one point weighted by
    its length, and the weights sum exactly to the main-street length of the network.

    Lengths are those of the walk network: a dual carriageway mapped as two one-way ways
    counts twice (as does a street with separately mapped sidewalks, when the sidewalks are
    footways they are not counted at all). Planners comparing with a road register of street
    kilometres should expect the network figure to be higher on such streets.

    Parameters
    ----------
    network
        The walk network; edges are read from ``network.edges`` (``highway``, ``name``,
        ``length_m``) and ``network.edge_geometry`` (metres).
    classes
        OSM ``highway`` values counted as main streets (a sequence, or one comma-separated
        string); default :data:`MAIN_STREET_CLASSES`.
    spacing_m
        Largest distance between consecutive points along an edge, metres.

    Returns
    -------
    Demand
        Kind ``main-streets``, unit ``"m of main street"``; columns ``demand_id``
        (``"e{edge}_{piece}"``), ``weight``, ``edge``, ``edge_frac``, ``highway``, ``name``.
        ``info`` holds ``classes``, ``spacing_m``, ``edges``, ``length_km`` and
        ``length_km_by_class``.

    Raises
    ------
    InputDataError
        ``spacing_m`` is not positive, or the network has no edge of these classes (the
        message lists the classes it has).

    """
    spacing = _check_positive(spacing_m, "spacing_m")
    wanted = _as_classes(classes)
    edges = network.edges
    highway = edges["highway"].astype("str").str.strip().str.lower()
    sel = np.flatnonzero(highway.isin(wanted).to_numpy())
    if sel.size == 0:
        by_class = edges.groupby(highway.fillna("(none)"))["length_m"].sum()
        have = ", ".join(
            f"{k} ({v / 1000:.1f} km)" for k, v in by_class.sort_values(ascending=False).items()
        )
        raise InputDataError(
            f"the walk network has no main streets (highway = {', '.join(wanted)}); its ways "
            f"are {have or 'none'}. Choose other classes, or another demand such as "
            "grid:100 or buildings:FILE"
        )
    length = edges["length_m"].to_numpy(np.float64)[sel]
    n = np.maximum(1, np.ceil(length / spacing - 1e-9)).astype(np.int64)
    edge = np.repeat(sel, n)
    start = np.repeat(np.cumsum(n) - n, n)
    piece = np.arange(edge.size, dtype=np.int64) - start
    count = np.repeat(n, n)
    frac = (piece + 0.5) / count
    weight = np.repeat(length / n, n)
    pts = shapely.line_interpolate_point(network.edge_geometry[edge], frac, normalized=True)
    geometry = _to_wgs84_points(shapely.get_coordinates(pts), network.crs)
    ids = "e" + pd.Series(edge).astype(str) + "_" + pd.Series(piece).astype(str)
    points = _frame(
        {
            "demand_id": ids.to_numpy(dtype=object),
            "weight": weight,
            "edge": edge,
            "edge_frac": frac,
            "highway": highway.to_numpy(dtype=object)[edge],
            "name": edges["name"].to_numpy(dtype=object)[edge],
        },
        geometry,
    )
    by_class = pd.Series(length).groupby(highway.to_numpy()[sel]).sum() / 1000
    info = {
        "classes": list(wanted),
        "spacing_m": spacing,
        "edges": int(sel.size),
        "length_km": float(length.sum() / 1000),
        "length_km_by_class": {str(k): float(v) for k, v in by_class.items()},
    }
    demand = Demand("main-streets", "main-streets", points, "m of main street", None, info)
    return _log_demand(
        demand,
        f"{len(points):,} points every ≤ {spacing:g} m along {info['length_km']:,.1f} km of "
        f"main streets ({sel.size:,} edges of {', '.join(sorted(by_class.index))})",
    )


# --------------------------------------------------------------------------- buildings


def _is_osm(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(_OSM_SUFFIXES)


def _read_osm_buildings(path: Path) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    """Building areas (closed ways and multipolygons) of an OSM file, in WGS-84."""
    import osmium
    from osmium.geom import WKBFactory

    factory = WKBFactory()
    records: list[tuple[Any, ...]] = []
    wkbs: list[str] = []
    failed: list[str] = []
    try:
        for obj in osmium.FileProcessor(str(path)).with_areas():
            if not obj.is_area():
                continue
            tags = obj.tags
            building = tags.get("building")
            if building is None or building == "no":
                continue
            kind = "way" if obj.from_way() else "relation"
            try:
                wkb = factory.create_multipolygon(obj)
            except RuntimeError:  # osmium cannot build a valid ring
                failed.append(f"{kind} {obj.orig_id()}")
                continue
            wkbs.append(wkb)
            records.append(
                (
                    kind,
                    int(obj.orig_id()),
                    building,
                    tags.get("name"),
                    tags.get("building:levels"),
                    tags.get("building:min_level"),
                    tags.get("height"),
                )
            )
    except RuntimeError as exc:  # libosmium parse errors
        hint = (
            "; assembling areas needs a file sorted by type and id (as Overpass and "
            "Geofabrik give it): sort it with 'osmium sort FILE -o SORTED.osm'"
            if "out of order" in str(exc)
            else ""
        )
        raise InputDataError(f"cannot read as OpenStreetMap data: {exc}{hint}", path=path) from None
    if failed:
        log.warning(
            "%s: %d building areas could not be assembled (broken rings) and are left out: %s",
            path,
            len(failed),
            rows_text(failed),
        )
    table = pd.DataFrame(
        records,
        columns=["osm_type", "osm_id", "building", "name", "_levels", "_min_level", "_height"],
    )
    geoms = shapely.from_wkb(np.asarray(wkbs, dtype=object)) if wkbs else np.zeros(0, object)
    return table, gpd.GeoSeries(geoms, crs="EPSG:4326")


def _find_column(columns: Sequence[str], aliases: Sequence[str]) -> str | None:
    lower = {str(c).strip().lower(): str(c) for c in columns}
    for a in aliases:
        if a in lower:
            return lower[a]
    return None


def _read_polygon_layer(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None
) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    """A polygon layer's attributes (file columns + tag columns) and footprints in WGS-84."""
    gdf = read_vector(path, layer)
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    poly = np.isin(types, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    if (~poly & ~missing).any():
        names = sorted(set(gdf.geometry[~poly & ~missing].geom_type))
        raise InputDataError(
            f"expected building footprints (Polygon/MultiPolygon), found {', '.join(names)}",
            path=path,
        )
    if missing.any():
        log.warning("%s: %d features without geometry are left out", path, int(missing.sum()))
    gdf = gdf.loc[~missing].reset_index(drop=True)
    wgs = layer_to_wgs84(gdf, path, crs)
    cols = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    attrs = attrs.rename(columns={c: f"{c}_src" for c in attrs.columns if c in _RESERVED})
    for target, aliases in (
        ("_levels", _LEVEL_COLUMNS),
        ("_min_level", _MIN_LEVEL_COLUMNS),
        ("_height", _HEIGHT_COLUMNS),
    ):
        col = _find_column(cols, aliases)
        attrs[target] = None if col is None else gdf[col].astype("str").to_numpy(dtype=object)
    if "building" not in attrs:
        attrs["building"] = None
    return attrs.reset_index(drop=True), wgs


def _numbers(values: pd.Series) -> FloatArray:
    """Numbers of OSM-style tag values (``"12"``, ``"4.5"``, ``"30 m"``); NaN otherwise."""
    text = values.astype("str")
    return text.str.extract(_NUMBER, expand=False).astype(float).to_numpy(np.float64)


def building_demand(
    path: str | Path,
    *,
    population: float | None = None,
    network: WalkNetwork | None = None,
    metric_crs: str | None = None,
    crs: str | CoordSystem | None = None,
    default_levels: float | None = None,
    storey_height_m: float = STOREY_HEIGHT_M,
    layer: str | int | None = None,
) -> Demand:
    """One demand point per building, weighted by floor area or by allocated population.

    Floor area = levels × footprint area (m², in the network's CRS when ``network`` is given,
    else ``metric_crs`` or the local UTM zone). Levels of a building, in order:

    1. ``building=roof`` (canopies, shelters without walls): 0 — no floor area;
    2. ``building:levels`` (a number); when ``building:min_level`` is also tagged (a tower
       standing on a podium mapped as its own building) the levels above it,
       ``max(levels - min_level, 1)``, so the podium's floors are not counted twice;
    3. ``height`` / ``storey_height_m``, rounded, at least 1;
    4. ``default_levels``; by default the median ``building:levels`` of the buildings of the
       file that have one, roofs excepted (1 when none has).

    Tag values are read as plain numbers, optionally followed by ``m`` for ``height``
    (``"12"``, ``"4.5"``, ``"30 m"``); anything else (``"3;5"``, ``"40 ft"``) counts as untagged.

    On Yuzhong's ``buildings.osm`` (2,041 buildings) the default is 1: 549 of the 714
    buildings with ``building:levels`` are tagged ``1`` in one batch edit (consecutive way ids
    704006741-704025254) although most are 400+ m² blocks in a district of high-rises, and
    1,327 buildings (65 %) have no level or height tag. With the default of 1 their floor area
    is their footprint while the 165 towers tagged 2-98 levels carry most of the floor area:
    population allocated by floor area then concentrates on the tagged towers. Pass
    ``default_levels`` (e.g. 16, the median of buildings tagged with more than one level) when
    that matters; ``info`` reports how many buildings got each source of levels.

    Footprints are taken as mapped: overlapping footprints (a tower drawn on top of its podium
    without ``building:min_level``) are both counted.

    Parameters
    ----------
    path
        OSM data (``.osm``, ``.osm.pbf``, ``.osm.bz2``, ``.osm.gz``; closed ways and
        multipolygon relations tagged ``building=*``, not ``building=no``) or a polygon layer
        (GeoJSON, GeoPackage, Shapefile) with a CRS, whose columns ``building:levels``/
        ``levels``/``floors``/``层数``, ``building:min_level``, ``height``/``高度`` and
        ``building`` are read like the OSM tags.
    population
        People to allocate in proportion to floor area (e.g. Yuzhong's 588,717 of the 2020
        census); the weights then sum to it and the unit is ``"people"``. Without it the
        weight is the floor area (``"m² floor area"``).
    network
        Its CRS is the metric CRS of areas.
    metric_crs
        Metric CRS of areas when no network is given (default: the local UTM zone).
    crs
        Polygon layers only: the true datum of lon/lat coordinates (``"gcj02"`` for AMap
        footprints that claim EPSG:4326); default the layer's CRS.
    default_levels
        Levels of buildings without level or height tags (see above).
    storey_height_m
        Storey height that turns ``height`` into levels (default :data:`STOREY_HEIGHT_M`).
    layer
        Layer of a multi-layer file (GeoPackage).

    Returns
    -------
    Demand
        Kind ``buildings``; points on the footprints (``shapely.point_on_surface``), shapes =
        the footprints. Columns ``demand_id`` (``"w{id}"``/``"r{id}"`` for OSM ways and
        relations, ``"f{n}"`` for the n-th feature of a layer), ``weight``, ``osm_type``,
        ``osm_id`` (OSM) or the layer's columns, ``building``, ``name``, ``levels``,
        ``levels_source``, ``height_m``, ``footprint_m2``, ``floor_area_m2``.

    Raises
    ------
    InputDataError
        Missing or unreadable file, no buildings, zero total floor area with a population,
        or a population/levels/storey height that is not a positive number.
    CRSError
        A polygon layer without CRS, or ``crs`` contradicting a projected layer.

    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    if population is not None:
        population = _check_positive(population, "population", "people")
    if default_levels is not None:
        default_levels = _check_positive(default_levels, "default_levels", "levels")
    storey = _check_positive(storey_height_m, "storey_height_m")
    if _is_osm(path):
        if crs is not None and parse_crs(crs).kind != "wgs84":
            raise CRSError(f"OpenStreetMap data is WGS-84; crs={crs!r} does not apply", path=path)
        attrs, wgs = _read_osm_buildings(path)
        prefix = np.where(attrs["osm_type"] == "way", "w", "r").astype(object)
        ids = prefix + attrs["osm_id"].astype(str).to_numpy(dtype=object)
    else:
        attrs, wgs = _read_polygon_layer(path, crs, layer)
        ids = "f" + pd.Series(np.arange(1, len(attrs) + 1)).astype(str).to_numpy(dtype=object)
    if len(attrs) == 0:
        raise InputDataError(
            "no buildings found (OSM: closed ways or multipolygons tagged building=*; layers: "
            "polygon features); check the file, or use --demand main-streets or grid:100",
            path=path,
        )
    coords = shapely.get_coordinates(wgs.to_numpy())
    metric = _metric_crs(network, metric_crs, coords[:, 0], coords[:, 1])
    footprints = wgs.to_crs(metric).to_numpy()
    area = shapely.area(footprints)

    levels_tag = _numbers(attrs["_levels"])
    min_level = _numbers(attrs["_min_level"])
    height = _numbers(attrs["_height"])
    is_roof = attrs["building"].astype("str").str.strip().str.lower().eq("roof").to_numpy()
    has_levels = np.isfinite(levels_tag)
    if default_levels is None:
        tagged = levels_tag[has_levels & ~is_roof]
        default_levels = float(np.median(tagged)) if tagged.size else 1.0
        default_from = "median of tagged buildings" if tagged.size else "no building tagged"
    else:
        default_from = "given"
    stacked = np.maximum(levels_tag - np.nan_to_num(min_level), 1.0)
    levels = np.where(np.isfinite(min_level), stacked, levels_tag)
    from_height = ~has_levels & np.isfinite(height) & (height > 0)
    levels = np.where(from_height, np.maximum(np.round(height / storey), 1.0), levels)
    use_default = ~np.isfinite(levels)
    levels = np.where(use_default, default_levels, levels)
    levels = np.where(is_roof, 0.0, levels)
    source = np.select(
        [is_roof, has_levels, from_height], ["roof", "tag", "height"], default="default"
    ).astype(object)
    floor = levels * area
    total_floor = float(floor.sum())
    if population is not None and not total_floor > 0:
        raise InputDataError(
            "the buildings have no floor area (all roofs or zero-area footprints), so the "
            "population cannot be allocated; check the file or use --demand main-streets",
            path=path,
        )
    weight = floor * (population / total_floor) if population is not None else floor

    anchor = shapely.point_on_surface(footprints)
    points_wgs = _to_wgs84_points(shapely.get_coordinates(anchor), metric)
    own = attrs.drop(columns=["_levels", "_min_level", "_height"])
    if "name" not in own:
        own["name"] = None
    columns: dict[str, Any] = {"demand_id": ids, "weight": weight}
    columns.update({c: own[c].to_numpy() for c in own.columns})
    columns.update(
        levels=levels,
        levels_source=source,
        height_m=height,
        footprint_m2=area,
        floor_area_m2=floor,
    )
    points = _frame(columns, points_wgs)
    kinds = ("tag", "height", "default", "roof")
    counts = {k: int((source == k).sum()) for k in kinds}
    share = {
        k: float(floor[source == k].sum() / total_floor) if total_floor else 0.0 for k in kinds
    }
    info = {
        "buildings": len(points),
        "footprint_m2": float(area.sum()),
        "floor_area_m2": total_floor,
        "population": population,
        "metric_crs": metric,
        "levels_source": counts,
        "floor_area_share_by_levels_source": share,
        "default_levels": default_levels,
        "default_levels_from": default_from,
        "storey_height_m": storey,
        "stacked_on_min_level": int((has_levels & np.isfinite(min_level)).sum()),
    }
    unit = "people" if population is not None else "m² floor area"
    demand = Demand("buildings", f"buildings:{path}", points, unit, wgs, info)
    if counts["default"] > len(points) / 2:
        log.warning(
            "%s: %d of %d buildings (%.0f %%) have no level or height tag and count %g "
            "levels (%s); pass default_levels (--default-levels) if that is not right",
            path,
            counts["default"],
            len(points),
            100.0 * counts["default"] / len(points),
            default_levels,
            default_from,
        )
    what = f"{population:,.0f} people allocated by" if population is not None else "weighted by"
    return _log_demand(
        demand,
        f"{len(points):,} buildings, {what} {total_floor / 1e6:,.2f} km² of floor area "
        f"({area.sum() / 1e6:,.2f} km² of footprints); levels from tags {counts['tag']:,}, "
        f"from height {counts['height']:,}, default {default_levels:g} for "
        f"{counts['default']:,}, roofs {counts['roof']:,}",
    )


# --------------------------------------------------------------------------- points


def _weights(frame: pd.DataFrame, column: str | None, path: Path) -> tuple[FloatArray, str]:
    if column is None:
        return np.ones(len(frame)), "points"
    cols = [str(c) for c in frame.columns if c not in ("row", "sheet", "geometry")]
    name = column if column in cols else _find_column(cols, [column.strip().lower()])
    if name is None:
        raise InputDataError(
            f"no weight column {column!r}; the columns are {', '.join(map(repr, cols))}",
            path=path,
        )
    raw = frame[name]
    text = raw.astype("str").str.replace(",", "", regex=False).str.strip()
    value = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
    rows = frame["row"].to_numpy()
    bad = ~np.isfinite(value)
    if bad.any():
        shown = ["empty" if pd.isna(v) else repr(str(v)) for v in raw[bad].head(3)]
        raise InputDataError(
            f"column {name!r}, rows {rows_text(rows[bad])}: weights must be numbers "
            f"(found {', '.join(shown)}); fill them in",
            path=path,
        )
    neg = value < 0
    if neg.any():
        raise InputDataError(
            f"column {name!r}, rows {rows_text(rows[neg])}: weights must be >= 0 "
            f"(found {', '.join(f'{v:g}' for v in value[neg][:3])})",
            path=path,
        )
    return value, name


def point_demand(
    path: str | Path,
    *,
    weight_column: str | None = None,
    crs: str | CoordSystem | None = None,
    extent: str | None = "chongqing",
    layer: str | int | None = None,
) -> Demand:
    """Demand points from a file: metro entrances, bus stops, workplaces, counts.

    Parameters
    ----------
    path
        A point layer (GeoJSON, GeoPackage, Shapefile) with a CRS, or a CSV/XLSX with
        longitude and latitude columns (``lon``/``lat``, ``lng``, ``x``/``y``, ``经度``/``纬度``;
        UTF-8 or GBK, header row found as in :func:`harbor_planner.read_stations`).
    weight_column
        Column of weights (numbers >= 0; matched case-insensitively); default weight 1 per
        point.
    crs
        The true coordinate system: required for CSV/XLSX (``"wgs84"``, ``"gcj02"`` for
        AMap/高德, ``"bd09"`` for Baidu, ``"EPSG:NNNN"``); for a GIS layer it overrides the
        file's lon/lat datum (AMap exports claim EPSG:4326 while holding GCJ-02).
    extent
        ``"chongqing"`` (default): points more than 500 m outside the municipality (geocoded
        to another city) are left out with a warning naming their rows; ``None``: no check.
    layer
        GeoPackage layer or workbook sheet.

    Returns
    -------
    Demand
        Kind ``points``; unit ``"points"`` or the weight column's name; columns
        ``demand_id`` (= ``row``, as text), ``weight``, ``row`` and the file's columns.

    Raises
    ------
    InputDataError
        Missing/unreadable/empty file, no coordinate columns, rows with missing or
        non-numeric coordinates, an unknown weight column (the message lists the columns),
        non-numeric or negative weights (rows named), non-point geometries.
    CRSError
        A CSV without ``crs``, or a GIS layer without CRS.

    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    suffix = path.suffix.lower()
    if suffix in _TABLE_SUFFIXES:
        if crs is None:
            raise CRSError(
                "a CSV/XLSX file does not record its coordinate system: state it with crs= "
                "(--demand-crs): 'gcj02' for AMap/高德 or Tencent, 'bd09' for Baidu, 'wgs84' for "
                "GPS/OpenStreetMap, or 'EPSG:NNNN'",
                path=path,
            )
        cs = parse_crs(crs)
        frame, header = read_table(path, layer)
        if frame.empty:
            raise InputDataError(
                "the file has no data rows; use another demand such as main-streets", path=path
            )
        lon_col, lat_col = coord_columns(header, path)
        x, y = table_coords(frame, lon_col, lat_col, path)
        lon, lat = to_wgs84(x, y, cs)
        table = frame
    else:
        gdf = read_vector(path, layer)
        if gdf.empty:
            raise InputDataError(
                "the layer has no features; use another demand such as main-streets",
                path=path,
            )
        geoms = gdf.geometry.to_numpy()
        single = (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOINT) & (
            shapely.get_num_geometries(geoms) == 1
        )
        geoms = np.where(single, shapely.get_geometry(geoms, 0), geoms)
        ok = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
        ok &= ~shapely.is_empty(geoms)
        table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
        table.insert(0, "row", np.arange(1, len(table) + 1))
        if not ok.all():
            kinds = sorted(set(gdf.geometry[~ok].geom_type.fillna("missing")))
            raise InputDataError(
                f"features {rows_text(table['row'].to_numpy()[~ok])} are not points "
                f"({', '.join(kinds)}); use a point layer (or centroids), or "
                "buildings:FILE for footprints",
                path=path,
            )
        wgs = layer_to_wgs84(gpd.GeoDataFrame(geometry=geoms, crs=gdf.crs), path, crs)
        lon, lat = shapely.get_x(wgs.to_numpy()), shapely.get_y(wgs.to_numpy())
    weight, unit = _weights(table, weight_column, path)
    geometry = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326")

    keep = np.ones(len(table), dtype=bool)
    dropped: list[int] = []
    if extent is not None:
        if str(extent).lower() != "chongqing":
            raise InputDataError(f"extent must be 'chongqing' or None, got {extent!r}")
        from harbor_planner.districts import locate_districts

        _, outside_m = locate_districts(geometry)
        keep = ~(outside_m.to_numpy() > 500.0)
        if not keep.all():
            dropped = [int(r) for r in table["row"].to_numpy()[~keep]]
            log.warning(
                "%s: %d points lie more than 500 m outside Chongqing (geocoded to another "
                "city?) and are left out: rows %s",
                path,
                len(dropped),
                rows_text(dropped),
            )
    if not keep.any():
        raise InputDataError(
            "no point lies in Chongqing; check the coordinates and crs=", path=path
        )
    table = table.loc[keep].reset_index(drop=True)
    own = table.rename(columns={c: f"{c}_src" for c in table.columns if c in _RESERVED})
    sheet = own["sheet"].astype(str) + ":" if "sheet" in own else ""
    ids = (sheet + own["row"].astype(str)).to_numpy(dtype=object)
    columns: dict[str, Any] = {"demand_id": ids, "weight": weight[keep]}
    columns.update({c: own[c].to_numpy() for c in own.columns})
    points = _frame(columns, geometry[keep].reset_index(drop=True))
    info = {
        "points": len(points),
        "weight_column": None if weight_column is None else unit,
        "dropped_outside_chongqing": len(dropped),
        "dropped_rows": dropped[:100],
    }
    demand = Demand("points", f"points:{path}", points, unit, None, info)
    return _log_demand(
        demand,
        f"{len(points):,} points from {path.name}, total {demand.total:,.1f} {unit}"
        + (f"; {len(dropped):,} outside Chongqing left out" if dropped else ""),
    )


# --------------------------------------------------------------------------- grid


def grid_demand(network: WalkNetwork, *, cell_m: float, max_dist_m: float | None = None) -> Demand:
    """Square cells over the network area, one demand point per cell near a street.

    Cells of ``cell_m`` are aligned on multiples of ``cell_m`` in the network's metric CRS
    (so the same cell keeps its ``cell_id`` across runs) and cover the bounding box of the
    edges. A cell is kept when its centre lies within ``max_dist_m`` of an edge: cells in the
    river or inside large blocks with no walkable way are not demand anyone can walk to.

    Parameters
    ----------
    network
        The walk network.
    cell_m
        Cell side in metres.
    max_dist_m
        Keep cells whose centre is within this distance of an edge; default ``cell_m``.

    Returns
    -------
    Demand
        Kind ``grid``, unit ``"cells"`` (weight 1 each); points at the cell centres, shapes
        = the cells; columns ``demand_id`` (= ``cell_id``), ``weight``, ``cell_id``.

    Raises
    ------
    InputDataError
        ``cell_m`` or ``max_dist_m`` not positive, more than :data:`MAX_GRID_CELLS` cells,
        or no cell near the network.

    """
    cell = _check_positive(cell_m, "grid cell size (cell_m)")
    dist = cell if max_dist_m is None else _check_positive(max_dist_m, "max_dist_m")
    geoms = network.edge_geometry
    if len(geoms) == 0:
        raise InputDataError("the walk network has no edges; a grid needs an area")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    ix0, iy0 = math.floor(xmin / cell), math.floor(ymin / cell)
    nx = max(1, math.ceil(xmax / cell) - ix0)
    ny = max(1, math.ceil(ymax / cell) - iy0)
    if nx * ny > MAX_GRID_CELLS:
        raise InputDataError(
            f"grid:{cell:g} over the network ({(xmax - xmin) / 1000:.1f} x "
            f"{(ymax - ymin) / 1000:.1f} km) would have {nx * ny:,} cells, more than "
            f"{MAX_GRID_CELLS:,}; use larger cells (e.g. grid:"
            f"{math.ceil(cell * math.sqrt(nx * ny / MAX_GRID_CELLS)):g})"
        )
    gx, gy = np.meshgrid(np.arange(nx) + ix0, np.arange(ny) + iy0, indexing="xy")
    ix, iy = gx.ravel().astype(np.int64), gy.ravel().astype(np.int64)
    centres = shapely.points((ix + 0.5) * cell, (iy + 0.5) * cell)
    hit, _ = shapely.STRtree(geoms).query(centres, predicate="dwithin", distance=dist)
    kept = unique_ints(hit)
    if kept.size == 0:  # pragma: no cover - every edge lies in some cell
        raise InputDataError("no grid cell lies near the walk network")
    ix, iy = ix[kept], iy[kept]
    cells = shapely.box(ix * cell, iy * cell, (ix + 1) * cell, (iy + 1) * cell)
    shapes = gpd.GeoSeries(cells, crs=network.crs).to_crs("EPSG:4326").reset_index(drop=True)
    points_wgs = _to_wgs84_points(shapely.get_coordinates(centres[kept]), network.crs)
    cell_id = (pd.Series(ix).astype(str) + "_" + pd.Series(iy).astype(str)).to_numpy(object)
    points = _frame(
        {"demand_id": cell_id, "weight": np.ones(kept.size), "cell_id": cell_id}, points_wgs
    )
    info = {
        "cell_m": cell,
        "max_dist_m": dist,
        "cells": int(kept.size),
        "cells_in_box": int(nx * ny),
        "area_km2": float(kept.size * cell * cell / 1e6),
    }
    demand = Demand("grid", f"grid:{cell:g}", points, "cells", shapes, info)
    return _log_demand(
        demand,
        f"{kept.size:,} cells of {cell:g} m ({info['area_km2']:,.2f} km²) within {dist:g} m "
        f"of a street, of {nx * ny:,} in the bounding box",
    )


# --------------------------------------------------------------------------- clipping


def clip_demand(demand: Demand, network: WalkNetwork, *, max_dist_m: float = 150.0) -> Demand:
    """Keep the demand points within ``max_dist_m`` of a network edge.

    A demand file often covers more than the network (bus stops of the whole municipality,
    buildings of a bigger box): points beyond the network cannot be reached along it and
    would read as uncovered. The dropped count and weight are logged and recorded in
    ``info["clipped"]``. Weights are kept as they are (a population allocated over the whole
    file is not re-allocated).

    Parameters
    ----------
    demand
        The demand.
    network
        The walk network.
    max_dist_m
        Largest straight-line distance from a point to the nearest edge, metres.

    Returns
    -------
    Demand
        A new demand (the input is unchanged); index ``0..n-1``.

    Raises
    ------
    InputDataError
        ``max_dist_m`` not positive, or no point is near the network.

    """
    dist = _check_positive(max_dist_m, "max_dist_m")
    xy = shapely.get_coordinates(demand.points.geometry.to_crs(network.crs).to_numpy())
    hit, _ = shapely.STRtree(network.edge_geometry).query(
        shapely.points(xy), predicate="dwithin", distance=dist
    )
    keep = np.zeros(len(demand), dtype=bool)
    keep[hit] = True
    if not keep.any():
        raise InputDataError(
            f"no demand point of {demand.spec} lies within {dist:g} m of the walk network; "
            "do the demand and the network cover the same area (and the same datum)?"
        )
    lost = float(demand.points["weight"].to_numpy()[~keep].sum())
    info = dict(demand.info)
    info["clipped"] = {
        "max_dist_m": dist,
        "points_dropped": int((~keep).sum()),
        "weight_dropped": lost,
    }
    points = demand.points.loc[keep].reset_index(drop=True)
    shapes = None if demand.shapes is None else demand.shapes[keep].reset_index(drop=True)
    log.info(
        "%s demand: kept %d of %d points within %g m of the network (dropped %.1f %s)",
        demand.kind,
        int(keep.sum()),
        len(demand),
        dist,
        lost,
        demand.weight_unit,
    )
    return replace(demand, points=points, shapes=shapes, info=info)


def demand_within(demand: Demand, area: Any, *, name: str | None = None) -> Demand:
    """Keep the demand points inside a study area (e.g. one district's boundary).

    A walk network is extracted with a margin, so its main streets (and a grid over it) reach
    into the neighbouring districts; the study of one district measures that district's
    demand. Points on the boundary count as inside. Weights are kept.

    Parameters
    ----------
    demand
        The demand.
    area
        GeoDataFrame/GeoSeries of polygons with a CRS, or a path of a polygon layer
        (GeoJSON, GeoPackage, Shapefile).
    name
        How to name the area in logs and ``info["within"]`` (default: the file name).

    Returns
    -------
    Demand
        A new demand (the input is unchanged); index ``0..n-1``.

    Raises
    ------
    InputDataError
        Unreadable file, no polygons, or no demand point inside.
    CRSError
        The area has no CRS.

    """
    if isinstance(area, str | Path):
        path = Path(area)
        if not path.is_file():
            raise InputDataError("study-area file not found", path=path)
        try:
            area = gpd.read_file(path)
        except Exception as exc:  # pyogrio/GDAL errors have no common base class
            raise InputDataError(f"cannot read the study area: {exc}", path=path) from None
        name = name or path.name
    geoms = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
    if geoms.crs is None:
        raise CRSError(f"the study area {name or '(given)'} has no CRS; set it and retry")
    polys = geoms[geoms.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise InputDataError(f"the study area {name or '(given)'} holds no polygons")
    region = shapely.union_all(polys.to_crs("EPSG:4326").to_numpy())
    shapely.prepare(region)
    keep = shapely.covers(region, demand.points.geometry.to_numpy())
    if not keep.any():
        raise InputDataError(
            f"no demand point of {demand.spec} lies inside the study area "
            f"{name or '(given)'}; do they cover the same place (and the same datum)?"
        )
    weight = demand.points["weight"].to_numpy()
    info = dict(demand.info)
    info["within"] = {
        "area": name,
        "points_dropped": int((~keep).sum()),
        "weight_dropped": float(weight[~keep].sum()),
    }
    log.info(
        "%s demand: kept %d of %d points inside %s (%.1f of %.1f %s)",
        demand.kind,
        int(keep.sum()),
        len(demand),
        name or "the study area",
        float(weight[keep].sum()),
        float(weight.sum()),
        demand.weight_unit,
    )
    points = demand.points.loc[keep].reset_index(drop=True)
    shapes = None if demand.shapes is None else demand.shapes[keep].reset_index(drop=True)
    return replace(demand, points=points, shapes=shapes, info=info)
