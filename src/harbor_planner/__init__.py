"""harbor-planner: 15-minute walking coverage and site planning for worker harbour stations.

The user-facing API is re-exported here; each module holds one step of the data flow
(``stations`` → ``coords`` → ``network`` → ``analysis`` (isochrones, coverage) → ``optimize``
→ ``outputs``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("harbor-planner")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

from harbor_planner.analysis import CoverageResult, nearest_station, write_coverage
from harbor_planner.analysis.coverage import coverage
from harbor_planner.analysis.isochrones import isochrones
from harbor_planner.candidates import candidates_from_spec
from harbor_planner.coords import parse_crs, to_wgs84
from harbor_planner.demand import Demand, demand_from_spec
from harbor_planner.districts import chongqing_districts
from harbor_planner.errors import (
    CRSError,
    DependencyError,
    HarborPlannerError,
    InfeasibleError,
    InputDataError,
    NetworkError,
    OutputError,
    ScenarioError,
)
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
from harbor_planner.stations import StationCheck, StationPlacement, place_stations, read_stations

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
    "StationCheck",
    "StationPlacement",
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
    "snap_points",
    "to_wgs84",
    "write_coverage",
]
