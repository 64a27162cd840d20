"""Checks of line layers that say when a layer is not what it claims.

* :func:`check_projected`: projected coordinates that lie nowhere in their stated CRS (a
  Gauss-Krüger easting in the other zone naming);
* :func:`warn_outside_chongqing`: lines that lie far outside Chongqing (a wrong CRS that still
  gives positions);
* :func:`warn_near_misses`: line ends that stop just short of another line (undershoots);
* :func:`warn_overlaps`: lines on one level that overlap (a street drawn twice);
* :func:`warn_odd_values`: bridge, tunnel, layer and conveying values not known.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from harbor_planner.errors import CRSError
from harbor_planner.network._ways import flag_set, layer_numbers, odd_flag_values, oneway_sense

__all__ = [
    "CONVEYING_VALUES",
    "NEAR_MISS_M",
    "check_projected",
    "warn_near_misses",
    "warn_odd_values",
    "warn_outside_chongqing",
    "warn_overlaps",
]

log = logging.getLogger(__name__)


def check_projected(xy: np.ndarray, crs: Any, path: Path) -> None:
    """Refuse projected coordinates that lie nowhere in their stated CRS.

    Probe 23N: Gauss-Krüger metres of one naming (the zone number in front, EPSG:4513-4533)
    stated in the other (EPSG:4534-4554), or the reverse, became "cannot choose a UTM zone:
    no finite coordinates", naming neither the file nor the fix.
    """
    import pyproj

    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        xy[:, 0], xy[:, 1]
    )
    if (np.isfinite(lon) & np.isfinite(lat)).any():
        return
    x, y = xy[0]
    raise CRSError(
        f"coordinates such as ({x:.10g}, {y:.10g}) lie nowhere in the layer's stated CRS "
        f"{crs.name}: set its true CRS (Gauss-Krüger eastings with the zone number in front, "
        "e.g. 36xxxxxx, are 'CGCS2000 / 3-degree Gauss-Kruger zone NN', EPSG:4513-4533; "
        "without it 'CGCS2000 / 3-degree Gauss-Kruger CM NNNE', EPSG:4534-4554)",
        path=path,
    )


#: Lines whose middle lies farther than this outside Chongqing are warned of.
_OUTSIDE_CHONGQING_M = 20_000.0


def warn_outside_chongqing(lon: np.ndarray, lat: np.ndarray, frames: list[Any], what: str) -> None:
    """Warn when the lines lie beyond Chongqing: a wrong CRS that still gives positions.

    Probe 23N: Gauss-Krüger metres of zone CM 105 stated as CM 108 built a network 290 km
    east without a word; the stations then "were not near any street".
    """
    import geopandas as gpd

    from harbor_planner.districts import locate_districts

    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return
    mx, my = float(np.median(lon[ok])), float(np.median(lat[ok]))
    _, outside = locate_districts(gpd.GeoSeries(gpd.points_from_xy([mx], [my]), crs=4326))
    if not float(outside.iloc[0]) > _OUTSIDE_CHONGQING_M:
        return
    log.warning(
        "%s lie around lon %.3f, lat %.3f, %.0f km outside Chongqing (CRS %s): if they should "
        "be in Chongqing, the layer's CRS is wrong (a Gauss-Krüger zone one off moves them "
        "about 290 km); set its true CRS",
        what, mx, my, float(outside.iloc[0]) / 1000,
        ", ".join(sorted({str(f.crs) for f in frames})),
    )  # fmt: skip


#: Line ends this close to another line of their level, but beyond the snapping tolerance,
#: are counted as undershoots that stay apart.
NEAR_MISS_M = 5.0


def warn_near_misses(
    geoms: np.ndarray,
    levels: np.ndarray,
    tol: float,
    what: str,
    noded: np.ndarray | None = None,
    loose: np.ndarray | None = None,
) -> None:
    """Say how many line ends stop just short of another line and stay apart.

    ``noded`` lines (the network's own export) stayed apart in the network, unless at their
    ``loose`` ends (first vertices, then last: moved off their junction in QGIS, 26R3).

    Probe 23N: ends pulled back 1.5-3 m (a digitising undershoot, the commonest CAD slip)
    stayed apart without a word (walks up to 6 min longer), where crossings are warned of.
    At INFO when few (OSM's Geofabrik roads of Yuzhong, Jiangbei, Nan'an: 37-55 ends, about
    1-2.5 % of their lines), a warning when at least 5 % of the lines (and 20) end so.
    """
    if tol >= NEAR_MISS_M or not len(geoms):
        return
    ends = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
    owner = np.concatenate([np.arange(len(geoms))] * 2)
    e, g = shapely.STRtree(geoms).query(ends, predicate="dwithin", distance=NEAR_MISS_M)
    other = (owner[e] != g) & (levels[owner[e]] == levels[g])
    if noded is not None:  # the network's own export: its lines stayed apart in the network
        fixed = noded[owner] & (~loose if loose is not None else True)
        other &= ~(fixed[e] & noded[g])
    e, g = e[other], g[other]
    nearest = np.full(len(ends), np.inf)
    np.minimum.at(nearest, e, shapely.distance(ends[e], geoms[g]))
    n = int(((nearest > tol) & (nearest <= NEAR_MISS_M)).sum())
    if not n:
        return
    many = n >= max(20, 0.05 * len(geoms))
    log.log(
        logging.WARNING if many else logging.INFO,
        "%s: %d line ends stop %g-%g m short of another line and stay apart (digitising "
        "undershoots?); a walk goes round them: if they should meet, give a larger "
        "--snap-tolerance (network.snap_tolerance_m, now %g m)",
        what, n, tol, NEAR_MISS_M, tol,
    )  # fmt: skip


#: Lines on one level sharing more than this many metres overlap (a street drawn twice).
OVERLAP_MIN_M = 5.0


def warn_overlaps(
    geoms: np.ndarray, levels: np.ndarray, what: str, means: np.ndarray | None = None
) -> None:
    """Say how much of the lines overlaps another line of their level.

    Exact copies are read once (``_not_copies``); a copy with other vertices (a densified
    one, two departments' layers merged) or half a street drawn again counted twice in the
    main streets' length and demand without a word (probe 23N: +21.7 km, +8.6 % weight). A
    warning when the overlaps are 1 % of the lines' length or more (OSM's Geofabrik roads of
    Yuzhong: 0.55 km of 380, at INFO). Lines walked by other ``means`` (an escalator beside
    its stairway: ``lines._means``) are no copies.
    """
    if len(geoms) < 2:
        return
    tree = shapely.STRtree(geoms)
    pairs = [tree.query(geoms, predicate=p) for p in ("overlaps", "covered_by")]
    a = np.concatenate([q[0] for q in pairs])  # covered_by: a copy with other vertices,
    b = np.concatenate([q[1] for q in pairs])  # or a part of a street drawn again
    a, b = np.minimum(a, b), np.maximum(a, b)
    a, b = np.unique(np.c_[a, b], axis=0).T if len(a) else (a, b)
    keep = (a < b) & (levels[a] == levels[b])
    if means is not None:
        keep &= means[a] == means[b]
    a, b = a[keep], b[keep]
    if not len(a):
        return
    shared = shapely.length(shapely.intersection(geoms[a], geoms[b]))
    big = shared > OVERLAP_MIN_M
    if not big.any():
        return
    km, total_km = float(shared[big].sum()) / 1000, float(shapely.length(geoms).sum()) / 1000
    log.log(
        logging.WARNING if km >= 0.01 * total_km else logging.INFO,
        "%s: %d pairs of lines on the same level overlap for %.1f km of %.0f km (a street "
        "drawn twice with other vertices, or a square's outline along its footways?): the "
        "overlapping parts are walkable twice, and on main streets count twice in their "
        "length and demand; remove one copy",
        what, int(big.sum()), km, total_km,
    )  # fmt: skip


def warn_odd_values(tags: pd.DataFrame, what: str) -> None:
    """Say the bridge/tunnel/layer values read without being known (probe 20R).

    A planner's word for "no" the tool does not know made every line a bridge (coverage of
    buildings 87.4 -> 34.8 %); a 层级 in words it does not know is level 0.
    """
    found = []
    for col in ("bridge", "tunnel"):
        if col in tags.columns:
            odd = odd_flag_values(tags[col])
            found += [f"{col} {k!r} ({n} lines, read as {col})" for k, n in odd.head(5).items()]
    if "layer" in tags.columns:
        odd = layer_numbers(tags["layer"])[1]
        found += [f"layer {k!r} ({n} lines, read as 0)" for k, n in odd.head(5).items()]
    if "conveying" in tags.columns:
        found += _odd_conveying(tags)
    if found:
        log.warning(
            "%s: values not known as a yes/no or a level: %s; write yes/no (是/否, 1/0) for "
            "bridges and tunnels, numbers (or 高架/地面/地下) for the level, and forward "
            "(runs in the drawn direction), backward, 双向 (both ways) or yes (one way where "
            "oneway is yes/是/-1, else both) for an escalator's conveying (上行/下行 tell no "
            "drawn direction)",
            what, "; ".join(found),
        )  # fmt: skip
    _warn_mostly_conveying(tags, what)


#: The conveying values the walk model reads (a direction, or both ways) besides yes/no.
CONVEYING_VALUES: tuple[str, ...] = ("forward", "backward", "reversible", "both", "双向")


def _odd_conveying(tags: pd.DataFrame) -> list[str]:
    """The conveying values not known, each with how its lines were read.

    They are read as yes: one way where ``oneway`` says so, else both ways (probe 25R3: all
    were said to run both ways, those with oneway=yes ran one way).
    """
    conv = tags["conveying"].astype("string").str.strip()
    odd = odd_flag_values(conv)
    odd = odd[~odd.index.str.lower().isin(CONVEYING_VALUES)]
    oneway = tags.get("oneway", pd.Series(pd.NA, index=tags.index, dtype="string"))
    sense = oneway_sense(oneway.astype("string").str.strip().str.lower())
    found = []
    for k, n in odd.head(5).items():
        one = int((sense[conv.eq(k).fillna(False).to_numpy(bool)] != 0).sum())
        how = "running both ways" if not one else "running one way, as their oneway says"
        how = how if one in (0, n) else f"running one way on {one}, as their oneway says, both "
        how = how if one in (0, n) else how + "ways on the others"
        found.append(f"conveying {k!r} ({n} lines, read as {how})")
    return found


def _warn_mostly_conveying(tags: pd.DataFrame, what: str) -> None:
    """Warn when most lines are escalators or moving walkways (a column misread?)."""
    if "conveying" not in tags.columns or not len(tags):
        return
    share = float(np.mean(flag_set(tags["conveying"])))
    if share > 0.5:
        log.warning(
            "%s: %.0f %% of the lines are escalators or moving walkways (their conveying "
            "column is set), timed at riding speed: is the column meant as such? Leave it "
            "empty (or 否/no) on streets",
            what, 100 * share,
        )  # fmt: skip
