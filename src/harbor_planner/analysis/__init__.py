"""Analysis on the walk network: isochrone polygons, coverage of demand, station redundancy.

The flow is ``pieces`` (the street pieces each station reaches per band, from
:func:`harbor_planner.network.reachability`) → ``isochrones`` (exact corridor polygons,
service area) or ``grid`` (the same corridor contoured on a grid by the compiled kernels of
``_gridcontour``); ``coverage`` (demand within the limit of the nearest station, per district)
→ ``redundancy`` (demand each station covers alone, what closing it loses, replacement sites).

Note that the functions :func:`isochrones` and :func:`coverage` re-exported here share their
names with their modules; import the modules' other names with
``from harbor_planner.analysis.coverage import ...``.
"""

from harbor_planner.analysis.coverage import (
    CoverageResult,
    NearestStation,
    assign_districts,
    coverage,
    nearest_station,
    open_stations,
    write_coverage,
)
from harbor_planner.analysis.grid import grid_service_area
from harbor_planner.analysis.isochrones import isochrones, service_area
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
    "coverage",
    "grid_service_area",
    "isochrones",
    "nearest_station",
    "open_stations",
    "reachable_pieces",
    "replacement_sites",
    "service_area",
    "station_pairs",
    "station_redundancy",
    "write_coverage",
]
