"""The city-centre step of a study: coverage of the demand around each named centre."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harbor_planner.pipeline.study import Study
    from harbor_planner.scenario import Scenario

__all__ = ["measure_centres"]


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
        The centres (WGS-84 points) with the figures of
        :func:`harbor_planner.analysis.centres.centre_coverage`; ``None`` without a file.

    """
    cfg = scenario.centres
    if cfg.file is None:
        return None
    import geopandas as gpd

    from harbor_planner.analysis.centres import centre_coverage, read_centres

    centres = read_centres(cfg.file, crs=cfg.crs, radius_m=cfg.radius_m)
    table = centre_coverage(
        centres, study.coverage, metric_crs=study.network.crs, after=study.coverage_after
    )
    return gpd.GeoDataFrame(table, geometry=centres.geometry.to_numpy(), crs=centres.crs)
