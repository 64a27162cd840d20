"""Distances of point readings to the walk network, and how much of a fit chance explains.

The datum guard (:mod:`harbor_planner.stations.datum`) reads a point file in each lon/lat
datum; a reading shifted as far as a datum moves the points but in another direction (a decoy:
a reading of no datum) measures how often a shifted reading lands near a street by chance in a
dense centre, so that a fit chance explains is a warning, not a refusal (probes 24D, 24W).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from harbor_planner.settings import (
    DATUM_MIXED_DECOY_ANGLES,
    DATUM_MIXED_MIN_ROWS,
    DATUM_MIXED_POWER_M,
    DATUM_MIXED_SETBACK_M,
    DATUM_ROW_GAIN_M,
    DATUM_ROW_RATIO,
    SNAP_MAX_DIST_M,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["chance", "decoy_distances", "far_rows", "fits", "paired_chance", "street_distances"]


def street_distances(network: WalkNetwork, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distances in metres from WGS-84 points to the nearest walkable edge (no limit)."""
    import geopandas as gpd

    from harbor_planner.network import snap_points

    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return np.asarray(snap_points(network, pts, max_dist_m=1e12).edge_dist_m, dtype=float)


def fits(base: np.ndarray, other: np.ndarray, *, off_street: bool = False) -> np.ndarray:
    """Whether each row lies much closer to a street in another reading than as stated.

    :data:`~harbor_planner.settings.DATUM_ROW_RATIO` times and
    :data:`~harbor_planner.settings.DATUM_ROW_GAIN_M` metres closer. ``off_street``: a row
    farther than :data:`~harbor_planner.settings.SNAP_MAX_DIST_M` from every street as stated
    (left out of the figures, and named, anyway) counts only when the other reading puts it
    within :data:`~harbor_planner.settings.DATUM_MIXED_POWER_M` of a street (probe 23E: bus
    stops beyond a district's extract, where a shifted reading lands 50-100 m from an edge
    street by chance, refused a correct list).
    """
    with np.errstate(invalid="ignore"):
        fit = (base - other >= DATUM_ROW_GAIN_M) & (other * DATUM_ROW_RATIO <= base)
        if off_street:
            fit &= ~((base > SNAP_MAX_DIST_M) & (other > DATUM_MIXED_POWER_M))
    return fit


def chance(
    network: WalkNetwork,
    readings: dict[str, tuple[np.ndarray, np.ndarray]],
    distances: dict[str, np.ndarray],
    stated: str,
    datum: str,
) -> tuple[float, float]:
    """How likely as many rows fit ``datum`` by chance, and how many are expected to.

    Only a row set back from its street (a stated distance of
    :data:`~harbor_planner.settings.DATUM_ROW_GAIN_M` to
    :data:`~harbor_planner.settings.DATUM_MIXED_SETBACK_M`) is taken to fit by chance: each
    is shifted as far as ``datum``'s reading moves it, turned by each of
    :data:`~harbor_planner.settings.DATUM_MIXED_DECOY_ANGLES` (decoy readings, of no datum),
    and the rows fitting ``datum`` (:func:`fits`) are set against a binomial over the set-back
    rows at the rate they fit the decoys (one fit added, so the rate is never 0). A row
    farther from every street as stated that fits is no chance. Rows fitting more often
    than others only narrow the true spread (Hoeffding): the chance is if anything overstated.
    """
    base = distances[stated]
    k = int(np.sum(fits(base, distances[datum], off_street=True)))
    with np.errstate(invalid="ignore"):
        back = (base >= DATUM_ROW_GAIN_M) & (base <= DATUM_MIXED_SETBACK_M)
    n = int(back.sum())
    if not k or k > n:  # none fits, or more than the set-back rows: no chance
        return float(not k), 0.0
    dec = decoy_distances(network, readings, stated, datum, back)
    hits = int(np.sum(fits(base[back][np.newaxis, :], dec)))
    rate = (hits + 1) / (dec.size + 1)
    from scipy.stats import binom

    return float(binom.sf(k - 1, n, rate)), rate * n


def decoy_distances(
    network: WalkNetwork,
    readings: dict[str, tuple[np.ndarray, np.ndarray]],
    stated: str,
    datum: str,
    rows: np.ndarray,
) -> np.ndarray:
    """Distances to a street of decoy readings of ``rows``: one row per decoy.

    Each row shifted as far as ``datum``'s reading moves it from the stated one, turned by
    each of :data:`~harbor_planner.settings.DATUM_MIXED_DECOY_ANGLES` (readings of no datum).
    """
    (x0, y0), (x1, y1) = (np.asarray(v)[:, rows] for v in (readings[stated], readings[datum]))
    scale = np.cos(np.radians(y0))  # degrees of longitude to degrees of latitude, locally
    dx, dy = (x1 - x0) * scale, y1 - y0
    out = []
    for angle in np.radians(DATUM_MIXED_DECOY_ANGLES):
        c, s = np.cos(angle), np.sin(angle)
        out.append(street_distances(network, x0 + (dx * c - dy * s) / scale, y0 + dx * s + dy * c))
    return np.array(out).reshape(len(out), -1)


def paired_chance(
    network: WalkNetwork,
    readings: dict[str, tuple[np.ndarray, np.ndarray]],
    distances: dict[str, np.ndarray],
    stated: str,
    datum: str,
) -> float:
    """How likely ``datum``'s reading beats its decoys (:func:`decoy_distances`) as it does.

    Per row, the share of decoys nearer a street than ``datum``'s reading (ties half); by
    chance a uniform share, 0.5 on average with variance (K + 2) / 12K for K decoys. The
    chance of so low a mean (normal), times the other datums tried.
    """
    here, other = distances[stated], distances[datum]
    rows = np.isfinite(here) & np.isfinite(other)
    n = int(rows.sum())
    if not n:
        return 1.0
    dec = decoy_distances(network, readings, stated, datum, rows)
    k = dec.shape[0]
    share = (np.sum(dec < other[rows], 0) + 0.5 * np.sum(dec == other[rows], 0)) / k
    z = (0.5 - float(share.mean())) / np.sqrt((k + 2) / (12 * k) / n)
    from scipy.stats import norm

    return float(norm.sf(z)) * (len(distances) - 1)


def far_rows(
    network: WalkNetwork,
    readings: dict[str, tuple[np.ndarray, np.ndarray]],
    distances: dict[str, np.ndarray],
    stated: str,
) -> tuple[str, int, int, float, float] | None:
    """Rows beyond reach as stated that another reading puts at a street, against chance.

    Rows over :data:`~harbor_planner.settings.SNAP_MAX_DIST_M` from every street as stated
    (off the network: left out of the walks) that another datum puts within
    :data:`~harbor_planner.settings.DATUM_MIXED_SETBACK_M` of one (a station pushed into
    the Yangtze by the wrong datum), when more than the rows it takes the other way round
    and at least :data:`~harbor_planner.settings.DATUM_MIXED_MIN_ROWS`: ``(datum, rows,
    rows the other way, chance, rows expected)``, the chance a binomial at the rate decoy
    readings (:func:`decoy_distances`) bring the same rows that near, times the datums tried.
    """
    base, best = distances[stated], None
    with np.errstate(invalid="ignore"):
        far = base > SNAP_MAX_DIST_M
        near = base <= DATUM_MIXED_SETBACK_M
    for datum, other in distances.items():
        with np.errstate(invalid="ignore"):
            k = int(np.sum(far & (other <= DATUM_MIXED_SETBACK_M)))
            lost = int(np.sum(near & (other > SNAP_MAX_DIST_M)))
        if datum == stated or k < DATUM_MIXED_MIN_ROWS or k <= lost:
            continue
        dec = decoy_distances(network, readings, stated, datum, far)
        rate = (int(np.sum(dec <= DATUM_MIXED_SETBACK_M)) + 1) / (dec.size + 1)
        from scipy.stats import binom

        p = float(binom.sf(k - 1, int(far.sum()), rate)) * (len(distances) - 1)
        if best is None or p < best[3]:
            best = (datum, k, lost, p, rate * int(far.sum()))
    return best
