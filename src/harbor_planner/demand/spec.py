"""Demand specs (``main-streets``, ``buildings:FILE``...) and the trimming of a demand.

:func:`demand_from_spec` reads a spec and calls the builder of its kind;
:func:`clip_demand` and :func:`demand_within` keep the points near the network or inside a
study area.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from harbor_planner._validate import check_positive
from harbor_planner.coords import CoordSystem
from harbor_planner.demand.buildings import building_demand
from harbor_planner.demand.grid import grid_demand
from harbor_planner.demand.model import Demand
from harbor_planner.demand.points import point_demand
from harbor_planner.demand.streets import MAIN_STREET_CLASSES, main_street_demand
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.settings import SNAP_MAX_DIST_M, STREET_SPACING_M

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = [
    "SPEC_FORMS",
    "DemandSpec",
    "clip_demand",
    "demand_from_spec",
    "demand_within",
    "parse_demand_spec",
]

log = logging.getLogger(__name__)

#: The spec forms :func:`parse_demand_spec` accepts (for messages and ``--help``).
SPEC_FORMS: tuple[str, ...] = (
    "main-streets",
    "buildings:FILE",
    "points:FILE[:WEIGHT_COLUMN]",
    "grid:METRES",
)


@dataclass(frozen=True)
class DemandSpec:
    """A parsed ``--demand`` specification.

    Attributes
    ----------
    kind
        One of :data:`~harbor_planner.settings.DEMAND_KINDS`.
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
        head, sep, column = rest.rpartition(":")
        if sep and column and not Path(rest).exists() and Path(head).is_file():
            raise InputDataError(
                f"demand spec {spec!r}: buildings:FILE takes no column (its people are "
                "--population, shared by floor area); for areas with their own population "
                f"give points:{head}:{column} (a polygon counts at a point inside it)"
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
    spacing_m: float = STREET_SPACING_M,
    main_street_classes: Sequence[str] | str = MAIN_STREET_CLASSES,
    default_levels: float | None = None,
    off_ground: bool = True,
    max_dist_m: float = SNAP_MAX_DIST_M,
) -> Demand:
    """Build the demand a spec describes (see the table of :mod:`harbor_planner.demand`).

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
    off_ground
        ``main-streets``: count streets on bridges, in tunnels and other layers (default);
        see :func:`main_street_demand`.
    max_dist_m
        ``grid`` only: the coverage's snapping distance; cells whose centre lies farther
        from every street are left out (they could never be covered).

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
    if not hasattr(network, "edge_geometry"):
        raise InputDataError(
            f"demand_from_spec needs the walk network (network=...), got {type(network).__name__}"
        )
    misplaced = []
    if population is not None and ds.kind != "buildings":
        misplaced.append("population (only for buildings:FILE)")
    if crs is not None and ds.kind not in ("buildings", "points"):
        misplaced.append("crs (only for buildings:FILE and points:FILE)")
    if default_levels is not None and ds.kind != "buildings":
        misplaced.append("default_levels (only for buildings:FILE)")
    if not off_ground and ds.kind != "main-streets":
        misplaced.append("off_ground = false (only for main-streets)")
    if misplaced:
        raise InputDataError(
            f"demand spec {spec!r} does not use {', '.join(misplaced)}; drop the option or "
            "change the spec"
        )
    if ds.kind == "main-streets":
        demand = main_street_demand(
            network, classes=main_street_classes, spacing_m=spacing_m, off_ground=off_ground
        )
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
        demand = grid_demand(network, cell_m=ds.cell_m, max_dist_m=min(ds.cell_m, max_dist_m))
    return replace(demand, spec=ds.text)


def clip_demand(
    demand: Demand, network: WalkNetwork, *, max_dist_m: float = SNAP_MAX_DIST_M
) -> Demand:
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
    dist = check_positive("max_dist_m", max_dist_m, unit="metres")
    xy = shapely.get_coordinates(demand.points.geometry.to_crs(network.crs).to_numpy())
    hit, _ = network.edge_tree.query(shapely.points(xy), predicate="dwithin", distance=dist)
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
        Unreadable file, no polygon with an area, or no demand point inside.
    CRSError
        The area has no CRS, or its degrees are no longitude/latitude.

    """
    if isinstance(area, str | Path):
        path = Path(area)
        from harbor_planner.readers import read_polygon_file

        area = read_polygon_file(path, "demand.within", "demand.within: the study area")
        name = name or path.name
    if not isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):  # probe 21P: AttributeError
        raise InputDataError(
            f"the study area must be a GeoDataFrame or GeoSeries of polygons with a CRS, or "
            f"a layer's path; got {type(area).__name__} (a shapely polygon has no CRS: wrap "
            "it as geopandas.GeoSeries([polygon], crs=...))"
        )
    geoms = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
    if geoms.crs is None:
        raise CRSError(f"the study area {name or '(given)'} has no CRS; set it and retry")
    from harbor_planner.readers import clean_polygons

    # each ring made valid before the union (probe 27T: a figure-8 raised a TopologyException)
    polys = clean_polygons(gpd.GeoDataFrame(geometry=geoms), f"the study area {name or '(given)'}")
    region = shapely.union_all(polys.to_crs("EPSG:4326").geometry.to_numpy())
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
    _warn_population_left_out(demand, float(weight[~keep].sum()), int((~keep).sum()), name)
    points = demand.points.loc[keep].reset_index(drop=True)
    shapes = None if demand.shapes is None else demand.shapes[keep].reset_index(drop=True)
    return replace(demand, points=points, shapes=shapes, info=info)


def _warn_population_left_out(
    demand: Demand, lost: float, buildings: int, name: str | None
) -> None:
    """Warn when people of a population total fell on buildings outside the study area.

    A total (``--population N``) is shared over every building of the files; a census
    figure of the study area then loses the people of the buildings outside it (the table
    by district shares each district's people among the buildings inside it).
    """
    population = demand.info.get("population")
    # a total per file (several files, --population once each) has no total in the info,
    # and loses its outside buildings' people all the same (probe 20B)
    people = population is not None or demand.weight_unit == "people"
    if demand.kind != "buildings" or lost <= 0 or isinstance(population, dict) or not people:
        return
    names = [n for n in re.split(r"[、,，]", name or "") if n.endswith(("区", "县"))] or ["区县"]
    total = f"{population:g}" if isinstance(population, int | float) and len(names) == 1 else "N"
    example = ", ".join(f'"{n}" = {total}' for n in names[:3])  # one key a district (20R)
    log.warning(
        "%s: the population given was shared over every building of the file(s); %s people of "
        "%d building(s) outside %s are left out. To share a district's people among the "
        "buildings inside it, give it by district in a scenario: demand.population = { %s }",
        demand.spec, f"{lost:,.0f}", buildings, name or "the study area", example,
    )  # fmt: skip
