"""Read the network's own GeoPackage export (``network build --gpkg``) back as a line layer.

Planners fix a footpath in QGIS in the ``edges`` layer of the export and build the network
from that file. The layer holds the network's own edge columns (:meth:`WalkNetwork.edges_gdf
<harbor_planner.network.compiled.WalkNetwork.edges_gdf>`), not OSM tags; read as a planner's
layer it lost every escalator, lift and level and joined bridges to the streets below (probe
26N1: Yuzhong's coverage 68.7 -> 73.2 %). Here each column keeps the meaning the network
gave it:

* ``kind`` (:data:`~harbor_planner.network.walk.KIND_NAMES`) says steps, escalator, moving
  walkway or lift; ``fwd_ok``/``bwd_ok`` the directions one may go (an escalator's running
  direction); ``incline``/``incline_grade`` the tagged direction and grade; ``step_count``;
  ``off_ground`` a bridge, tunnel or indoor way (level 1: it joins other lines only where one
  of them ends);
* ``elevator_ends`` with ``u``/``v``: the lift nodes (a lift charges half its time on each
  edge at it), found from the counts of the edges at each node;
* lines with ``u`` and ``v`` join one another only at shared vertices, as they did in the
  network (its junctions are the lines' ends): the snapping tolerance joins a line drawn
  anew (no ``u``/``v``) to the others, never two of the export's lines that stayed apart;
  an end moved off the junction its ``u``/``v`` names (a vertex nudged, a bridge moved in
  QGIS: :func:`loose_ends`) is snapped and checked for near misses as a planner's line end
  is, and said (probe 26R3);
* ``way_id`` is kept (runs of street candidates follow it).

The layer is recognised by ``kind`` (mostly the export's kinds) with at least two of
``fwd_ok``, ``bwd_ok``, ``elevator_ends`` and ``off_ground``, under their full names or as a
Shapefile cuts them to 10 characters (:data:`SHAPEFILE_NAMES`); a marker missing is warned
of with what it costs (probe 26R1: saved as a Shapefile, the export was read as a planner's
layer, 68.7 -> 73.2 %).

A line added in QGIS with no ``kind`` is read from ``highway``, ``name`` and ``step_count``
as any planner's line; one with a ``kind`` as the export's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._text import clean_text, counted, one_line
from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.network.walk import KIND_NAMES

__all__ = [
    "EXPORT_MARKERS",
    "SHAPEFILE_NAMES",
    "export_columns",
    "export_tags",
    "lift_nodes",
    "loose_ends",
    "open_lines",
    "warn_loose_ends",
]

log = logging.getLogger(__name__)

#: Columns of the ``edges`` layer that mark the network's own export besides ``kind``, with
#: what is lost when one is deleted (``u``/``v`` may be deleted too: its lines then snap).
EXPORT_MARKERS: dict[str, str] = {
    "fwd_ok": "every line may be walked along its drawing (an escalator or one-way way "
    "running against it is walked both ways)",
    "bwd_ok": "every line may be walked against its drawing (an escalator or one-way way "
    "running along it is walked both ways)",
    "elevator_ends": "the lifts are unknown (no lift waits or rides are timed)",
    "off_ground": "bridges, tunnels and indoor ways are read at ground level (they join "
    "the lines they meet at a vertex, lines drawn anew snap to their middles)",
}
#: The export's columns the reader takes (:func:`export_tags`).
_READ = (
    "u", "v", "way_id", "highway", "name", "kind", "step_count", "incline", "incline_grade",
    "fwd_ok", "bwd_ok", "elevator_ends", "off_ground", "grade_source",
)  # fmt: skip
#: The names a Shapefile cuts them to (10 characters: ``elevator_e``, ``incline_gr``...) ->
#: the full names; a column under its full name wins.
SHAPEFILE_NAMES: dict[str, str] = {c[:10]: c for c in _READ if len(c) > 10}
#: The walk model's kinds drawn on a stairway (``highway=steps``), and as a lift.
_ON_STEPS = ("steps", "escalator")
_CONVEYING = ("escalator", "moving_walkway")


def export_columns(gdf: Any, columns: dict[str, str], path: Path) -> dict[str, str] | None:
    """The export's columns (full name -> the layer's name), or None: not the export.

    Parameters
    ----------
    gdf
        The line layer.
    columns
        Its columns, lower-cased name -> name.
    path
        The file, for messages.

    Returns
    -------
    dict or None
        ``kind`` holding mostly the export's kinds and at least two of
        :data:`EXPORT_MARKERS` make the export; each marker missing is warned of with what
        it costs.

    """
    named = dict(columns)
    for short, full in SHAPEFILE_NAMES.items():
        if short in columns and full not in named:
            named[full] = columns[short]
    have = [m for m in EXPORT_MARKERS if m in named]
    if "kind" not in named or len(have) < 2:
        if len(have) >= 3 and "u" in named and "v" in named:
            log.warning(
                "%s: has the columns %s, u and v of the network's own export but no kind: "
                "read as a planner's layer (escalators and lift ways are read as stairs and "
                "streets); keep the kind column of the export, or build from the .npz",
                path.name, ", ".join(have),
            )  # fmt: skip
        return None
    kind = gdf[named["kind"]].astype("string").str.strip().str.lower().replace("", pd.NA)
    if len(have) < len(EXPORT_MARKERS) and not kind.dropna().isin(KIND_NAMES).mean() > 0.5:
        return None  # a planner's own kind column
    lost = [m for m in EXPORT_MARKERS if m not in named] + [c for c in "uv" if c not in named]
    if lost:
        costs = dict.fromkeys(EXPORT_MARKERS[m] for m in lost if m in EXPORT_MARKERS)
        if "u" in lost or "v" in lost:
            costs["its lines join one another within the snapping tolerance, not only where "
                  "the network joined them"] = None  # fmt: skip
        log.warning(
            "%s: read as the network's own export (network build --gpkg) without its "
            "column%s %s: %s; put the column%s back from the export (names a Shapefile cuts "
            "to 10 characters are read), or build from the .npz",
            path.name, "s" if len(lost) > 1 else "", ", ".join(lost), "; ".join(costs),
            "s" if len(lost) > 1 else "",
        )  # fmt: skip
    return named


def _flags(values: pd.Series | None, default: bool, n: int) -> npt.NDArray[np.bool_]:
    """A boolean column of the export; an empty cell (a line drawn in QGIS) is ``default``.

    A column missing (deleted) is ``default`` on every line.
    """
    if values is None:
        return np.full(n, default)
    text = values.astype("string").str.strip().str.lower()
    number = pd.to_numeric(text, errors="coerce")
    words = text.isin(["true", "yes", "t", "y", "是"])
    out = np.where(number.notna(), number.fillna(0).ne(0), words).astype(bool)
    return np.where(text.isna() | text.eq(""), default, out)


def _kinds(gdf: Any, column: str, path: Path) -> pd.Series:
    """The ``kind`` of each line (NA where empty); a value not a kind is refused."""
    kind = gdf[column].astype("string").str.strip().str.lower().replace("", pd.NA)
    odd = kind.notna() & ~kind.isin(KIND_NAMES)
    if odd.any():
        row = int(np.flatnonzero(odd.to_numpy(bool))[0])
        raise InputDataError(
            f"feature {row}: {column} {gdf[column].iloc[row]!r} is no kind of the network's "
            f"export ({int(odd.sum())} lines); write one of {', '.join(KIND_NAMES)}, or leave "
            "it empty to read the line from its highway class",
            path=path,
        )
    return kind.reset_index(drop=True)


def _incline(gdf: Any, columns: dict[str, str]) -> pd.Series:
    """``incline`` tags from the export's direction (+1/-1) and grade (rise over run)."""
    n = len(gdf)
    sign = pd.to_numeric(gdf[columns["incline"]], errors="coerce") if "incline" in columns else 0
    sign = np.sign(np.nan_to_num(np.asarray(sign, dtype=np.float64) * np.ones(n)))
    grade = np.full(n, np.nan)
    if "incline_grade" in columns:
        grade = pd.to_numeric(gdf[columns["incline_grade"]], errors="coerce").to_numpy(float)
    words = np.where(sign > 0, "up", np.where(sign < 0, "down", None))
    pct = [f"{float(100 * g)!r}%" for g in grade]
    text = [p if np.isfinite(g) else w for p, g, w in zip(pct, grade, words, strict=True)]
    return pd.Series(text, dtype="string")


def export_tags(gdf: Any, columns: dict[str, str], path: Path) -> pd.DataFrame:
    """OSM tags of the lines of the network's own export, with ``way_id`` and the lifts.

    Parameters
    ----------
    gdf
        The ``edges`` layer.
    columns
        The export's columns, full name -> name (:func:`export_columns`).
    path
        The file, for messages.

    Returns
    -------
    pandas.DataFrame
        The :data:`~harbor_planner.network._ways.WAY_TAGS` the walk model reads, ``way_id``,
        ``osm_way`` (false), ``noded`` (lines with ``u``/``v``: they join one another only
        at shared vertices), ``joins_start``/``joins_end`` (the network joined the line's
        first or last vertex to another line of the export: its ``u``/``v`` is another's
        too), ``lift_start``/``lift_end`` (a lift at the line's first or last vertex) and
        ``kind_given`` (false on a line drawn anew without a ``kind``:
        its ``highway`` is a planner's class, read as such by the caller) and ``closed``
        (``fwd_ok`` and ``bwd_ok`` both false: walkable in no direction, left out by
        :func:`open_lines`; an empty cell is no edit, as the kind says).

    """
    col = {k: gdf[c].reset_index(drop=True) for k, c in columns.items()}
    kind = _kinds(gdf, columns["kind"], path)
    own = kind.notna().to_numpy(bool)
    n = len(kind)
    fwd, bwd = _flags(col.get("fwd_ok"), True, n), _flags(col.get("bwd_ok"), True, n)
    closed = ~fwd & ~bwd  # both unticked: a bridge or path closed in QGIS (probe 27T)
    highway = (
        col["highway"].astype("string")
        if "highway" in col
        else pd.Series(pd.NA, index=kind.index, dtype="string")
    )
    highway = _highway_of_kind(highway, kind, path)
    one = np.select([fwd & ~bwd, bwd & ~fwd], ["forward", "backward"], "both")
    conveys = kind.isin(_CONVEYING).to_numpy(bool)
    tags = pd.DataFrame(
        {
            "highway": highway,
            "foot": pd.Series(np.where(own, "yes", None), dtype="string"),
            "conveying": pd.Series(np.where(conveys, one, None), dtype="string"),
            "oneway:foot": pd.Series(
                np.where(own & ~conveys & (one != "both"), np.where(fwd, "yes", "-1"), None),
                dtype="string",
            ),
            "incline": _incline(gdf, columns),
            "layer": pd.Series(
                np.where(_flags(col.get("off_ground"), False, n), "1", None), dtype="string"
            ),
        }
    )
    for tag in ("name", "step_count"):
        if tag in col:
            tags[tag] = col[tag].astype("string")
    tags["way_id"] = _way_ids(col, path)
    tags["osm_way"] = False
    none = pd.Series(np.nan, index=kind.index)
    u = pd.to_numeric(col.get("u", none), errors="coerce")
    v = pd.to_numeric(col.get("v", none), errors="coerce")
    tags["noded"] = (u.notna() & v.notna()).to_numpy(bool)
    # a closed line joins nothing: a line that met only it there has a dead end now
    tags["joins_start"], tags["joins_end"] = _joined(u.where(~closed), v.where(~closed))
    ends = pd.to_numeric(col.get("elevator_ends", none), errors="coerce")
    tags["lift_start"], tags["lift_end"] = _lift_ends(u, v, ends, kind.eq("elevator"), path)
    tags["kind_given"] = own
    tags["closed"] = closed
    _say_read(tags, kind, col, path)
    return tags


def _joined(u: pd.Series, v: pd.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whether each line's ``u`` (``v``) is a node of another edge too: a junction, no dead end.

    The two halves of a line split in QGIS keep its ``u`` and ``v``: they are one edge.
    """
    known = (u.notna() & v.notna()).to_numpy(bool)
    a, b = u[known].to_numpy(), v[known].to_numpy()
    edge = pd.MultiIndex.from_arrays([np.minimum(a, b), np.maximum(a, b)]).factorize()[0]
    ids = pd.DataFrame({"node": np.r_[a, b], "edge": np.tile(edge, 2)})
    edges_at = ids.drop_duplicates().groupby("node").size()
    at_u = np.zeros(len(u), dtype=bool)
    at_v = np.zeros(len(u), dtype=bool)
    at_u[known] = edges_at.reindex(a).to_numpy() >= 2
    at_v[known] = edges_at.reindex(b).to_numpy() >= 2
    return at_u, at_v


def loose_ends(geoms: np.ndarray, tags: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Which ends of the export's lines no longer meet the junction their ``u``/``v`` names.

    Probe 26R3: a vertex nudged 0.5 m or a bridge moved 3 m in QGIS (no topological editing)
    left the line's end where no other line has a vertex; the export's lines joining only at
    shared vertices, it came apart without a word. Such an end (the network joined it to
    another line, yet no other line has a vertex at it now) is snapped and checked for near
    misses as a planner's line end; the ends left in place keep their exact joins.

    Parameters
    ----------
    geoms
        The lines (metric CRS), in the order of ``tags``.
    tags
        Their tags (:func:`export_tags`; other lines have no ``joins_start``).

    Returns
    -------
    numpy.ndarray of bool, shape (2, n)
        Row 0 the lines' first vertices, row 1 their last.

    """
    n = len(geoms)
    out = np.zeros((2, n), dtype=bool)
    if "joins_start" not in tags.columns or not n:
        return out
    xy, line = shapely.get_coordinates(geoms, return_index=True)
    key = np.round(xy * 1000.0).astype(np.int64)  # one node to the millimetre, as the noding
    at = pd.DataFrame({"x": key[:, 0], "y": key[:, 1], "line": line}).drop_duplicates()
    lines_at = at.groupby(["x", "y"]).size()
    noded = tags["noded"].astype("boolean").fillna(False).to_numpy(bool)
    for row, (col, vertex) in enumerate((("joins_start", 0), ("joins_end", -1))):
        end = np.round(shapely.get_coordinates(shapely.get_point(geoms, vertex)) * 1000.0)
        index = pd.MultiIndex.from_arrays(end.astype(np.int64).T)
        met = lines_at.reindex(index).fillna(0).to_numpy() >= 2
        joins = tags[col].astype("boolean").fillna(False).to_numpy(bool)
        out[row] = noded & joins & ~met
    return out


def warn_loose_ends(
    geoms: np.ndarray,
    tags: pd.DataFrame,
    loose: npt.NDArray[np.bool_],
    ways: tuple[np.ndarray, np.ndarray],
    tol: float,
    what: str,
) -> None:
    """Say how many of the export's lines' ends moved off their junction, and which stay apart.

    ``ways`` is ``(ptr, node_id)`` of the noded lines. A warning when one stays apart
    (naming it and how far it lies from the nearest line), at INFO when all joined again.
    """
    if not loose.any():
        return
    ptr, node_id = ways
    end_node = np.vstack([node_id[ptr[:-1]], node_id[ptr[1:] - 1]])
    line = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    lines_at = pd.DataFrame({"node": node_id, "line": line}).drop_duplicates()
    count = lines_at.groupby("node").size()
    alone = loose & (count.reindex(end_node.ravel()).to_numpy().reshape(end_node.shape) < 2)
    n_loose, n_alone = int(loose.sum()), int(alone.sum())
    if not n_alone:
        log.info(
            "%s: %d ends of the export's lines had moved off the junction they met in the "
            "network (edited in QGIS) and are joined again within the %g m tolerance",
            what, n_loose, tol,
        )  # fmt: skip
        return
    vertex, k = (int(a[0]) for a in np.nonzero(alone))
    end = shapely.get_point(geoms[k], -vertex)
    near = shapely.STRtree(geoms).query(end, predicate="dwithin", distance=50.0)
    dist = shapely.distance(end, geoms[near[near != k]])
    far = f"{dist.min():.1f} m" if len(dist) else "more than 50 m"
    name = tags["name"].iloc[k] if "name" in tags.columns else None
    log.warning(
        "%s: %d ends of the export's lines no longer meet the junction they met in the "
        "network (moved in QGIS without snapping?): %d joined again within the %g m "
        "tolerance, %d stay apart (way %s%s, its %s end %s from the nearest line): a walk "
        "goes round them, or their lines fall out of the network; snap them back onto the "
        "junction (QGIS: snapping and topological editing on) or give a larger "
        "--snap-tolerance (network.snap_tolerance_m)",
        what, n_loose, n_loose - n_alone, tol, n_alone, tags["way_id"].iloc[k],
        f" {name}" if isinstance(name, str) and name else "", ("first", "last")[vertex], far,
    )  # fmt: skip


def _highway_of_kind(highway: pd.Series, kind: pd.Series, path: Path) -> pd.Series:
    """``highway`` as the ``kind`` says: steps under a stairway or escalator, a lift's own.

    The kind is what the walk model read; a class edited to disagree (``steps`` on a ``walk``
    line) is warned of, and the kind kept (the class becomes ``footway``).
    """
    hw = highway.reset_index(drop=True).str.strip()
    want = pd.Series(pd.NA, index=kind.index, dtype="string")
    want[kind.isin(_ON_STEPS)] = "steps"
    want[kind.eq("elevator")] = "elevator"
    other = kind.notna() & ~kind.isin([*_ON_STEPS, "elevator"])
    want[other & hw.str.lower().isin(["steps", "elevator"])] = "footway"
    differ = want.notna() & hw.str.lower().ne(want).fillna(True)
    say = differ & hw.notna() & hw.ne("")  # an empty class (a line drawn anew) is no slip
    if say.any():
        row = int(np.flatnonzero(say.to_numpy(bool))[0])
        log.warning(
            "%s: %d lines have a highway class their kind does not have (feature %d: highway "
            "%r, kind %r): read by their kind, as %s; change kind too when a line becomes "
            "stairs, a lift or a street",
            path.name, int(say.sum()), row, hw.iloc[row], kind.iloc[row], want.iloc[row],
        )  # fmt: skip
    return want.where(differ, hw).astype("string")


#: Way ids are whole numbers of at most 15 digits (OSM's are 10): a float column (a
#: Shapefile's, a field calculator's) holds every one of them exactly.
_MAX_WAY_ID = 10**15 - 1


def _way_ids(col: dict[str, pd.Series], path: Path) -> npt.NDArray[np.int64]:
    """The export's ``way_id``; a line drawn anew gets an id of its own.

    An id that is no whole number (``inf``, ``1e300``, ``2.5``, text: a Shapefile or field
    calculator round trip) crashed with an OverflowError, or was cut to another way's id
    (probe 27T). Such a line is read as one drawn anew, with a warning: the id only ties the
    edges of one way together (runs of street candidates), no walk time depends on it.
    Negative ids are kept (JOSM's unsaved ways, OSMnx's ways of several ids: -1).
    """
    n = len(col["kind"])
    given = col.get("way_id", pd.Series(pd.NA, index=range(n), dtype="string"))
    text = given.astype("string").str.strip()
    ids = pd.to_numeric(given, errors="coerce").astype(np.float64)
    ok = np.isfinite(ids) & (ids == np.round(ids)) & (ids.abs() <= _MAX_WAY_ID)
    bad = (~ok & text.notna() & text.ne("")).to_numpy(bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        log.warning(
            "%s: a way_id that is not a whole number of at most 15 digits on %s (feature "
            "%d: %r): read as drawn anew, with an id of its own (the id only ties the edges "
            "of one way together); put the export's way_id back, or leave the cell empty",
            path.name, counted(int(bad.sum()), "line"), row, _short(given.iloc[row]),
        )  # fmt: skip
    new = ~ok.to_numpy(bool)
    start = int(ids[ok].max()) + 1 if ok.any() else 0
    out = ids.where(ok, 0).to_numpy(np.int64, copy=True)
    out[new] = start + np.arange(int(new.sum()))
    return out


def open_lines(geoms: np.ndarray, tags: pd.DataFrame, what: str) -> npt.NDArray[np.bool_]:
    """Which lines to keep: all but the export's lines walkable in no direction.

    ``fwd_ok`` and ``bwd_ok`` both unticked (a bridge or path closed in QGIS) fell through
    to "both ways" without a word (probe 27T): such lines are left out of the network, with
    one warning of how many, their length and a few of them.

    Parameters
    ----------
    geoms
        The lines (metric CRS), in the order of ``tags``.
    tags
        Their tags (:func:`export_tags`; other lines have no ``closed``).
    what
        How the lines are named in messages.

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    NetworkError
        Every line is closed.

    """
    if "closed" not in tags.columns:
        return np.ones(len(tags), dtype=bool)
    closed = tags["closed"].astype("boolean").fillna(False).to_numpy(bool)
    if not closed.any():
        return ~closed
    if closed.all():
        raise NetworkError(
            f"{what}: every line has fwd_ok and bwd_ok false (walkable in no direction): no "
            "network is left; tick fwd_ok or bwd_ok (or leave them empty) on the open lines"
        )
    rows = np.flatnonzero(closed)
    names = tags["name"] if "name" in tags.columns else pd.Series(pd.NA, index=tags.index)
    ways = dict.fromkeys(
        f"way {tags['way_id'].iloc[k]}" + (f" {_short(names.iloc[k])}" if _named(names, k) else "")
        for k in rows
    )
    shown = list(ways)[:3]
    log.warning(
        "%s: fwd_ok and bwd_ok both false (walkable in no direction: closed in QGIS?) on "
        "%s (%.2f km) of %s, left out of the network: %s%s; tick fwd_ok or bwd_ok (or leave "
        "them empty) to walk a line again",
        what, counted(len(rows), "line"), float(shapely.length(geoms[closed]).sum()) / 1000,
        counted(len(ways), "way"), ", ".join(shown), " ..." if len(ways) > 3 else "",
    )  # fmt: skip
    return ~closed


def _short(value: Any) -> str:
    """A cell for a message: one line, no control characters, at most 40 characters."""
    text = one_line(clean_text(str(value)))
    return text if len(text) <= 40 else text[:39] + "…"


def _named(names: pd.Series, k: int) -> bool:
    """Whether line ``k`` has a name (not empty)."""
    name = names.iloc[k]
    return isinstance(name, str) and bool(name.strip())


def _propagate(state: np.ndarray, a: np.ndarray, b: np.ndarray, one: np.ndarray) -> None:
    """Settle, in place, the nodes of the edges with one lift end whose other end is known."""
    while True:
        changed = False
        for x, y in ((a, b), (b, a)):
            for known, then in ((-1, 1), (1, -1)):
                hit = one & (state[x] == known) & (state[y] == 0)
                if hit.any():
                    state[y[hit]] = then
                    changed = True
        if not changed:
            return


def _lift_ends(
    u: pd.Series, v: pd.Series, ends: pd.Series, lift_way: pd.Series, path: Path
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whether each line has a lift at its start (``u``) and at its end (``v``).

    The export gives each edge the number of its ends at a lift node (``elevator_ends``); the
    nodes follow: an end of an edge with 0 is none, both ends of one with 2 are lifts, and
    an edge with 1 whose other end is known settles its own. Where both ends of such an edge
    stay open (a lift at a dead end or next to one), the end with more edges is the lift. The
    ends of a lift drawn as a way are no lift nodes (the way's time is the lift's).
    """
    n = len(u)
    at_u, at_v = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    known = (u.notna() & v.notna() & ends.notna()).to_numpy(bool)
    lost = ~known & ends.fillna(0).gt(0).to_numpy(bool)
    if lost.any():
        log.warning(
            "%s: %d lines at a lift (elevator_ends) have no u/v node ids, so their lifts are "
            "not found; keep the u and v columns of the export (or build from the .npz)",
            path.name, int(lost.sum()),
        )  # fmt: skip
    if not (known & ends.fillna(0).gt(0).to_numpy(bool)).any():
        return at_u, at_v
    m = int(known.sum())
    ids, inv = np.unique(np.r_[u[known], v[known]].astype(np.int64), return_inverse=True)
    a, b = inv[:m], inv[m:]
    e = ends[known].to_numpy(np.int64)
    way = lift_way[known].fillna(False).to_numpy(bool)
    state = np.zeros(len(ids), dtype=np.int8)  # 1 a lift, -1 none, 0 open
    for x in (a, b):
        state[x[~way & (e >= 2)]] = 1
    for x in (a, b):
        state[x[way | (e == 0)]] = -1
    one = ~way & (e == 1)
    degree = np.bincount(np.r_[a, b], minlength=len(ids))
    while True:
        _propagate(state, a, b, one)
        open_ = np.flatnonzero(one & (state[a] == 0) & (state[b] == 0))
        if not len(open_):
            break
        k = open_[0]
        state[a[k] if degree[a[k]] >= degree[b[k]] else b[k]] = 1
    got = (state[a] == 1).astype(np.int64) + (state[b] == 1)
    bad = ~way & (got != np.minimum(e, 2))
    if bad.any():
        log.warning(
            "%s: %d lines' elevator_ends do not match the lifts found at their u/v nodes "
            "(edited?); the lifts are read at %d nodes; fix elevator_ends or u/v of those "
            "lines, or build from the .npz",
            path.name, int(bad.sum()), int((state == 1).sum()),
        )  # fmt: skip
    at_u[known], at_v[known] = state[a] == 1, state[b] == 1
    return at_u, at_v


def _say_read(tags: pd.DataFrame, kind: pd.Series, col: dict[str, pd.Series], path: Path) -> None:
    """One line on what was read from the export, and that DEM grades come from --dem."""
    lifts = int(tags["lift_start"].sum() + tags["lift_end"].sum())
    dem = 0
    if "grade_source" in col:
        dem = int(col["grade_source"].astype("string").str.strip().eq("dem").sum())
    log.info(
        "%s: read as the network's own export (network build --gpkg): kinds (%s), "
        "directions, edge ends at lifts (%d) and levels (%d off-ground lines) from its "
        "columns; its %d lines with u/v join one another only at shared vertices (an end "
        "moved off its junction snaps as a line drawn anew), lines drawn anew join within "
        "the snapping tolerance%s",
        path.name,
        ", ".join(f"{k} {n}" for k, n in kind.value_counts().items()),
        lifts,
        int(tags["layer"].notna().sum()),
        int(tags["noded"].sum()),
        f"; the DEM grades of {dem} edges are not read from it, they come from --dem "
        "(network.dem) again: give the DEM the network was built with"
        if dem
        else "",
    )


def lift_nodes(
    tags: pd.DataFrame, ptr: npt.NDArray[np.int64], node_id: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The ids of the nodes at a lift, from the noded lines of :func:`export_tags`.

    Parameters
    ----------
    tags
        One row per line (``lift_start``/``lift_end`` may be missing or empty: no lift).
    ptr, node_id
        Line ``i`` has nodes ``node_id[ptr[i]:ptr[i + 1]]``.

    Returns
    -------
    numpy.ndarray of int64

    """
    if "lift_start" not in tags.columns:
        return np.zeros(0, dtype=np.int64)
    start = tags["lift_start"].astype("boolean").fillna(False).to_numpy(bool)
    end = tags["lift_end"].astype("boolean").fillna(False).to_numpy(bool)
    ids = np.r_[node_id[ptr[:-1][start]], node_id[ptr[1:][end] - 1]]
    return np.unique(ids).astype(np.int64)
