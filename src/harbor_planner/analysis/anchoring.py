"""Stations and demand anchored on the walk network, and what the anchoring leaves out.

:func:`station_anchors` anchors the stations (those off the network said, none on it an
error); :func:`warn_wide_snapping` says what a snapping distance above the default takes in.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from harbor_planner.errors import NetworkError
from harbor_planner.network import Anchors, WalkNetwork, anchor_points
from harbor_planner.settings import COMPONENT_DROP_WARN_PCT, SNAP_MAX_DIST_M
from harbor_planner.stations.keys import station_keys

__all__ = ["station_anchors", "warn_wide_snapping"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]


def station_anchors(
    network: WalkNetwork, stations: Any, max_dist_m: float, station_id_column: str
) -> Anchors:
    """The stations anchored on the network; those off it are logged, none on it refused.

    Station ids (``station_id_column``) used twice are logged: the per-station figures stay
    by position, but a table keyed by id would mix them (new sites may reuse a station's id
    when the candidate file is the station file).
    """
    if station_id_column in stations:
        ids = stations[station_id_column]
        dup = ids.notna() & ids.astype(str).duplicated(keep=False)
        if dup.any():
            shown = ", ".join(sorted(set(ids[dup].astype(str)))[:10])
            log.warning(
                "station ids %s are used by more than one station (%s): their rows in "
                "stations.csv are told apart by position only",
                shown,
                station_id_column,
            )
    st_anchor = anchor_points(network, stations, max_dist_m=max_dist_m)
    n_on = int(st_anchor.within.sum())
    if n_on == 0:
        raise NetworkError(
            f"none of the {len(stations)} stations is within {max_dist_m:g} m of a walkable "
            "street of this network; are they in the network's area and in the right CRS "
            "(--crs gcj02 for AMap coordinates)?"
        )
    if n_on < len(stations):
        far = np.flatnonzero(~st_anchor.within)
        names = station_keys(stations, station_id_column)[far].tolist()  # no id: "row N" (19X)
        if "name" in stations:
            given = stations["name"].to_numpy(object)[far]
            names = [f"{n} ({k})" if isinstance(n, str) and n.strip() else k
                     for n, k in zip(given, names, strict=True)]  # fmt: skip
        km = (getattr(network, "source", None) or {}).get("dropped_km") or 0.0
        kept_km = float(network.edges["length_m"].sum()) / 1000
        share = 100.0 * km / max(km + kept_km, 1e-9)
        cut = (  # their street may be a piece the build dropped (probe 20A), when many were
            f"; {km:,.1f} km of streets ({share:.0f} % of the network) not connected to its "
            "largest part were dropped when it was built: a station's street may be one of "
            "them (network build --keep-all keeps them)"
            if share >= COMPONENT_DROP_WARN_PCT
            else ""
        )
        log.warning(
            "%d of %d stations are farther than %g m from any walkable street and are left out: "
            "%s%s",
            len(far),
            len(stations),
            max_dist_m,
            ", ".join(names[:10]) + (" ..." if len(names) > 10 else ""),
            cut,
        )
    return st_anchor


def warn_wide_snapping(
    max_dist_m: float, st: Anchors, dem: Anchors, weight: FloatArray, stations: Any,
    station_id_column: str,
) -> None:  # fmt: skip
    """Say what a snapping distance above the default takes in (probe 20B).

    It applies to the demand as well as the stations: points farther than the default
    from every street count as reachable by a straight walk of up to ``max_dist_m`` (across
    a river, a hill); stations that far are anchored to a street they may not face.
    """
    if max_dist_m <= SNAP_MAX_DIST_M:
        return
    far_dem = dem.within & (dem.dist_m > SNAP_MAX_DIST_M)
    if far_dem.any():
        log.warning(
            "the snapping distance %g m (stations.max_dist_m, --max-dist) applies to the demand "
            "too: %d demand points (%s of %s) %g-%g m from every walkable street count as "
            "reached by a straight walk to it, which the default (%g m) leaves beyond the "
            "network",
            max_dist_m, int(far_dem.sum()), f"{weight[far_dem].sum():,.0f}",
            f"{weight.sum():,.0f}", SNAP_MAX_DIST_M, max_dist_m, SNAP_MAX_DIST_M,
        )  # fmt: skip
    far_st = np.flatnonzero(st.within & (st.dist_m > SNAP_MAX_DIST_M))
    if len(far_st):
        keys = station_keys(stations, station_id_column)[far_st]
        shown = ", ".join(f"{k} ({st.dist_m[i]:.0f} m)" for k, i in zip(keys[:5], far_st[:5],
                                                                          strict=True))  # fmt: skip
        log.warning(
            "%d stations are farther than the default %g m from their street and are joined "
            "to it by a straight walk (up to %.0f m; a river or a hill may lie between): %s%s",
            len(far_st), SNAP_MAX_DIST_M, float(st.dist_m[far_st].max()), shown,
            " ..." if len(far_st) > 5 else "",
        )  # fmt: skip
