"""The steps of a study, shared by ``harbor-planner run`` and the single-purpose commands.

Every step takes the :class:`~harbor_planner.scenario.Scenario` (the commands ``coverage``,
``optimize``, ``isochrones`` and ``map`` turn their options into one) and the results of
earlier steps::

    load_stations ─┐
    load_network ──┼─ load_demand ─ measure_coverage ─┬─ plan ─ coverage_after
    load_districts ┘                                  ├─ exit_candidates
                                                      └─ map_isochrones ─ write_results

:func:`run_study` runs them in that order, each inside a step of the caller's (the scenario
runner times and logs them); :func:`write_results` writes the result folder.

``inputs`` reads, ``analysis`` measures and plans, ``results`` writes files and headlines,
``study`` runs the steps in order. The analysis and output modules (coverage, isochrones,
outputs, maps) are imported in ``analysis`` and ``results`` only (inside the functions), so
that the commands and the runner do not depend on where they live.
"""

from harbor_planner.pipeline.analysis import (
    built_on_network,
    coverage_after,
    exit_candidates,
    map_isochrones,
    measure_coverage,
    plan,
    plan_figures,
    station_isochrones,
    with_sites,
)
from harbor_planner.pipeline.inputs import (
    check_candidates_datum,
    check_stations_datum,
    load_demand,
    load_districts,
    load_network,
    load_stations,
)
from harbor_planner.pipeline.results import (
    EXIT_CANDIDATES_FILE,
    coverage_headline,
    exit_candidates_headline,
    plan_headline,
    read_sites,
    result_files,
    split_timings,
    study_context,
    study_inputs,
    write_json,
    write_map,
    write_results,
)
from harbor_planner.pipeline.sensitivity import pct_with_range, with_sensitivity
from harbor_planner.pipeline.study import (
    Step,
    Study,
    centres_figures,
    check_datums,
    run_study,
    study_summary,
)

__all__ = [
    "EXIT_CANDIDATES_FILE",
    "Step",
    "Study",
    "built_on_network",
    "centres_figures",
    "check_candidates_datum",
    "check_datums",
    "check_stations_datum",
    "coverage_after",
    "coverage_headline",
    "exit_candidates",
    "exit_candidates_headline",
    "load_demand",
    "load_districts",
    "load_network",
    "load_stations",
    "map_isochrones",
    "measure_coverage",
    "pct_with_range",
    "plan",
    "plan_figures",
    "plan_headline",
    "read_sites",
    "result_files",
    "run_study",
    "split_timings",
    "station_isochrones",
    "study_context",
    "study_inputs",
    "study_summary",
    "with_sensitivity",
    "with_sites",
    "write_json",
    "write_map",
    "write_results",
]
