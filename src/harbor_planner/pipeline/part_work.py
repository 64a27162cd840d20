"""One part of a partitioned run, on a worker: clip the network, search, return the pairs.

The client (:mod:`harbor_planner.pipeline.partition`) writes the compiled network and each
round's anchors to its work folder and submits one :class:`PartTask` per part; a worker runs
:func:`run_part`: it reads the network and the anchors itself (both kept for its next parts),
clips the network around the part's polygon with the round's margin, searches from the
sources whose edge lies in the clip to the part's demand points, and returns the distinct
pairs row by row (:class:`PartResult`: each of its points with the sources reaching it, int32),
so the client places them in the matrix without sorting, whatever the number of parts.

Fault injection for the tests (workers are other processes: a monkeypatch cannot reach them):
``HARBOR_PLANNER_TEST_FAIL_PART=NAME`` makes part ``NAME`` fail on every try, ``NAME:once`` on
its first try only; with ``HARBOR_PLANNER_TEST_FAIL_LOG=FILE`` each try appends a line to FILE.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from harbor_planner._io import file_stamp
from harbor_planner.cluster import worker_address
from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from harbor_planner.network import Anchors, WalkModel, WalkNetwork

__all__ = [
    "PartResult",
    "PartTask",
    "anchor_arrays",
    "clip_compiled",
    "preload_network",
    "run_part",
]

IntArray = npt.NDArray[np.int64]

#: Environment variables of the test-only fault hook (see the module's docstring).
FAIL_PART_ENV = "HARBOR_PLANNER_TEST_FAIL_PART"
FAIL_LOG_ENV = "HARBOR_PLANNER_TEST_FAIL_LOG"


def clip_compiled(
    net: WalkNetwork, region: Any, margin_m: float, *, edges: IntArray | None = None
) -> tuple[WalkNetwork, IntArray]:
    """The network around ``region``: edges with an end within ``margin_m`` of it.

    Edges, nodes and times are those of ``net`` (kept in their order, never re-timed).

    Parameters
    ----------
    net
        The compiled network.
    region
        A (Multi)Polygon in ``net``'s CRS.
    margin_m
        Metres around ``region``.
    edges
        Edge positions kept in any case (those the part's demand sits on).

    Returns
    -------
    (WalkNetwork, numpy.ndarray)
        The clipped network, and the position in it of each edge of ``net`` (``-1``: left out).

    """
    from harbor_planner.network import WalkNetwork

    xy = net.node_xy
    w, s, e, n = shapely.bounds(region)
    box = (
        (xy[:, 0] >= w - margin_m)
        & (xy[:, 0] <= e + margin_m)
        & (xy[:, 1] >= s - margin_m)
        & (xy[:, 1] <= n + margin_m)
    )
    near = np.zeros(len(xy), dtype=bool)
    idx = np.flatnonzero(box)
    shapely.prepare(region)
    near[idx] = shapely.dwithin(region, shapely.points(xy[idx]), margin_m)
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    keep = near[u] | near[v]
    if edges is not None and len(edges):
        keep[edges] = True
    e_idx = np.flatnonzero(keep)
    nodes = np.unique(np.concatenate([u[e_idx], v[e_idx]]))
    node_map = np.full(len(xy), -1, dtype=np.int64)
    node_map[nodes] = np.arange(len(nodes))
    table = net.edges.iloc[e_idx].reset_index(drop=True)
    table["u"], table["v"] = node_map[u[e_idx]], node_map[v[e_idx]]
    edge_map = np.full(len(u), -1, dtype=np.int64)
    edge_map[e_idx] = np.arange(len(e_idx))
    sub = WalkNetwork(
        crs=net.crs,
        nodes=net.nodes.iloc[nodes].reset_index(drop=True),
        edges=table,
        edge_geometry=net.edge_geometry[e_idx],
        walk_model=net.walk_model,
        source={**net.source, "clipped_margin_m": float(margin_m)},
    )
    sub.__dict__["edge_lines"] = net.edge_lines.subset(e_idx)  # a worker's net has no lines
    return sub, edge_map


@dataclass(frozen=True)
class PartTask:
    """What a worker needs for one part of one round: paths and settings, no data.

    Attributes
    ----------
    name, index
        The part's name and position (in :attr:`~harbor_planner.pipeline.partition.Parts.names`).
    network_path
        The compiled network (``.npz``).
    network_stamp
        Its stamp (modification time in ns, size) when the client wrote or checked it: the
        worker does not check its values again while it has it.
    walk_model
        The walk model of the round (the range's cases re-time the network).
    points_path
        The demand points' anchors and each point's part (``.npz``: ``p_*`` and ``point_part``).
    sources_path
        The round's sources' anchors (``.npz``: ``s_*``).
    region_wkb
        The part's polygon, WKB, in the network's CRS.
    margin_m
        The clip's margin (:func:`~harbor_planner.network.pairs.reach_radius_m`).
    minutes, limit_s
        The search limit and the pair limit.

    """

    name: str
    index: int
    network_path: str
    network_stamp: tuple[int, int] | None
    walk_model: WalkModel
    points_path: str
    sources_path: str
    region_wkb: bytes
    margin_m: float
    minutes: float
    limit_s: float


@dataclass(frozen=True)
class PartResult:
    """A part's distinct pairs, row by row, and how its task ran.

    The sources are sent as positions among the part's own sources (uint16 when the part has
    at most 65,536 of them, else int32): half the bytes of global int32 positions to move
    from the worker to the client.

    Attributes
    ----------
    point_pos
        The part's points reached by some source (ascending).
    counts
        How many sources reach each of them.
    source_local
        The sources reaching them, point after point, as positions in ``source_ids``
        (ascending within a point).
    source_ids
        The global positions of the part's sources (ascending; int32 unless the sources need
        int64).
    seconds, cpu_seconds, worker, nodes, sources, points, peak_rss_bytes
        Task time (wall clock and the task thread's CPU time: less when the thread waited for
        a core), the worker's address, nodes of the clip, sources in the clip, the part's
        demand points and the worker's peak memory.

    """

    point_pos: IntArray
    counts: npt.NDArray[np.int64]
    source_local: npt.NDArray[np.integer[Any]]
    source_ids: npt.NDArray[np.integer[Any]]
    seconds: float
    cpu_seconds: float
    worker: str
    nodes: int
    sources: int
    points: int
    peak_rss_bytes: int

    def source_pos(self) -> npt.NDArray[np.integer[Any]]:
        """The sources of the rows as global positions (point after point)."""
        return self.source_ids[self.source_local]


_NETWORKS: dict[tuple[str, str], Any] = {}


def _network(path: str, walk_model: WalkModel, stamp: tuple[int, int] | None = None) -> WalkNetwork:
    """The compiled network of ``path`` under ``walk_model`` (kept for the worker's next parts).

    ``stamp``: the file's when the client wrote or checked it (its values are not checked
    again while it has it; a file with another stamp is refused: the client's network is not
    that file's any more).
    """
    from harbor_planner.network import load_network

    key = (path, repr(walk_model))
    if key not in _NETWORKS:
        base = next((v for (p, _), v in _NETWORKS.items() if p == path), None)
        seen = file_stamp(path) if base is None else None
        if base is None and seen is None and not os.path.exists(path):
            raise InputDataError(  # a worker on a machine without the folder (probe 22D)
                "No such file on this worker: its machine does not see the run's work folder",
                path=path,
            )
        if base is None and stamp is not None and seen != tuple(stamp):
            raise InputDataError(  # another network than the client's: figures would differ
                "the network file changed while the run used it; run the study again",
                path=path,
            )
        net = load_network(path, checked_as=stamp, geometry=False) if base is None else base
        _NETWORKS.clear()
        _NETWORKS[(path, repr(net.walk_model))] = net
        _NETWORKS[key] = net.with_walk_model(walk_model)
    return _NETWORKS[key]


def release_networks(folder: str) -> int:
    """Forget the networks (and anchors) read from files in ``folder`` (a run's work folder).

    A worker of a running scheduler outlives the run: without this it keeps the run's last
    network (about 2 GB at city scale) until another run's first part.

    Parameters
    ----------
    folder
        The run's work folder (other runs' networks are kept).

    Returns
    -------
    int
        How many networks were forgotten.

    """
    from harbor_planner._rows import trim_heap

    mine = [k for k in _NETWORKS if Path(k[0]).parent == Path(folder)]
    for key in mine:
        del _NETWORKS[key]
    for path in [p for p in _INPUTS if Path(p).parent == Path(folder)]:  # anchors (22D)
        del _INPUTS[path]
    if mine:
        import gc

        gc.collect()
        trim_heap()  # the freed heap pages back to the system, not kept for the next run
    return len(mine)


def preload_network(path: str, walk_model: WalkModel, stamp: tuple[int, int] | None = None) -> str:
    """Read the network on a worker before its first part (while the client prepares a round).

    Parameters
    ----------
    path
        The compiled network (``.npz``).
    walk_model
        The walk model of the first round.
    stamp
        The file's stamp when the client wrote or checked it (see :class:`PartTask`).

    Returns
    -------
    str
        The worker's address.

    """
    import harbor_planner.network.pairs  # noqa: F401  (the parts' searches: imported once here)
    from harbor_planner._rows import group_rows

    group_rows(np.zeros(1, np.int64), np.zeros(1, np.int64), 1)  # compiled (or loaded) now
    _network(path, walk_model, stamp)
    return worker_address()


def _test_fault(name: str) -> None:
    """The test-only fault hook (see the module's docstring)."""
    spec = os.environ.get(FAIL_PART_ENV)
    if not spec:
        return
    target, _, mode = spec.partition(":")
    if target != name:
        return
    tries = 0
    log_file = os.environ.get(FAIL_LOG_ENV)
    if log_file:
        p = Path(log_file)
        tries = len(p.read_text("utf-8").splitlines()) if p.is_file() else 0
        with p.open("a", encoding="utf-8") as f:
            f.write(f"{name}\n")
    if mode == "once" and tries >= 1:
        return
    raise RuntimeError(f"fault injected into part {name} ({FAIL_PART_ENV}, try {tries + 1})")


def _peak_rss_bytes() -> int:
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


_INPUTS: dict[str, tuple[tuple[int, int], dict[str, np.ndarray]]] = {}


def _inputs(path: str) -> dict[str, np.ndarray]:
    """The arrays of an anchors file (the two last read are kept for the worker's next parts)."""
    st = os.stat(path)
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _INPUTS.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    while len(_INPUTS) >= 2:
        _INPUTS.pop(next(iter(_INPUTS)))
    _INPUTS[path] = (stamp, arrays)
    return arrays


def _with_outside_points(region: Any, net: WalkNetwork, p_arr: Any, pts: IntArray) -> Any:
    """The part's polygon and the part's demand points outside it (given to the nearest part).

    The clip keeps what lies within the margin of this region: a point far outside its
    polygon keeps every walk that can reach it (a polygon layer with gaps once lost them).
    """
    if not len(pts):
        return region
    xy = net.edge_lines.points(p_arr["p_edge"][pts], p_arr["p_frac"][pts])
    out = ~shapely.contains_xy(region, xy[:, 0], xy[:, 1])
    return shapely.union(region, shapely.multipoints(xy[out])) if out.any() else region


def run_part(task: PartTask) -> PartResult:
    """One part of one round, on a worker: clip the network, search, return the pairs.

    Parameters
    ----------
    task
        The part's paths and settings.

    Returns
    -------
    PartResult
        The distinct pairs, row by row, with global point and source positions.

    """
    from harbor_planner._rows import group_rows
    from harbor_planner.network import Anchors
    from harbor_planner.network.pairs import local_pairs

    t0, cpu0 = time.perf_counter(), time.thread_time()
    _test_fault(task.name)
    net = _network(task.network_path, task.walk_model, task.network_stamp)
    p_arr, s_arr = _inputs(task.points_path), _inputs(task.sources_path)
    pts = np.flatnonzero(p_arr["point_part"] == task.index)
    region = _with_outside_points(shapely.from_wkb(task.region_wkb), net, p_arr, pts)
    sub, edge_map = clip_compiled(net, region, task.margin_m, edges=p_arr["p_edge"][pts])

    def anchors(arrays: dict[str, np.ndarray], prefix: str, rows: IntArray) -> Anchors:
        return Anchors(
            edge=edge_map[arrays[f"{prefix}_edge"][rows]],
            frac=arrays[f"{prefix}_frac"][rows],
            access_s=arrays[f"{prefix}_access_s"][rows],
            dist_m=arrays[f"{prefix}_dist_m"][rows],
            within=arrays[f"{prefix}_within"][rows],
            index=np.arange(len(rows)),
        )

    s_edge = s_arr["s_edge"]
    n_all = len(s_edge)
    ok = (s_edge >= 0) & (s_edge < len(edge_map))
    src = np.flatnonzero(ok & s_arr["s_within"])
    src = src[edge_map[s_edge[src]] >= 0]
    d, s = local_pairs(
        sub,
        anchors(s_arr, "s", src),
        anchors(p_arr, "p", pts),
        minutes=task.minutes,
        limit_s=task.limit_s,
        progress=False,
    )
    counts, cols = group_rows(d, s, len(pts))  # row by row, sources ascending and distinct
    del d, s
    reached = counts > 0
    idx_t = np.int32 if n_all < np.iinfo(np.int32).max else np.int64
    local_t = np.uint16 if len(src) <= np.iinfo(np.uint16).max + 1 else np.int32
    return PartResult(
        point_pos=pts[reached].astype(np.int64),
        counts=counts[reached],
        source_local=cols.astype(local_t),
        source_ids=src.astype(idx_t),
        seconds=round(time.perf_counter() - t0, 3),
        cpu_seconds=round(time.thread_time() - cpu0, 3),
        worker=worker_address(),
        nodes=sub.n_nodes,
        sources=len(src),
        points=len(pts),
        peak_rss_bytes=_peak_rss_bytes(),
    )


def anchor_arrays(prefix: str, anchors: Anchors) -> dict[str, np.ndarray]:
    """The arrays of ``anchors`` named ``{prefix}_edge``, ``_frac``... (a round's inputs file).

    Parameters
    ----------
    prefix
        ``"s"`` (sources) or ``"p"`` (points).
    anchors
        The anchors.

    Returns
    -------
    dict of numpy.ndarray

    """
    return {
        f"{prefix}_edge": np.asarray(anchors.edge, dtype=np.int64),
        f"{prefix}_frac": np.asarray(anchors.frac, dtype=np.float64),
        f"{prefix}_access_s": np.asarray(anchors.access_s, dtype=np.float64),
        f"{prefix}_dist_m": np.asarray(anchors.dist_m, dtype=np.float64),
        f"{prefix}_within": np.asarray(anchors.within, dtype=bool),
    }
