"""Choose the stations of given statuses (existing, building, proposed, candidate, closed)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from harbor_planner.errors import InputDataError
from harbor_planner.settings import STATUS_SELECTED
from harbor_planner.stations._common import STATUS_WORDS_HELP, status_codes

__all__ = ["select_status"]

log = logging.getLogger(__name__)


def select_status(
    stations: gpd.GeoDataFrame,
    status: Sequence[str] | str | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """The stations of the given statuses (default: all but ``closed`` and ``candidate``).

    Logs how many stations of each status are kept.

    Parameters
    ----------
    stations
        Stations from :func:`read_stations` (column ``status``; missing means no status).
    status
        Statuses to keep (see :data:`harbor_planner.settings.STATUS_VALUES`), as a list or
        comma-separated text; ``None`` keeps everything but closed stations and candidates.
        A station without a status counts as built: ``existing`` keeps it.
    path
        The station file, named in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows, index as in ``stations``.

    Raises
    ------
    InputDataError
        An unknown status, or no station left.

    """
    have = (
        stations["status"]
        if "status" in stations
        else pd.Series(None, index=stations.index, dtype=object)
    )
    if status is None:
        keep = ~have.isin(["closed", "candidate"])
    else:
        wanted, unknown = status_codes(status)  # codes, or the files' words (已建成...)
        if unknown or not wanted:
            raise InputDataError(
                f"status {', '.join(unknown) or '(empty)'}: unknown; known: {STATUS_WORDS_HELP}"
            )
        # a station without a status counts as built (as in every figure): kept with existing
        keep = have.fillna("existing").isin(wanted)
    left = have[~keep.to_numpy()].value_counts()
    if status is None and left.get("candidate", 0):  # serve counts them: said (probe 19Z)
        log.warning(
            "%d candidate station(s) (候选) left out, as by default (closed and candidate "
            "stations are not counted); count them with --status existing,building,proposed,"
            "candidate (stations.status)",
            int(left["candidate"]),
        )
    counts = have[keep].fillna("(none)").value_counts()
    log.info(
        "using %d of %d stations (%s)",
        int(keep.sum()),
        len(stations),
        ", ".join(f"{k}: {v}" for k, v in counts.items()),
    )
    kept = stations[keep.to_numpy()].copy()
    kept.attrs[STATUS_SELECTED] = True  # coverage counts its candidates without a warning
    if len(stations) == 0:  # not "none of the 0 stations read is one ..."
        raise InputDataError(
            "no stations: the station file has no valid rows (a header only, or every row "
            "rejected); add stations, or see 'harbor-planner stations check'",
            path=path,
        )
    if len(kept) == 0:
        which = (
            f"of the statuses asked for ({', '.join(wanted)}: --status, stations.status)"
            if status is not None
            else "that are not closed or candidates (the default statuses)"
        )
        has = ", ".join(f"{k}: {v}" for k, v in have.fillna("(none)").value_counts().items())
        raise InputDataError(
            f"no stations left to use: none of the {len(stations)} stations read is one {which}"
            + (f"; the file has {has}" if has else ""),
            path=path,
        )
    return kept
