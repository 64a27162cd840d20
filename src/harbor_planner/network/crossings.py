"""Lines of a layer that cross at ground level without a shared vertex.

Planners' centrelines exported from CAD cross at most junctions without a vertex there (an
OSM way shares a node with every street it meets). The noding of
:func:`~harbor_planner.network.lines.node_line_frames` joins lines at shared vertices and
line ends only, so such a crossing is no junction: the walk goes round (probe 20A: 209 of
them took 4.7 points off a district's coverage without a word). :func:`crossing_points` finds
them; :func:`with_vertices` puts a vertex at each into both lines, after which the noding
joins them. Only lines at ground level count (no ``layer``, bridge or tunnel:
:func:`line_levels` 0): a flyover crosses the street below without a junction, and two
bridges crossing are stacked as often as joined.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

__all__ = ["crossing_points", "with_vertices"]


def crossing_points(
    geoms: npt.NDArray[np.object_],
    levels: npt.NDArray[np.int64],
    noded: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """Where lines at ground level (level 0) cross without a vertex of their own.

    Parameters
    ----------
    geoms
        LineStrings (one part each), in a metric CRS.
    levels
        The level of each line (:func:`~harbor_planner.network.lines.line_levels`).
    noded
        Lines of the network's own export: two of them crossing are no missed junction
        (the network did not join them).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, int)
        For each line lacking a vertex at a crossing: the line's index and the point's
        coordinates (a point may be missing from both lines), and the number of crossings
        (distinct points) missing a vertex in one line or both.

    """
    empty = (np.zeros(0, np.int64), np.zeros((0, 2)), 0)
    if len(geoms) < 2:
        return empty
    i, j = shapely.STRtree(geoms).query(geoms, predicate="crosses")
    # at ground level only: two bridges (or tunnels) crossing are stacked as often as joined,
    # and a layer without 层级 puts every bridge on level 1 (probe 20R)
    keep = (i < j) & (levels[i] == 0) & (levels[j] == 0)
    if noded is not None:
        keep &= ~(noded[i] & noded[j])
    i, j = i[keep], j[keep]
    if not len(i):
        return empty
    parts, which = shapely.get_parts(shapely.intersection(geoms[i], geoms[j]), return_index=True)
    points = shapely.get_type_id(parts) == 0  # crossings; an overlap is no crossing
    xy = shapely.get_coordinates(parts[points])
    pair = which[points]
    owner = np.concatenate([i[pair], j[pair]])
    xy = np.concatenate([xy, xy])
    vx, vline = shapely.get_coordinates(geoms, return_index=True)
    have = pd.MultiIndex.from_arrays([vline, vx[:, 0], vx[:, 1]])
    lacking = ~pd.MultiIndex.from_arrays([owner, xy[:, 0], xy[:, 1]]).isin(have)
    owner, xy = owner[lacking], xy[lacking]
    n = len(np.unique(xy, axis=0)) if len(xy) else 0
    return owner.astype(np.int64), xy, n


def with_vertices(
    geoms: npt.NDArray[np.object_], owner: npt.NDArray[np.int64], xy: npt.NDArray[np.float64]
) -> npt.NDArray[np.object_]:
    """A copy of ``geoms`` with the points ``xy`` put into the lines ``owner`` as vertices.

    Each point goes where it lies along its line (its distance from the line's start), so
    the line's shape is unchanged and the noding joins the lines sharing it.
    """
    out = geoms.copy()
    if not len(owner):
        return out
    lines = np.unique(owner)
    vx, vline = shapely.get_coordinates(geoms[lines], return_index=True)
    step = np.hypot(*np.diff(vx, axis=0, prepend=vx[:1]).T)
    step[np.r_[True, vline[1:] != vline[:-1]]] = 0.0  # each line starts at 0
    along = pd.Series(step).groupby(vline).cumsum().to_numpy()
    at = np.searchsorted(lines, owner)
    new_along = shapely.line_locate_point(geoms[owner], shapely.points(xy))
    line_id = np.concatenate([vline, at])
    dist = np.concatenate([along, new_along])
    coords = np.concatenate([vx, xy])
    order = np.lexsort((np.r_[np.zeros(len(vx)), np.ones(len(xy))], dist, line_id))
    line_id, coords = line_id[order], coords[order]
    dup = np.r_[False, (line_id[1:] == line_id[:-1]) & (coords[1:] == coords[:-1]).all(axis=1)]
    rebuilt = shapely.linestrings(coords[~dup], indices=line_id[~dup])
    out[lines] = rebuilt
    return out
