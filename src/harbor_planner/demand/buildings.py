"""Building demand: one point per building footprint, weighted by floor area or people."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._io import input_file
from harbor_planner._text import rows_text
from harbor_planner._validate import check_positive
from harbor_planner.coords import CoordSystem, parse_crs
from harbor_planner.demand._common import (
    FloatArray,
    find_column,
    nearest_edges,
    points_frame,
    street_columns,
    to_wgs84_points,
)
from harbor_planner.demand.model import Demand, log_demand
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.network.osm import is_osm_path, osm_read_error
from harbor_planner.readers import layer_to_wgs84, read_vector
from harbor_planner.settings import DEFAULT_LEVELS_MAX

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["STOREY_HEIGHT_M", "building_demand"]

IntArray = npt.NDArray[np.int64]
log = logging.getLogger(__name__)

#: Storey height (m) that turns an OSM ``height`` into a number of levels when
#: ``building:levels`` is missing. Measured on Yuzhong's ``buildings.osm``: the 17 buildings
#: tagged with both have a median height / levels of 4.7 m (3.4-5.4 m): the tags are mapped on
#: landmark towers with lobbies, mechanical floors and crowns. 3 m, a residential storey,
#: would overstate their floors by half.
STOREY_HEIGHT_M = 4.5

_RESERVED = ("demand_id", "weight", "geometry", "edge", "edge_frac", "access_m")
_TAG_COLUMNS = ["_levels", "_min_level", "_height", "_min_height"]
#: Where the levels of a building came from, in the order of ``info["levels_source"]``.
_LEVEL_SOURCES = ("tag", "height", "default", "roof")

# Polygon-layer columns read as OSM building tags (case-insensitive; Chinese building
# datasets often carry 层数/楼层 or Floor).
_LEVEL_COLUMNS = ("building:levels", "building_levels", "levels", "floors", "floor", "层数", "楼层")
_MIN_LEVEL_COLUMNS = ("building:min_level", "building_min_level", "min_level")
_HEIGHT_COLUMNS = ("height", "building:height", "building_height", "高度")
_MIN_HEIGHT_COLUMNS = ("min_height", "building:min_height", "building_min_height")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:m|米)?\s*$", re.IGNORECASE)


def _metric_crs(network: WalkNetwork | None, metric_crs: str | None, lon: Any, lat: Any) -> str:
    from harbor_planner.network._crs import metric_crs_for

    if metric_crs is None and network is not None:
        return network.crs
    return metric_crs_for(lon, lat, metric_crs, what="the demand")


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
                    tags.get("min_height"),
                )
            )
    except osmium.InvalidLocationError as exc:  # a node position that is not a number
        raise osm_read_error(path, exc) from None
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
        columns=["osm_type", "osm_id", "building", "name", *_TAG_COLUMNS],
    )
    geoms = shapely.from_wkb(np.asarray(wkbs, dtype=object)) if wkbs else np.zeros(0, object)
    return table, gpd.GeoSeries(geoms, crs="EPSG:4326")


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
        ("_min_height", _MIN_HEIGHT_COLUMNS),
    ):
        col = find_column(cols, aliases)
        attrs[target] = None if col is None else gdf[col].astype("str").to_numpy(dtype=object)
    if "building" not in attrs:
        attrs["building"] = None
    return attrs.reset_index(drop=True), wgs


def _numbers(values: pd.Series) -> FloatArray:
    """Numbers of OSM-style tag values (``"12"``, ``"4.5"``, ``"30 m"``); NaN otherwise."""
    text = values.astype("str")
    return text.str.extract(_NUMBER, expand=False).astype(float).to_numpy(np.float64)


@dataclass(frozen=True)
class _Levels:
    """Levels of each building and where they came from (see :func:`building_demand`)."""

    levels: FloatArray
    source: np.ndarray
    height: FloatArray
    stacked: int
    default: float
    default_from: str


def _read_buildings(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None
) -> tuple[pd.DataFrame, gpd.GeoSeries, np.ndarray]:
    """Attributes (with the tag columns), WGS-84 footprints and ``demand_id`` of the buildings."""
    if is_osm_path(path):
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
    return attrs, wgs, ids


def _levels(attrs: pd.DataFrame, default_levels: float | None, storey: float) -> _Levels:
    """Levels from ``building=roof``, then the level tags, then the height, then the default."""
    levels_tag = _numbers(attrs["_levels"])
    min_level = _numbers(attrs["_min_level"])
    # the part above ``min_height`` only: a skybridge 250-276 m up is a few storeys, not 61
    # (probe 24H: Raffles City's 水晶连廊 held 6 % of Yuzhong's people)
    height = _numbers(attrs["_height"])
    above = height - np.nan_to_num(_numbers(attrs["_min_height"]))
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
    from_height = ~has_levels & np.isfinite(above) & (above > 0)
    levels = np.where(from_height, np.maximum(np.round(above / storey), 1.0), levels)
    use_default = ~np.isfinite(levels)
    levels = np.where(use_default, default_levels, levels)
    levels = np.where(is_roof, 0.0, levels)
    source = np.select(
        [is_roof, has_levels, from_height], ["roof", "tag", "height"], default="default"
    ).astype(object)
    return _Levels(
        levels=levels,
        source=source,
        height=height,
        stacked=int((has_levels & np.isfinite(min_level)).sum()),
        default=default_levels,
        default_from=default_from,
    )


def _allocate(floor: FloatArray, population: float | None, path: Path) -> FloatArray:
    """The weights: the floor area, or ``population`` shared in proportion to it."""
    total_floor = float(floor.sum())
    if population is not None and not total_floor > 0:
        raise InputDataError(
            "the buildings have no floor area (all roofs or zero-area footprints), so the "
            "population cannot be allocated; check the file or use --demand main-streets",
            path=path,
        )
    return floor * (population / total_floor) if population is not None else floor


def _building_points(
    attrs: pd.DataFrame,
    ids: np.ndarray,
    weight: FloatArray,
    lv: _Levels,
    area: FloatArray,
    points_wgs: gpd.GeoSeries,
) -> gpd.GeoDataFrame:
    """The demand points: ids, weights, the file's columns, then levels and areas."""
    own = attrs.drop(columns=_TAG_COLUMNS)
    if "name" not in own:
        own["name"] = None
    columns: dict[str, Any] = {"demand_id": ids, "weight": weight}
    columns.update({c: own[c].to_numpy() for c in own.columns})
    columns.update(
        levels=lv.levels,
        levels_source=lv.source,
        height_m=lv.height,
        footprint_m2=area,
        floor_area_m2=lv.levels * area,
    )
    return points_frame(columns, points_wgs)


def _building_info(
    lv: _Levels, area: FloatArray, population: float | None, metric: str, storey: float
) -> dict[str, Any]:
    """The ``info`` record: counts and floor-area shares by source of levels, defaults used."""
    floor = lv.levels * area
    total_floor = float(floor.sum())
    counts = {k: int((lv.source == k).sum()) for k in _LEVEL_SOURCES}
    share = {
        k: float(floor[lv.source == k].sum() / total_floor) if total_floor else 0.0
        for k in _LEVEL_SOURCES
    }
    return {
        "buildings": len(area),
        "footprint_m2": float(area.sum()),
        "floor_area_m2": total_floor,
        "population": population,
        "metric_crs": metric,
        "levels_source": counts,
        "floor_area_share_by_levels_source": share,
        "default_levels": lv.default,
        "default_levels_from": lv.default_from,
        "storey_height_m": storey,
        "stacked_on_min_level": lv.stacked,
    }


def _warn_untagged(path: Path, lv: _Levels, counts: dict[str, int], n: int) -> None:
    """Warn when most buildings count the default levels.

    When every building does (but roofs), the demand is shared by footprint area whatever
    ``default_levels`` says: the warning says so instead of suggesting it (probe 27A: core3's
    Geofabrik buildings were told to pass a setting that changes no figure).
    """
    if counts["default"] and counts["default"] + counts["roof"] == n:
        log.warning(
            "%s: none of its %d buildings has a level or height tag: each counts %g levels, "
            "so the demand is shared by footprint area (default_levels would change no "
            "share; tags of the taller buildings' levels or heights would)",
            path, n, lv.default,
        )  # fmt: skip
    elif counts["default"] > n / 2:
        log.warning(
            "%s: %d of %d buildings (%.0f %%) have no level or height tag and count %g "
            "levels (%s); pass default_levels (--default-levels) if that is not right",
            path,
            counts["default"],
            n,
            100.0 * counts["default"] / n,
            lv.default,
            lv.default_from,
        )


def _door_points(footprints: Any, network: WalkNetwork | None) -> tuple[Any, IntArray]:
    """Each footprint's point nearest to a walkable street, and that street's edge.

    A large footprint (a compound, a campus) is left through its walls, so its demand point is
    the footprint's nearest point to the nearest edge (a building touching a street: the
    touching point); without a network, a point inside it (``shapely.point_on_surface``).
    Coverage and the snapping distance then count from that wall, not from the middle of a
    compound whose walls may be 70 m from a street when its middle is 300 m away.

    The streets are those at ground level (not bridges, tunnels or layered ways: a viaduct
    over a building is no way out of it), however far the nearest is: a building farther than
    ``settings.SNAP_MAX_DIST_M`` from every ground-level street is off the network, even with
    a tunnel passing nearer (probe 18P); only a network without ground-level streets uses its
    others.
    A footprint that streets cross is left at the crossing nearest its inner point, a choice
    that does not depend on which of the crossing streets a spatial index returns first.

    Returns the points and the edge of each (-1: none, or no network): the building's
    people are timed from that street (a tunnel or a viaduct nearer the door than its own
    street is no way out either).
    """
    inner = shapely.point_on_surface(footprints)
    if network is None or network.n_edges == 0 or len(footprints) == 0:
        return inner, np.full(len(footprints), -1, dtype=np.int64)
    out = inner.copy()
    among, tree = network.ground_edges
    edge = nearest_edges(footprints, network.edge_geometry, among, tree)
    ok = np.flatnonzero((edge >= 0) & ~shapely.is_empty(footprints))
    lines = shapely.shortest_line(footprints[ok], network.edge_geometry[edge[ok]])
    out[ok] = shapely.get_point(lines, 0)
    crossed = ok[shapely.intersects(footprints[ok], network.edge_geometry[edge[ok]])]
    if len(crossed):
        pieces = shapely.intersection(footprints[crossed], network.edge_geometry[edge[crossed]])
        out[crossed] = shapely.get_point(shapely.shortest_line(pieces, inner[crossed]), 0)
    edge[shapely.is_empty(footprints)] = -1
    return out, edge


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
    3. (``height`` - ``min_height``) / ``storey_height_m``, rounded, at least 1 (a bridge or
       a part on stilts, ``min_height`` 250 m, counts its own storeys only);
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
        Its CRS is the metric CRS of areas, and each building's demand point is the
        footprint's point nearest to one of its edges.
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
        Kind ``buildings``; each footprint's point nearest a walkable street (a point inside
        it without a network: ``shapely.point_on_surface``), shapes =
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
    path = input_file(path, "buildings")
    if population is not None:
        population = check_positive("population", population, unit="people")
    if default_levels is not None:
        default_levels = check_positive("default_levels", default_levels, unit="levels")
        if default_levels > DEFAULT_LEVELS_MAX:  # probe 25E: 1e308 overflowed every weight
            raise InputDataError(
                f"default_levels must be at most {DEFAULT_LEVELS_MAX:g} levels, "
                f"got {default_levels:g}"
            )
    storey = check_positive("storey_height_m", storey_height_m, unit="metres")
    attrs, wgs, ids = _read_buildings(path, crs, layer)
    coords = shapely.get_coordinates(wgs.to_numpy())
    metric = _metric_crs(network, metric_crs, coords[:, 0], coords[:, 1])
    footprints = wgs.to_crs(metric).to_numpy()
    area = shapely.area(footprints)
    lv = _levels(attrs, default_levels, storey)
    weight = _allocate(lv.levels * area, population, path)
    on = network if metric == getattr(network, "crs", None) else None
    door, edge = _door_points(footprints, on)
    points_wgs = to_wgs84_points(shapely.get_coordinates(door), metric)
    points = _building_points(attrs, ids, weight, lv, area, points_wgs)
    for col, values in street_columns(door, edge, on).items():
        points[col] = values
    info = _building_info(lv, area, population, metric, storey)
    counts, total_floor = info["levels_source"], info["floor_area_m2"]
    unit = "people" if population is not None else "m² floor area"
    demand = Demand("buildings", f"buildings:{path}", points, unit, wgs, info)
    _warn_untagged(path, lv, counts, len(points))
    what = f"{population:,.0f} people allocated by" if population is not None else "weighted by"
    return log_demand(
        demand,
        f"{len(points):,} buildings, {what} {total_floor / 1e6:,.2f} km² of floor area "
        f"({area.sum() / 1e6:,.2f} km² of footprints); levels from tags {counts['tag']:,}, "
        f"from height {counts['height']:,}, default {lv.default:g} for "
        f"{counts['default']:,}, roofs {counts['roof']:,}",
    )
