"""Analysis on the walk network: isochrone polygons, coverage of demand, station redundancy.

The flow is ``pieces`` (the street pieces each station reaches per band, from
:func:`harbor_planner.network.reachability`) → ``isochrones`` (exact corridor polygons,
service area) or ``grid`` (the same corridor contoured on a grid by the compiled kernels of
``_gridcontour``); ``coverage`` (demand within the limit of the nearest station, per district)
→ ``redundancy`` (demand each station covers alone, what closing it loses, replacement sites).

The functions ``coverage`` and ``isochrones`` are not re-exported here, so that
``harbor_planner.analysis.coverage`` and ``harbor_planner.analysis.isochrones`` stay the
modules; the package top level has them as functions (``hp.coverage``, ``hp.isochrones``).
"""

from harbor_planner.analysis.coverage import (
    CoverageResult,
    NearestStation,
    assign_districts,
    nearest_station,
    open_stations,
)
from harbor_planner.analysis.coverage_files import write_coverage
from harbor_planner.analysis.grid import grid_service_area
from harbor_planner.analysis.isochrones import service_area
from harbor_planner.analysis.pieces import reachable_pieces
from harbor_planner.analysis.redundancy import (
    replacement_sites,
    station_pairs,
    station_redundancy,
)

__all__ = [
    "CoverageResult",
    "NearestStation",
    "assign_districts",
    "grid_service_area",
    "nearest_station",
    "open_stations",
    "reachable_pieces",
    "replacement_sites",
    "service_area",
    "station_pairs",
    "station_redundancy",
    "write_coverage",
]
