"""The city-centre step of a study: coverage of the demand around each named centre."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harbor_planner.pipeline.study import Study
    from harbor_planner.scenario import Scenario

__all__ = ["measure_centres"]

log = logging.getLogger(__name__)


def measure_centres(scenario: Scenario, study: Study) -> Any:
    """Coverage around the centres of ``[centres]`` (before and, when planned, after).

    Parameters
    ----------
    scenario
        Its ``[centres]`` section (``file``, ``radius_m``, ``crs``).
    study
        A study with its network and coverage (and ``coverage_after`` when optimised).

    Returns
    -------
    geopandas.GeoDataFrame or None
        The centres (WGS-84 points) with their ``district`` (the boundaries of the district
        tables) and the figures of :func:`harbor_planner.analysis.centres.centre_coverage`;
        ``None`` without a file.

    """
    cfg = scenario.centres
    if cfg.file is None:
        return None
    import geopandas as gpd

    from harbor_planner.analysis.centres import centre_coverage, read_centres

    centres = read_centres(cfg.file, crs=cfg.crs, radius_m=cfg.radius_m)
    centres = _in_study_area(centres, study)
    if centres is None:
        return None
    table = centre_coverage(
        centres, study.coverage, metric_crs=study.network.crs, after=study.coverage_after
    )
    table.insert(1, "district", _centre_districts(scenario, study, centres))
    return gpd.GeoDataFrame(table, geometry=centres.geometry.to_numpy(), crs=centres.crs)


def _centre_districts(scenario: Scenario, study: Study, centres: Any) -> Any:
    """The district of each centre, from the same boundaries as the district tables."""
    from harbor_planner.analysis.coverage import assign_districts

    names = assign_districts(centres, study.districts, scenario.coverage.district_column)
    return names.to_numpy(dtype=object)


def _in_study_area(centres: Any, study: Study) -> Any:
    """The centres inside the study area (all without one); the others are named in the log.

    A centre outside the study area would be reported on the sliver of the study's demand
    within its radius (e.g. 江北嘴 in a Yuzhong study: 196 m of street, "100 %").
    """
    area = getattr(study, "study_area", None)
    if area is None:
        return centres
    inside = area.covers(centres)
    if not inside.all():
        left = ", ".join(str(n) for n in centres.loc[~inside, "name"])
        log.warning("city centres outside the study area %s left out: %s", area.label, left)
    if not inside.any():
        log.warning("no city centre of the file lies in the study area %s", area.label)
        return None
    return centres[inside].reset_index(drop=True)
