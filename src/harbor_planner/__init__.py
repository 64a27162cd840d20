"""harbor-planner: 15-minute walking coverage and site planning for worker harbour stations.

The user-facing API is re-exported here; each module holds one step of the data flow
(``stations`` → ``coords`` → ``network`` → ``analysis`` (isochrones, coverage) → ``optimize``
→ ``outputs``).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("harbor-planner")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"


from harbor_planner._numba_guard import hide_coverage_folders
from harbor_planner.errors import (
    CRSError,
    DependencyError,
    HarborPlannerError,
    InfeasibleError,
    InputDataError,
    NetworkError,
    OutputError,
    ScenarioError,
    SolverLimitError,
    UsageError,
)

hide_coverage_folders()  # before anything imports numba

if TYPE_CHECKING:  # the names below are imported on first use (see __getattr__)
    from harbor_planner.analysis import CoverageResult, nearest_station, write_coverage
    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.analysis.isochrones import isochrones
    from harbor_planner.candidates import candidates_from_spec
    from harbor_planner.coords import parse_crs, to_wgs84
    from harbor_planner.demand import Demand, demand_from_spec
    from harbor_planner.districts import chongqing_districts
    from harbor_planner.network import (
        Anchors,
        Reachability,
        SnapResult,
        WalkModel,
        WalkNetwork,
        anchor_points,
        build_network,
        load_network,
        reachability,
        save_network,
        snap_points,
    )
    from harbor_planner.optimize import CoverageMatrix, SiteSelection, coverage_matrix, select_sites
    from harbor_planner.outputs import make_map, save_map
    from harbor_planner.scenario import (
        Comparison,
        RunResult,
        Scenario,
        compare_runs,
        load_scenario,
        run,
        scenario_from_dict,
    )
    from harbor_planner.stations import (
        StationCheck,
        StationPlacement,
        place_stations,
        read_stations,
        select_status,
    )
    from harbor_planner.study_area import StudyArea

#: Where each name of the API lives; imported on first use, so that ``harbor-planner``
#: starts (and answers Ctrl-C) before geopandas, numba and the rest are loaded.
_API: dict[str, str] = {
    "Anchors": "harbor_planner.network",
    "Comparison": "harbor_planner.scenario",
    "CoverageMatrix": "harbor_planner.optimize",
    "CoverageResult": "harbor_planner.analysis",
    "Demand": "harbor_planner.demand",
    "Reachability": "harbor_planner.network",
    "RunResult": "harbor_planner.scenario",
    "Scenario": "harbor_planner.scenario",
    "SiteSelection": "harbor_planner.optimize",
    "SnapResult": "harbor_planner.network",
    "StationCheck": "harbor_planner.stations",
    "StationPlacement": "harbor_planner.stations",
    "WalkModel": "harbor_planner.network",
    "WalkNetwork": "harbor_planner.network",
    "anchor_points": "harbor_planner.network",
    "build_network": "harbor_planner.network",
    "candidates_from_spec": "harbor_planner.candidates",
    "chongqing_districts": "harbor_planner.districts",
    "StudyArea": "harbor_planner.study_area",
    "compare_runs": "harbor_planner.scenario",
    "coverage": "harbor_planner.analysis.coverage",
    "coverage_matrix": "harbor_planner.optimize",
    "demand_from_spec": "harbor_planner.demand",
    "isochrones": "harbor_planner.analysis.isochrones",
    "load_network": "harbor_planner.network",
    "load_scenario": "harbor_planner.scenario",
    "make_map": "harbor_planner.outputs",
    "nearest_station": "harbor_planner.analysis",
    "parse_crs": "harbor_planner.coords",
    "place_stations": "harbor_planner.stations",
    "reachability": "harbor_planner.network",
    "read_stations": "harbor_planner.stations",
    "run": "harbor_planner.scenario",
    "save_map": "harbor_planner.outputs",
    "save_network": "harbor_planner.network",
    "scenario_from_dict": "harbor_planner.scenario",
    "select_sites": "harbor_planner.optimize",
    "select_status": "harbor_planner.stations",
    "snap_points": "harbor_planner.network",
    "to_wgs84": "harbor_planner.coords",
    "write_coverage": "harbor_planner.analysis",
}


__all__ = [
    "Anchors",
    "CRSError",
    "Comparison",
    "CoverageMatrix",
    "CoverageResult",
    "Demand",
    "DependencyError",
    "HarborPlannerError",
    "InfeasibleError",
    "InputDataError",
    "NetworkError",
    "OutputError",
    "Reachability",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SiteSelection",
    "SnapResult",
    "SolverLimitError",
    "StationCheck",
    "StationPlacement",
    "StudyArea",
    "UsageError",
    "WalkModel",
    "WalkNetwork",
    "__version__",
    "anchor_points",
    "build_network",
    "candidates_from_spec",
    "chongqing_districts",
    "compare_runs",
    "coverage",
    "coverage_matrix",
    "demand_from_spec",
    "isochrones",
    "load_network",
    "load_scenario",
    "make_map",
    "nearest_station",
    "parse_crs",
    "place_stations",
    "reachability",
    "read_stations",
    "run",
    "save_map",
    "save_network",
    "scenario_from_dict",
    "select_sites",
    "select_status",
    "snap_points",
    "to_wgs84",
    "write_coverage",
]


def __getattr__(name: str) -> Any:
    """Import a name of the API on first use (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'harbor_planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
