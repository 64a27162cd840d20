"""Coverage by station status: built stations first, then with those under construction, proposed.

A planner publishes what the built stations (已建成) give; stations under construction (在建)
and proposed ones (拟建) stand beside that figure, never inside it unannounced. The scopes are
cumulative in :data:`harbor_planner.settings.STATUS_SCOPE_ORDER`: built → + building →
+ proposed (→ + candidates, when a run selects them). Stations without a status count as built.

No new routing: the coverage step already lists every (demand point, station) pair within the
walking limit (:func:`harbor_planner.analysis.redundancy.station_pairs`); the earliest scope
that covers a point is the minimum of its stations' scope numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from harbor_planner.errors import InputDataError
from harbor_planner.settings import STATUS_SCOPE_ORDER, STATUS_VALUES, status_label

__all__ = [
    "BUILT_SCOPE",
    "demand_scope",
    "has_status",
    "scope_figures",
    "scope_label",
    "station_scopes",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Scope number of the built stations (and of stations without a status).
BUILT_SCOPE = 0


def has_status(stations: Any) -> bool:
    """Whether any station has a status (without one, every station counts as built)."""
    if "status" not in getattr(stations, "columns", ()):
        return False
    return bool(stations["status"].astype("string").str.strip().fillna("").ne("").any())


def station_scopes(stations: Any) -> IntArray:
    """The scope number of each station: its position in ``STATUS_SCOPE_ORDER``.

    Parameters
    ----------
    stations
        Stations with an optional ``status`` column (normalised values; another value is an
        error).

    Returns
    -------
    numpy.ndarray
        0 for built stations and stations without a status, 1 for ``building``,
        2 for ``proposed``, 3 for ``candidate``.

    """
    n = len(stations)
    if "status" not in getattr(stations, "columns", ()):
        return np.zeros(n, dtype=np.int64)
    order = {s: k for k, s in enumerate(STATUS_SCOPE_ORDER)}
    status = stations["status"].astype("string").str.strip().str.lower()
    unknown = status.notna() & (status != "") & ~status.isin([*order, "closed"])
    if unknown.any():  # an empty status counts as built; a status we do not know is no status
        values = ", ".join(sorted(map(repr, set(status[unknown]))))
        raise InputDataError(
            f"station status {values} is not one of {', '.join(STATUS_VALUES)}; "
            "read_stations maps the Chinese ones (已建成, 在建, 拟建 ...)"
        )
    return status.map(order).fillna(BUILT_SCOPE).to_numpy(np.int64)


def demand_scope(
    pairs: tuple[IntArray, IntArray],
    scopes: IntArray,
    covered: BoolArray,
) -> IntArray:
    """The first scope that covers each demand point (``-1``: not covered).

    Parameters
    ----------
    pairs
        Demand and station positions of every station reaching a point within the limit.
    scopes
        :func:`station_scopes` of the stations.
    covered
        Whether each point is covered by the selected stations (the headline's test).

    Returns
    -------
    numpy.ndarray
        Per demand point, the smallest scope number among the stations reaching it.

    """
    d_i, s_j = pairs
    first = np.full(len(covered), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, d_i, scopes[s_j])
    # a covered point no pair lists (rounding at the limit) counts in the widest scope present
    widest = int(scopes.max()) if len(scopes) else BUILT_SCOPE
    first = np.where(covered & (first > widest), widest, first)
    return np.where(covered, first, -1)


def scope_label(scope: int, present: list[int], lang: str = "zh") -> str:
    """The label of a cumulative scope: "已建成", "含在建", "含在建、拟建" ...

    Parameters
    ----------
    scope
        The scope number.
    present
        The scope numbers of the selected stations (sorted).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    if scope == BUILT_SCOPE:
        return status_label("existing", lang)
    added = [status_label(STATUS_SCOPE_ORDER[k], lang) for k in present if 0 < k <= scope]
    if lang == "zh":
        return "含" + "、".join(added)
    return "with " + ", ".join(added)


def scope_figures(
    stations: Any, weight: npt.NDArray[np.float64], first_scope: IntArray
) -> dict[str, Any]:
    """``coverage_built_pct`` and ``coverage_by_status`` of the coverage summary.

    Parameters
    ----------
    stations
        The selected stations (``status``).
    weight
        Weight of each demand point.
    first_scope
        :func:`demand_scope` of each demand point.

    Returns
    -------
    dict
        ``coverage_built_pct`` (coverage by the built stations alone) and
        ``coverage_by_status``: one entry per cumulative scope present (built first, always),
        each ``{"statuses", "label", "label_en", "stations", "demand_covered",
        "coverage_pct"}``; the last entry is the coverage by every selected station.

    """
    scopes = station_scopes(stations)
    present = sorted({BUILT_SCOPE, *scopes.tolist()})
    total = float(weight.sum())
    entries = []
    for k in present:
        covered = float(weight[(first_scope >= 0) & (first_scope <= k)].sum())
        statuses = [s for j, s in enumerate(STATUS_SCOPE_ORDER) if j <= k and (j in present)]
        entries.append(
            {
                "statuses": statuses,
                "label": scope_label(k, present, "zh"),
                "label_en": scope_label(k, present, "en"),
                "stations": int((scopes <= k).sum()),
                "demand_covered": round(covered, 3),
                "coverage_pct": round(100.0 * covered / total, 2) if total > 0 else None,
            }
        )
    # without any status given, no figure is "by built stations": every station counts as
    # built, and the figures say so rather than label them 已建成
    given = has_status(stations)
    return {
        "coverage_built_pct": entries[0]["coverage_pct"],
        "coverage_by_status": entries if given else [],
    }
