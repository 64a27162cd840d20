"""Ways → edges: the common middle of every network source.

Each source (OSM XML/PBF, OSMnx GraphML, street centrelines) is read into :class:`RawWays`,
flat arrays of ways in a metric CRS with their tags. :func:`interpret_tags` decides which ways
are walkable and what kind they are; :func:`ways_to_edges` splits ways at their ends, at nodes
shared with other ways and at lift nodes, giving edges whose tags are uniform (an edge never
mixes a staircase with a street), with shapely geometries and node indices.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner.network.walk import (
    KIND_ELEVATOR,
    KIND_ESCALATOR,
    KIND_MOVING_WALKWAY,
    KIND_STEPS,
    KIND_WALK,
)
from harbor_planner.settings import INCLINE_MAX_GRADE

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: OSM tags a source should provide for each way (missing columns count as untagged).
WAY_TAGS: tuple[str, ...] = (
    "highway",
    "name",
    "foot",
    "access",
    "service",
    "area",
    "oneway",
    "oneway:foot",
    "conveying",
    "incline",
    "step_count",
    "bridge",
    "tunnel",
    "layer",
    "indoor",
)

#: ``highway`` values nobody walks on (OSMnx's ``walk`` filter, plus ``no``).
EXCLUDED_HIGHWAY = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "construction",
        "motorway",
        "motorway_link",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
    }
)
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
YES = frozenset({"yes", "true", "1"})
REVERSE = frozenset({"-1", "reverse"})
#: ``oneway`` as a planner writes it too (是; numbers: 1 one-way, -1 against the drawing).
ONEWAY_YES = YES | {"是"}
#: ``conveying`` values that run both ways whatever ``oneway`` says (OSM's reversible, 双向).
CONVEYING_BOTH = frozenset({"reversible", "both", "双向"})
#: ``conveying`` values with a direction of their own (the drawn one, or against it).
CONVEYING_DIRECTED = {"forward": 1, "backward": -1}


@dataclass(frozen=True)
class RawWays:
    """Ways of a source as flat arrays, in a metric CRS.

    Attributes
    ----------
    way_ptr
        ``(n_ways + 1,)`` offsets: way ``i`` holds positions ``way_ptr[i]:way_ptr[i + 1]``.
    node_id
        Node identifier at each position; equal ids are the same node (that is how ways join).
    xy
        ``(n_positions, 2)`` coordinates at each position, metres.
    tags
        One row per way with the :data:`WAY_TAGS` columns (strings or missing) and ``way_id``.
    elevator_nodes
        Ids of nodes that are lifts (``highway=elevator``).
    crs
        The metric CRS of ``xy``.
    read_stats
        Counts of how the source was read (OSM files: ``nodes_in_file``,
        ``node_positions_held``, the node positions the reader held in memory); empty for
        other sources and after :meth:`subset`.

    """

    way_ptr: IntArray
    node_id: IntArray
    xy: FloatArray
    tags: pd.DataFrame
    elevator_nodes: IntArray
    crs: str
    read_stats: dict[str, int] = field(default_factory=dict)

    def subset(self, keep: npt.NDArray[np.bool_]) -> RawWays:
        """The ways where ``keep`` (one flag per way) is true, in their order.

        Parameters
        ----------
        keep
            ``(n_ways,)`` booleans.

        Returns
        -------
        RawWays

        """
        sizes = np.diff(self.way_ptr)
        pos = np.repeat(keep, sizes)
        return RawWays(
            way_ptr=np.concatenate([[0], np.cumsum(sizes[keep])]).astype(np.int64),
            node_id=self.node_id[pos],
            xy=self.xy[pos],
            tags=self.tags.loc[keep].reset_index(drop=True),
            elevator_nodes=self.elevator_nodes,
            crs=self.crs,
        )


@dataclass(frozen=True)
class EdgeSet:
    """Edges split from ways, before timing and compilation."""

    node_id: IntArray
    node_xy: FloatArray
    u: IntArray
    v: IntArray
    geometry: npt.NDArray[np.object_]
    length_m: FloatArray
    way: IntArray
    attrs: pd.DataFrame
    elevator_ends: npt.NDArray[np.int8]


def _norm(col: pd.Series) -> pd.Series:
    """Tag values stripped and lower-cased (``string`` dtype, NA where missing).

    The distinct values are normalised once and spread back by their codes: a city's ways
    share a few dozen ``highway``/``foot``/``access`` values.
    """
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    normed = pd.Series(uniques, dtype=object).astype("string").str.strip().str.lower()
    values = pd.array(np.full(len(col), pd.NA, dtype=object), dtype="string")
    has = codes >= 0
    values[has] = normed.to_numpy(dtype=object)[codes[has]]
    return pd.Series(values, index=col.index, name=col.name)


#: ``incline`` values meaning up or down along the way: OSM's and a planner's own words
#: (probe 23N: 上/下 and 上行/下行 were read as untagged, the mean cost both ways).
INCLINE_UP: tuple[str, ...] = ("up", "上", "上行", "上坡", "向上")
INCLINE_DOWN: tuple[str, ...] = ("down", "下", "下行", "下坡", "向下")


def incline_tags(values: pd.Series) -> tuple[npt.NDArray[np.int8], FloatArray]:
    """Direction and numeric grade of OSM ``incline`` values, along the way.

    Parameters
    ----------
    values
        ``incline`` tags: ``up``, ``down`` (or :data:`INCLINE_UP`/:data:`INCLINE_DOWN`'s
        上/下...), ``10%``, ``-5 %``, ``8°`` (a bare number is a percentage); anything else
        is untagged.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        +1 up, -1 down, 0 untagged; and the grade as rise over run (NaN unless numeric, and
        for a grade steeper than :data:`~harbor_planner.settings.INCLINE_MAX_GRADE`: a walk
        way that steep is a tagging slip, ``-90°`` or ``1000%``; its direction is kept).

    """
    v = _norm(values).fillna("")
    parts = v.str.extract(r"^([-+]?\d+(?:\.\d+)?)\s*([%°]?)$")
    num = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    degrees = parts[1].eq("°").to_numpy(dtype=bool, na_value=False)
    with np.errstate(invalid="ignore"):
        grade = np.where(degrees, np.tan(np.radians(np.clip(num, -89, 89))), num / 100.0)
    sign = np.sign(grade)
    with np.errstate(invalid="ignore"):
        grade = np.where(np.abs(grade) <= INCLINE_MAX_GRADE, grade, np.nan)
    up = v.isin(INCLINE_UP).to_numpy(dtype=bool, na_value=False)
    down = v.isin(INCLINE_DOWN).to_numpy(dtype=bool, na_value=False)
    sign = np.where(up, 1.0, np.where(down, -1.0, sign))
    return np.nan_to_num(sign, nan=0.0).astype(np.int8), grade


#: How a bridge or tunnel column says "no": OSM's ``no``, and what planners' own layers write
#: (0, false, F, N, 否, 不是, "/", "-", an empty cell; any number 0: a 0/1 column with a
#: NULL reads back as 0.0). Read the same wherever a flag is read (probe 20A: the noding took
#: 否 for a bridge, and every line of such a layer joined on one level).
FLAG_NOT_SET: tuple[str, ...] = (
    "no", "false", "f", "n", "否", "不是", "非", "无", "/", "-", "—", "－", "×", "",
    "nan", "none", "null", "<na>",
)  # fmt: skip
#: Values that set a flag without a word of warning: OSM's (yes, viaduct, culvert...), a
#: planner's (是, 有, Y, T, true) and any number other than 0.
FLAG_SET_WORDS: tuple[str, ...] = (
    "yes", "true", "t", "y", "是", "有", "viaduct", "aqueduct", "boardwalk", "cantilever",
    "covered", "movable", "trestle", "low_water_crossing", "simple_brunnel", "culvert",
    "flooded", "building_passage", "avalanche_protector", "桥", "桥梁", "隧道", "高架",
)  # fmt: skip


def flag_set(values: pd.Series, *, also_unset: tuple[str, ...] = ()) -> npt.NDArray[np.bool_]:
    """Whether each cell of a bridge/tunnel column sets the flag (yes, T, 是, 1, viaduct...).

    Parameters
    ----------
    values
        The column (any type; missing values are unset; numbers set it unless 0).
    also_unset
        More values that do not set it (``building_passage`` for ``tunnel``).

    Returns
    -------
    numpy.ndarray of bool

    """
    v = values.astype("string").str.strip().str.lower()
    number = pd.to_numeric(v, errors="coerce")
    words = v.notna() & ~v.isin([*FLAG_NOT_SET, *also_unset])
    set_ = np.where(number.notna().to_numpy(), (number != 0).to_numpy(), words.to_numpy(bool))
    return set_.astype(bool)


def oneway_sense(values: pd.Series) -> npt.NDArray[np.int8]:
    """Each ``oneway`` value as +1 (one-way as drawn), -1 (against it) or 0 (both ways).

    yes/true/是/1 and any number above 0 are one-way, -1/reverse and numbers below 0 the
    other way; no/false/否/0 and any other word both ways (probe 25R3: oneway=是 was read
    as both ways without a word, while the conveying column takes 是).

    Parameters
    ----------
    values
        The column, stripped and lower-cased (``string`` dtype, NA where missing).

    Returns
    -------
    numpy.ndarray of int8

    """
    number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    words = np.where(values.isin(ONEWAY_YES).to_numpy(bool), 1, 0)
    words = np.where(values.isin(REVERSE).to_numpy(bool), -1, words)
    sense = np.where(np.isnan(number), words, np.sign(np.nan_to_num(number)))
    return sense.astype(np.int8)


def conveying_sense(conveying: pd.Series, oneway: pd.Series) -> npt.NDArray[np.int8]:
    """Each conveying line's direction: +1 as drawn, -1 against it, 0 both ways.

    forward/backward say it; reversible, both and 双向 run both ways whatever ``oneway``
    says (probe 25R3: 双向 with oneway=yes ran one way); any other value (yes, 是, 1, a word
    not known such as 上行) takes its direction from ``oneway`` (OSM's escalators).
    Lines that do not convey are 0 too.

    Parameters
    ----------
    conveying, oneway
        The columns, stripped and lower-cased (``string`` dtype, NA where missing).

    Returns
    -------
    numpy.ndarray of int8

    """
    own = conveying.map(CONVEYING_DIRECTED).astype("Float64").fillna(0).to_numpy(np.float64)
    plain = ~conveying.isin([*CONVEYING_DIRECTED, *CONVEYING_BOTH]).to_numpy(bool)
    sense = np.where(plain, oneway_sense(oneway), own)
    return np.where(flag_set(conveying), sense, 0).astype(np.int8)


def odd_flag_values(values: pd.Series) -> pd.Series:
    """The values of a flag column read as set without being a known "yes" (counts).

    :func:`flag_set` takes them as set (OSM's many bridge kinds); a planner's word for "no"
    the tool does not know would make every line a bridge, so they are said (probe 20R).
    """
    v = values.astype("string").str.strip()
    low = v.str.lower()
    number = pd.to_numeric(low, errors="coerce")
    odd = low.notna() & number.isna() & ~low.isin([*FLAG_NOT_SET, *FLAG_SET_WORDS])
    return v[odd].value_counts()


#: 层级 written in words (a planner's layer) -> level; "1层", "-1", "负一层" are read as numbers.
LAYER_WORDS: dict[str, int] = {
    **dict.fromkeys(("地面", "地上", "平地", "路面", "ground"), 0),
    **dict.fromkeys(("高架", "桥上", "上层", "天桥", "空中"), 1),
    **dict.fromkeys(("地下", "隧道", "下层", "地道"), -1),
}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def layer_numbers(values: pd.Series) -> tuple[npt.NDArray[np.int64], pd.Series]:
    """The level of each cell of a ``layer``/层级 column, and the values not understood.

    Numbers (``1``, ``-1``, ``1.0``, "1层", "-1层"), 地下一层/负一层 (-1), and
    :data:`LAYER_WORDS` (高架 1, 地面 0, 地下 -1); an empty cell is 0. A value none of these
    is read as 0 and returned (counted) for a warning (probe 20R: 高架/地下 were all level 0).
    """
    v = values.astype("string").str.strip()
    number = pd.to_numeric(v, errors="coerce")
    text = v.where(number.isna())
    digits = pd.to_numeric(text.str.extract(r"^(-?\d+)\s*层?$")[0], errors="coerce")
    below = text.str.extract(r"^(?:地下|负)([一二两三四五])层?$")[0].map(_CN_DIGITS)
    words = text.map(lambda w: LAYER_WORDS.get(w) if isinstance(w, str) else None)
    level = number.fillna(digits).fillna(-below).fillna(pd.to_numeric(words, errors="coerce"))
    odd = text.notna() & (text != "") & level.isna()
    return level.fillna(0).round().to_numpy(np.int64), v[odd].value_counts()


def interpret_tags(tags: pd.DataFrame) -> tuple[npt.NDArray[np.bool_], pd.DataFrame]:
    """Decide which ways are walkable and derive the walking attributes from their tags.

    Pedestrians walk both ways on one-way streets: ``oneway`` applies to vehicles and is read
    only on conveying ways (escalator direction). ``oneway:foot``, ``foot=no``, ``access=no``
    and ``access=private`` (unless ``foot`` allows) are honoured.

    Parameters
    ----------
    tags
        One row per way with any of the :data:`WAY_TAGS` columns.

    Returns
    -------
    (numpy.ndarray, pandas.DataFrame)
        A boolean mask of walkable ways, and for every way the columns ``highway``, ``name``,
        ``kind``, ``step_count``, ``incline`` (tag direction: +1, -1, 0), ``incline_grade``
        (numeric tag as rise over run, NaN), ``fwd_ok``, ``bwd_ok`` and ``off_ground``
        (bridges, tunnels, indoor and layered ways, whose grade is taken between their ends).

    """
    n = len(tags)

    def col(name: str) -> pd.Series:
        if name in tags.columns:
            return _norm(tags[name]).reset_index(drop=True)
        return pd.Series(pd.NA, index=range(n), dtype="string")

    # names keep their case ("New York New York" is a place in Yuzhong); tags are lowercased
    raw_name = (
        tags["name"].astype("string").str.strip().reset_index(drop=True)
        if "name" in tags.columns
        else pd.Series(pd.NA, index=range(n), dtype="string")
    )
    highway = col("highway").fillna("road")
    foot = col("foot")
    access = col("access")
    conveying = col("conveying")
    foot_ok = foot.isin(FOOT_ALLOWED).to_numpy(dtype=bool)
    walkable = (
        ~highway.isin(EXCLUDED_HIGHWAY).to_numpy(dtype=bool)
        & ~(highway.eq("cycleway").to_numpy(dtype=bool) & ~foot_ok)
        & ~foot.isin(["no", "private"]).to_numpy(dtype=bool)
        & ~(access.isin(["no", "private"]).to_numpy(dtype=bool) & ~foot_ok)
        & ~col("service").eq("private").fillna(False).to_numpy(dtype=bool)
        & ~col("area").eq("yes").fillna(False).to_numpy(dtype=bool)
    )

    is_steps = highway.eq("steps").to_numpy(dtype=bool)
    # an empty cell, no, 否, 0 or false is no conveying (probe 24H: a planner's column with
    # empty cells made every street a moving walkway)
    conveys = flag_set(conveying)
    kind = np.full(n, KIND_WALK, dtype=np.int8)
    kind[is_steps] = KIND_STEPS
    kind[conveys & is_steps] = KIND_ESCALATOR
    kind[conveys & ~is_steps] = KIND_MOVING_WALKWAY
    kind[highway.eq("elevator").to_numpy(dtype=bool)] = KIND_ELEVATOR

    # a plain yes of any spelling (是, 1, true) takes its direction from oneway (probe 24R2),
    # 双向/reversible never (probe 25R3); oneway:foot holds on any way
    foot_sense = oneway_sense(col("oneway:foot"))
    conv_sense = conveying_sense(conveying, col("oneway"))
    fwd_only = (foot_sense > 0) | (conv_sense > 0)
    bwd_only = (foot_sense < 0) | (conv_sense < 0)

    layer = pd.Series(layer_numbers(col("layer"))[0])
    off_ground = (
        flag_set(col("bridge"))
        | flag_set(col("tunnel"), also_unset=("building_passage",))
        | col("indoor").isin(YES)
        | highway.eq("corridor")
        | layer.ne(0)
    ).to_numpy(dtype=bool)

    incline_dir, incline_grade = incline_tags(col("incline"))
    incline_grade = np.where(conveys, np.nan, incline_grade)
    attrs = pd.DataFrame(
        {
            "highway": highway.astype(object).to_numpy(),
            "name": raw_name.astype(object).where(raw_name.notna(), None).to_numpy(),
            "kind": kind,
            "step_count": _step_counts(col("step_count")),
            "incline": incline_dir,
            "incline_grade": incline_grade,
            "fwd_ok": ~bwd_only,
            "bwd_ok": ~fwd_only,
            "off_ground": off_ground,
        }
    )
    return walkable, attrs


def _step_counts(values: pd.Series) -> FloatArray:
    """``step_count`` tags as numbers: NaN (untagged) where a tag is no count above 0.

    ``-3``, ``inf`` or ``1e400`` were kept and saved, and every later load refused the saved
    network as corrupt (probe 17E).
    """
    n = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        odd = ~np.isnan(n) & ~(np.isfinite(n) & (n > 0))
    if odd.any():
        log.warning(
            "%d ways tagged step_count with no count of steps (%s): read as untagged",
            int(odd.sum()), ", ".join(sorted({f"{x:g}" for x in n[odd]})[:5]),
        )  # fmt: skip
    return np.where(odd, np.nan, n)


def _select_ways(
    ways: RawWays, walkable: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], IntArray, IntArray, FloatArray]:
    """Flat arrays of the walkable ways, with repeated consecutive nodes dropped.

    Returns the mask of kept ways (those still holding two nodes) and their ``way_ptr``,
    ``node_id`` and ``xy``.
    """
    sizes = np.diff(ways.way_ptr)
    way_of = np.repeat(np.arange(len(sizes)), sizes)
    repeat = np.zeros(len(way_of), dtype=bool)
    repeat[1:] = (ways.node_id[1:] == ways.node_id[:-1]) & (way_of[1:] == way_of[:-1])
    pos_keep = ~repeat
    n_left = np.bincount(way_of[pos_keep], minlength=len(sizes))
    keep = walkable & (n_left >= 2)
    pos_keep &= keep[way_of]
    new_ptr = np.concatenate([[0], np.cumsum(n_left[keep])]).astype(np.int64)
    return keep, new_ptr, ways.node_id[pos_keep], ways.xy[pos_keep]


def ways_to_edges(ways: RawWays) -> EdgeSet:
    """Split walkable ways into edges between graph nodes.

    Graph nodes are the ends of ways, nodes used more than once (junctions) and lift nodes.
    Ways are not merged across their ends, so every edge keeps its way's tags.

    Parameters
    ----------
    ways
        Ways of any source.

    Returns
    -------
    EdgeSet
        Nodes (ids, coordinates) and edges (node indices, geometry, length, tags).

    """
    walkable, attrs = interpret_tags(ways.tags)
    keep, ptr, node_id, xy = _select_ways(ways, walkable)
    way_ids = ways.tags["way_id"].to_numpy()[keep]
    attrs = attrs.loc[keep].reset_index(drop=True)
    attrs.insert(0, "way_id", way_ids)
    n_ways = len(ptr) - 1
    if n_ways == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return EdgeSet(
            node_id=empty_i,
            node_xy=np.zeros((0, 2)),
            u=empty_i,
            v=empty_i,
            geometry=np.zeros(0, dtype=object),
            length_m=np.zeros(0),
            way=empty_i,
            attrs=attrs,
            elevator_ends=np.zeros(0, dtype=np.int8),
        )

    way_of = np.repeat(np.arange(n_ways), np.diff(ptr))
    _, inverse, counts = np.unique(node_id, return_inverse=True, return_counts=True)
    is_node = counts[inverse] >= 2
    is_node[ptr[:-1]] = True
    is_node[ptr[1:] - 1] = True
    lift = np.isin(node_id, ways.elevator_nodes)
    is_node |= lift

    gpos = np.flatnonzero(is_node)
    a, b = gpos[:-1], gpos[1:]
    same_way = way_of[a] == way_of[b]
    a, b = a[same_way], b[same_way]

    # geometry: positions a..b inclusive for each edge
    npts = b - a + 1
    starts = np.cumsum(npts) - npts
    pos = np.repeat(a, npts) + (np.arange(npts.sum()) - np.repeat(starts, npts))
    edge_of_pt = np.repeat(np.arange(len(a)), npts)
    geometry = shapely.linestrings(xy[pos], indices=edge_of_pt)

    graph_ids, node_index = np.unique(node_id[gpos], return_index=True)
    node_xy = xy[gpos[node_index]]
    u = np.searchsorted(graph_ids, node_id[a])
    v = np.searchsorted(graph_ids, node_id[b])
    way = way_of[a]
    # a lift node charges half its time on each edge at it, unless it ends a lift drawn as a
    # way: that way's own time is the lift's (charging its ends too would count it three times)
    lift_ids = np.isin(graph_ids, ways.elevator_nodes)
    lift_way = attrs["kind"].to_numpy()[way] == KIND_ELEVATOR
    lift_ids[u[lift_way]] = False
    lift_ids[v[lift_way]] = False
    elevator_ends = (lift_ids[u].astype(np.int8) + lift_ids[v].astype(np.int8)).astype(np.int8)

    edges = EdgeSet(
        node_id=graph_ids.astype(np.int64),
        node_xy=node_xy.astype(np.float64),
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        geometry=geometry,
        length_m=shapely.length(geometry),
        way=way.astype(np.int64),
        attrs=attrs,
        elevator_ends=elevator_ends,
    )
    log.debug(
        "split %d walkable ways (of %d) into %d edges between %d nodes",
        n_ways,
        len(walkable),
        len(u),
        len(graph_ids),
    )
    return edges
