"""From GeoDataFrames to chosen sites in one call (the adapter over matrix → select).

Like spopt's ``from_geodataframe``: :func:`plan_sites` turns stations, demand and candidate
sites into the coverage matrix and hands it to :func:`~.select.select_sites`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from harbor_planner.optimize.matrix import CoverageMatrix, coverage_matrix
from harbor_planner.optimize.output import selected_sites
from harbor_planner.optimize.select import SiteSelection, select_sites
from harbor_planner.settings import CANDIDATE_SPACING_M, MINUTES, SNAP_MAX_DIST_M

__all__ = ["SitePlan", "plan_sites"]


@dataclass(frozen=True)
class SitePlan:
    """New sites chosen for a network, with what they were chosen from.

    Attributes
    ----------
    candidates
        The candidate sites (metric CRS), with ``district``.
    matrix
        The coverage matrix.
    selection
        The :class:`~.select.SiteSelection`.
    sites
        The chosen sites in WGS-84, rank order (:func:`~.output.selected_sites`).

    """

    candidates: Any = field(repr=False)
    matrix: CoverageMatrix = field(repr=False)
    selection: SiteSelection
    sites: Any = field(repr=False)


def plan_sites(
    network: Any,
    stations: Any,
    demand: Any,
    *,
    candidates: str | os.PathLike[str] | Any = "auto",
    candidates_crs: str | None = None,
    candidate_spacing_m: float = CANDIDATE_SPACING_M,
    poi_files: Sequence[str] = (),
    districts: Any | None = None,
    district_column: str | None = None,
    minutes: float = MINUTES,
    max_dist_m: float = SNAP_MAX_DIST_M,
    min_spacing_m: float | None = None,
    spacing: Literal["line", "walk"] = "line",
    progress: bool | None = None,
    **select: Any,
) -> SitePlan:
    """Choose new sites: candidates → coverage matrix → :func:`~.select.select_sites`.

    Parameters
    ----------
    network, stations, demand
        The walk network, the existing stations (kept, never moved) and the demand.
    candidates
        ``"auto"`` (street sites and POIs), a candidate file in any station format, or a
        GeoDataFrame of candidate points.
    candidates_crs, candidate_spacing_m, poi_files
        As for :func:`harbor_planner.candidates.candidates_from_spec`.
    districts, district_column
        District polygons naming each candidate's district (default Chongqing's 区县), for
        quotas and tables.
    minutes, max_dist_m
        Walking-time limit and the largest distance of a site from the network.
    min_spacing_m, spacing
        Minimum distance between stations, straight (``"line"``) or on foot (``"walk"``).
    progress
        Progress bars (``None``: on terminals).
    **select
        The other options of :func:`~.select.select_sites` (``n_add``, ``mode``,
        ``target_pct``, ``solver``, ``quotas``, ``stages``...).

    Returns
    -------
    SitePlan

    """
    from harbor_planner.analysis.coverage import assign_districts
    from harbor_planner.candidates import candidates_from_spec

    if isinstance(candidates, str | os.PathLike):
        candidates = candidates_from_spec(
            str(candidates),
            network=network,
            crs=candidates_crs,
            spacing_m=candidate_spacing_m,
            poi_files=poi_files,
        )
    candidates = candidates.assign(
        district=assign_districts(candidates, districts, district_column).to_numpy()
    )
    cm = coverage_matrix(
        network,
        candidates,
        demand,
        minutes=minutes,
        existing=stations,
        max_dist_m=max_dist_m,
        candidate_district=candidates["district"].to_numpy(),
        walk_spacing_m=min_spacing_m if spacing == "walk" else None,
        progress=progress,
    )
    selection = select_sites(cm, min_spacing_m=min_spacing_m, spacing=spacing, **select)
    return SitePlan(
        candidates=candidates,
        matrix=cm,
        selection=selection,
        sites=selected_sites(selection, candidates, network=network),
    )
