"""Scenarios: one TOML file drives a whole run (config → orchestration → comparison).

``config`` reads and checks scenario files (:func:`load_scenario`), ``runner`` runs one end to
end (:func:`run`), ``compare`` puts the results of several runs side by side
(:func:`compare_runs`).
"""

from harbor_planner.scenario.compare import (
    Comparison,
    compare_runs,
    format_comparison,
    write_comparison,
)
from harbor_planner.scenario.config import (
    CentresConfig,
    CoverageConfig,
    DemandConfig,
    NetworkConfig,
    OptimizeConfig,
    OutputConfig,
    RunConfig,
    Scenario,
    StationsConfig,
    StudyConfig,
    demo_scenario_path,
    load_scenario,
    parse_override,
    scenario_from_dict,
)
from harbor_planner.scenario.runner import RunResult, run

__all__ = [
    "CentresConfig",
    "Comparison",
    "CoverageConfig",
    "DemandConfig",
    "NetworkConfig",
    "OptimizeConfig",
    "OutputConfig",
    "RunConfig",
    "RunResult",
    "Scenario",
    "StationsConfig",
    "StudyConfig",
    "compare_runs",
    "demo_scenario_path",
    "format_comparison",
    "load_scenario",
    "parse_override",
    "run",
    "scenario_from_dict",
    "write_comparison",
]
