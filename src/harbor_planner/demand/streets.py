"""Main-street demand: points every ≤ 50 m along the main streets, weighted by length."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from harbor_planner._validate import check_positive
from harbor_planner.demand._common import points_frame, to_wgs84_points
from harbor_planner.demand.model import Demand, log_demand
from harbor_planner.errors import InputDataError
from harbor_planner.resources import check_memory, format_count, street_points_bytes
from harbor_planner.settings import (
    MAX_GRADE_PCT,
    OSM_HIGHWAY_VALUES,
    STREET_SPACING_M,
    road_class,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["MAIN_STREET_CLASSES", "main_street_demand", "street_class_problem"]

log = logging.getLogger(__name__)

#: OSM ``highway`` values counted as main streets (主要街道): the classified road hierarchy from
#: trunk to tertiary with their link roads, and pedestrian streets (步行街, e.g. 解放碑). Not
#: included: motorways (not walkable), ``residential``, ``unclassified``, ``service``,
#: ``living_street`` (estate and back streets) and footpaths. Edit with ``classes=``.
MAIN_STREET_CLASSES: tuple[str, ...] = (
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "pedestrian",
)
#: The classified roads that have ``*_link`` ramps in OSM.
MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")


def street_class_problem(classes: Sequence[str] | str | None) -> str | None:
    """Why ``classes`` hold a misspelled road class (``primray``), ``None`` when they do not.

    Any ``highway`` value a network holds may be a main street (a planner's own words too),
    so only a word close to a known class and not one itself is refused, with the class
    meant (probe 25E: ``--main-street-classes primray`` was exit 3 "no main streets", the
    option unnamed, where ``--max-grade primray=8`` names it). Every OSM ``highway`` value
    (:data:`~harbor_planner.settings.OSM_HIGHWAY_VALUES`) is a class (probe 26R:
    ``services`` was refused as a misspelling of ``service``).

    Parameters
    ----------
    classes
        The classes as given (``demand.main_street_classes``).

    Returns
    -------
    str or None

    """
    import difflib

    if classes is None:
        return None
    known = [*MAX_GRADE_PCT, *(f"{c}_link" for c in MAIN_ROADS), "steps", "elevator"]
    items = classes.split(",") if isinstance(classes, str) else list(classes)
    for word in (road_class(c) for c in items if str(c).strip()):
        if word in OSM_HIGHWAY_VALUES:
            continue
        close = difflib.get_close_matches(word, sorted(OSM_HIGHWAY_VALUES), n=1, cutoff=0.8)
        if close:
            return (
                f"unknown road class {word!r} (did you mean {close[0]}?); known: "
                f"{', '.join(known)} (or another OSM highway value, or a class the network's own "
                "layer names)"
            )
    return None


def _warn_absent_classes(wanted: tuple[str, ...], highway: pd.Series) -> None:
    """Say which classes given (not the defaults) match no street: a misspelling, as a rule.

    Probe 20R: ``--main-street-classes primary,secondry`` dropped ``secondry`` silently.
    """
    if wanted == _as_classes(MAIN_STREET_CLASSES):
        return
    have = set(highway.dropna().unique())
    absent = [c for c in wanted if c not in have]
    if absent:
        log.warning(
            "main-street classes %s match no street of the network (misspelled?); its classes: %s",
            ", ".join(absent),
            ", ".join(sorted(have)[:20]) or "none",
        )


def _as_classes(classes: Sequence[str] | str) -> tuple[str, ...]:
    items = classes.split(",") if isinstance(classes, str) else list(classes)
    # 主干路, 次干路 as the classes they stand for (primary, secondary: settings.road_class)
    out = tuple(dict.fromkeys(road_class(c) for c in items if str(c).strip()))
    if not out:
        raise InputDataError(
            "classes of main streets must name at least one OSM highway value, e.g. "
            + ",".join(MAIN_STREET_CLASSES)
        )
    return out


def main_street_demand(
    network: WalkNetwork,
    *,
    classes: Sequence[str] | str = MAIN_STREET_CLASSES,
    spacing_m: float = STREET_SPACING_M,
    off_ground: bool = True,
) -> Demand:
    """Sample points along the main streets of a walk network, weighted by length.

    Each edge whose ``highway`` is in ``classes`` (length ``L``) is cut into
    ``n = max(1, ceil(L / spacing_m))`` equal pieces and gets one point at the middle of each
    piece, weighted ``L / n`` metres. So no piece is longer than ``spacing_m``, a 120 m edge
    at 50 m gives 3 points of 40 m, an edge shorter than ``spacing_m`` one point weighted by
    its length, and the weights sum exactly to the main-street length of the network.

    Lengths are those of the walk network: a dual carriageway mapped as two one-way ways
    counts twice (as does a street with separately mapped sidewalks, when the sidewalks are
    footways they are not counted at all). Planners comparing with a road register of street
    kilometres should expect the network figure to be higher on such streets.

    Parameters
    ----------
    network
        The walk network; edges are read from ``network.edges`` (``highway``, ``name``,
        ``length_m``) and ``network.edge_geometry`` (metres).
    classes
        OSM ``highway`` values counted as main streets (a sequence, or one comma-separated
        string); default :data:`MAIN_STREET_CLASSES`.
    spacing_m
        Largest distance between consecutive points along an edge, metres.
    off_ground
        Count main streets on bridges, in tunnels and on other layers (``off_ground``
        edges; default). ``False`` leaves them out: a worker does not wait for a rest
        station in a road tunnel or on a river bridge. Either way ``info`` says how much of
        the length they are (``off_ground_km``).

    Returns
    -------
    Demand
        Kind ``main-streets``, unit ``"m of main street"``; columns ``demand_id``
        (``"e{edge}_{piece}"``), ``weight``, ``edge``, ``edge_frac``, ``highway``, ``name``.
        ``info`` holds ``classes``, ``spacing_m``, ``edges``, ``length_km`` and
        ``length_km_by_class``.

    Raises
    ------
    InputDataError
        ``spacing_m`` is not positive, or the network has no edge of these classes (the
        message lists the classes it has).

    """
    spacing = check_positive("spacing_m", spacing_m, unit="metres")
    wanted = _as_classes(classes)
    edges = network.edges
    highway = edges["highway"].astype("str").str.strip().str.lower()
    is_main = highway.isin(wanted).to_numpy()
    _warn_absent_classes(wanted, highway)
    lifted = (
        edges["off_ground"].to_numpy(bool) if "off_ground" in edges else np.zeros(len(edges), bool)
    )
    off_km = float(edges["length_m"].to_numpy(np.float64)[is_main & lifted].sum() / 1000)
    sel = np.flatnonzero(is_main if off_ground else is_main & ~lifted)
    if sel.size == 0:
        by_class = edges.groupby(highway.fillna("(none)"))["length_m"].sum()
        have = ", ".join(
            f"{k} ({v / 1000:.1f} km)" for k, v in by_class.sort_values(ascending=False).items()
        )
        raise InputDataError(
            f"the walk network has no main streets (highway = {', '.join(wanted)}); its ways "
            f"are {have or 'none'}. Choose other classes (--main-street-classes, "
            "demand.main_street_classes), or another demand such as grid:100 or buildings:FILE"
        )
    length = edges["length_m"].to_numpy(np.float64)[sel]
    n_float = np.maximum(1.0, np.ceil(length / spacing - 1e-9))
    check_memory(
        street_points_bytes(float(n_float.sum())),
        f"main-street demand every {spacing:g} m ({format_count(n_float.sum())} points along "
        f"{length.sum() / 1000:,.1f} km)",
        "demand.spacing_m (--spacing)",
    )
    n = n_float.astype(np.int64)
    edge = np.repeat(sel, n)
    start = np.repeat(np.cumsum(n) - n, n)
    piece = np.arange(edge.size, dtype=np.int64) - start
    count = np.repeat(n, n)
    frac = (piece + 0.5) / count
    weight = np.repeat(length / n, n)
    pts = shapely.line_interpolate_point(network.edge_geometry[edge], frac, normalized=True)
    geometry = to_wgs84_points(shapely.get_coordinates(pts), network.crs)
    ids = "e" + pd.Series(edge).astype(str) + "_" + pd.Series(piece).astype(str)
    points = points_frame(
        {
            "demand_id": ids.to_numpy(dtype=object),
            "weight": weight,
            "edge": edge,
            "edge_frac": frac,
            "highway": highway.to_numpy(dtype=object)[edge],
            "name": edges["name"].to_numpy(dtype=object)[edge],
        },
        geometry,
    )
    by_class = pd.Series(length).groupby(highway.to_numpy()[sel]).sum() / 1000
    info = {
        "classes": list(wanted),
        "spacing_m": spacing,
        "edges": int(sel.size),
        "length_km": float(length.sum() / 1000),
        "length_km_by_class": {str(k): float(v) for k, v in by_class.items()},
        "off_ground": bool(off_ground),
        "off_ground_km": off_km,
    }
    demand = Demand("main-streets", "main-streets", points, "m of main street", None, info)
    return log_demand(
        demand,
        f"{len(points):,} points every ≤ {spacing:g} m along {info['length_km']:,.1f} km of "
        f"main streets ({sel.size:,} edges of {', '.join(sorted(by_class.index))}); "
        + (
            f"{off_km:,.1f} km of them on bridges, in tunnels or on other layers"
            if off_ground
            else f"{off_km:,.1f} km on bridges, in tunnels or on other layers left out"
        ),
    )
