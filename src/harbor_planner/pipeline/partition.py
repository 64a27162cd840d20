"""Partitioned runs: a study split into parts (districts or polygons) computed on a Dask cluster.

With ``run.partition`` (``--partition district`` or a polygon layer) the bounded searches of a
study — the station pairs of its coverage (and of the range's cases, the coverage after the
new sites, the exits) and the rows of the coverage matrix — run part by part on the workers of
:mod:`harbor_planner.cluster`; the client keeps the rest (reading the inputs, the one
nearest-station search per coverage, the figures, the optimiser, the outputs).

How a round of searches (one :func:`~harbor_planner.network.pairs.find_pairs` call) is split:

* **Each demand point belongs to exactly one part**: the part whose polygon holds the point
  where it sits on the network (a point on the boundary of several, or in overlapping
  polygons, goes to the first by name); a point outside every part goes to the nearest part
  (the first by name among equally near ones) and is counted (``points_outside_parts``).
  Points off the network are in no part (they are never reached).
* **Each part clips its own network** from the study's compiled network (written once to
  ``run.work_dir`` as ``.npz``; the workers read it): the edges with an end within a margin of
  the part's polygon, plus the edges its demand sits on. The margin is
  :func:`~harbor_planner.network.pairs.reach_radius_m` — the fastest way of the network
  (escalators, downhill slopes) times the limit, plus 1 m — so the clip holds every walk of
  the limit that ends in the part: the searches give the same pairs as on the whole network,
  to the last bit (the clip module's default margin, minutes x the flat speed, does not bound
  a downhill walk, and is not used here).
* **The sources that can reach its demand** are those whose edge lies in the clip; they are
  anchored where the client anchored them (no snapping again).
* **Tasks carry paths and settings** (:class:`PartTask`): each worker reads the network and
  the round's anchors itself and returns its pairs (a few arrays) with its time, its worker and
  its peak memory.

The client joins the pairs, so every coverage figure (per district and overall), the coverage
matrix and the selected sites are those of the unpartitioned run. ``run.json`` records the
partitioning (:meth:`PartitionedPairs.record`).

Fault injection for the tests (workers are other processes: a monkeypatch cannot reach them):
``HARBOR_PLANNER_TEST_FAIL_PART=NAME`` makes part ``NAME`` fail on every try, ``NAME:once`` on
its first try only; with ``HARBOR_PLANNER_TEST_FAIL_LOG=FILE`` each try appends a line to FILE.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from harbor_planner.errors import InputDataError, PartFailedError
from harbor_planner.settings import PARTITION_DISTRICT, PARTITION_NAME_COLUMNS

if TYPE_CHECKING:
    from harbor_planner.cluster import ClusterInfo
    from harbor_planner.network import Anchors, WalkModel, WalkNetwork
    from harbor_planner.scenario import Scenario

__all__ = [
    "PartResult",
    "PartTask",
    "PartitionedPairs",
    "Parts",
    "anchor_arrays",
    "clip_compiled",
    "load_parts",
    "partitioned",
    "run_part",
]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

#: Environment variables of the test-only fault hook (see the module's docstring).
FAIL_PART_ENV = "HARBOR_PLANNER_TEST_FAIL_PART"
FAIL_LOG_ENV = "HARBOR_PLANNER_TEST_FAIL_LOG"


@dataclass(frozen=True)
class Parts:
    """The parts of a study: names (sorted) and polygons in the network's metric CRS.

    Attributes
    ----------
    names
        Part names, sorted (the order of the tie rule).
    geometry
        One (Multi)Polygon per part, metric CRS.
    source
        ``"district"`` or the partition layer's file name.
    name_column
        The column the names came from.

    """

    names: list[str]
    geometry: npt.NDArray[np.object_]
    source: str
    name_column: str

    def assign(self, xy: npt.NDArray[np.float64]) -> tuple[IntArray, int]:
        """The part of each point: the first (by name) holding it, else the nearest.

        Parameters
        ----------
        xy
            ``(n, 2)`` coordinates in the parts' CRS.

        Returns
        -------
        (numpy.ndarray, int)
            Part position of each point, and how many lay outside every part.

        """
        n, k = len(xy), len(self.names)
        points = shapely.points(xy)
        tree = shapely.STRtree(self.geometry)
        part = np.full(n, k, dtype=np.int64)
        if n:
            pt, poly = tree.query(points, predicate="intersects")
            np.minimum.at(part, pt, poly)
        outside = np.flatnonzero(part == k)
        if len(outside):
            pt, poly = tree.query_nearest(points[outside], all_matches=True)
            nearest = np.full(len(outside), k, dtype=np.int64)
            np.minimum.at(nearest, pt, poly)
            part[outside] = nearest
        return part, len(outside)


def _name_column(frame: Any, given: str | None, where: str, path: Path | None) -> str:
    if given is not None:
        if given not in frame:
            raise InputDataError(
                f"{where}: no column {given!r}; it has {', '.join(map(str, frame.columns))}",
                path=path,
            )
        return given
    for col in PARTITION_NAME_COLUMNS:
        if col in frame:
            return col
    raise InputDataError(
        f"{where}: the layer needs a name column ({', '.join(PARTITION_NAME_COLUMNS)}) or "
        f"run.partition_name; it has {', '.join(map(str, frame.columns))}",
        path=path,
    )


def load_parts(scenario: Scenario, net: WalkNetwork) -> Parts:
    """The parts of ``run.partition``, in the network's CRS (those meeting the network).

    Parameters
    ----------
    scenario
        Its ``[run]`` (and, for ``district``, ``coverage.districts``/``district_column``).
    net
        The walk network (its CRS and extent).

    Returns
    -------
    Parts

    Raises
    ------
    InputDataError
        An unreadable layer, no CRS, no name column, names given twice, no part meeting the
        network.

    """
    import geopandas as gpd

    cfg = scenario.run
    path = cfg.partition_file
    if path is None:
        path = scenario.coverage.districts
        given = scenario.coverage.district_column
        where = "run.partition = 'district'"
    else:
        given, where = cfg.partition_name, "run.partition"
    if path is None:
        from harbor_planner.districts import chongqing_districts

        frame, col = chongqing_districts(), "name_zh"
    else:
        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio/GDAL errors share no base class
            raise InputDataError(f"cannot read the partition layer ({exc})", path=path) from None
        if frame.crs is None:
            raise InputDataError("the partition layer has no CRS; set it and retry", path=path)
        col = _name_column(frame, given, where, path)
    frame = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    names = frame[col].astype(str)
    dup = sorted(set(names[names.duplicated()]))
    if dup:
        raise InputDataError(
            f"{where}: part names must differ; {', '.join(dup[:5])} given twice (merge them)",
            path=path,
        )
    geom = frame.to_crs(net.crs).geometry.to_numpy()
    lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
    meets = shapely.intersects(geom, shapely.box(lo[0], lo[1], hi[0], hi[1]))
    if not meets.any():
        raise InputDataError(f"{where}: no part meets the walk network", path=path)
    order = np.argsort(names.to_numpy()[meets], kind="stable")
    return Parts(
        names=[str(x) for x in names.to_numpy()[meets][order]],
        geometry=shapely.make_valid(geom[meets][order]),
        source=PARTITION_DISTRICT if cfg.partition_file is None else Path(path).name,
        name_column=col,
    )


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
    return sub, edge_map


@dataclass(frozen=True)
class PartTask:
    """What a worker needs for one part of one round: paths and settings, no data.

    Attributes
    ----------
    name, index
        The part's name and position (in :attr:`Parts.names`).
    network_path
        The compiled network (``.npz``).
    walk_model
        The walk model of the round (the range's cases re-time the network).
    inputs_path
        The round's anchors (``.npz``: sources, points and each point's part).
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
    walk_model: WalkModel
    inputs_path: str
    region_wkb: bytes
    margin_m: float
    minutes: float
    limit_s: float


@dataclass(frozen=True)
class PartResult:
    """A part's pairs (global positions) and how its task ran."""

    point: IntArray
    source: IntArray
    seconds: float
    worker: str
    nodes: int
    sources: int
    points: int
    peak_rss_bytes: int


_NETWORKS: dict[tuple[str, str], Any] = {}


def _network(path: str, walk_model: WalkModel) -> WalkNetwork:
    """The compiled network of ``path`` under ``walk_model`` (kept for the worker's next parts)."""
    from harbor_planner.network import load_network

    key = (path, repr(walk_model))
    if key not in _NETWORKS:
        base = next((v for (p, _), v in _NETWORKS.items() if p == path), None)
        net = load_network(path) if base is None else base
        _NETWORKS.clear()
        _NETWORKS[(path, repr(net.walk_model))] = net
        _NETWORKS[key] = net.with_walk_model(walk_model)
    return _NETWORKS[key]


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


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def _peak_rss_bytes() -> int:
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


def run_part(task: PartTask) -> PartResult:
    """One part of one round, on a worker: clip the network, search, return the pairs.

    Parameters
    ----------
    task
        The part's paths and settings.

    Returns
    -------
    PartResult
        Pairs with global point and source positions.

    """
    from harbor_planner.network import Anchors
    from harbor_planner.network.pairs import local_pairs

    t0 = time.perf_counter()
    _test_fault(task.name)
    net = _network(task.network_path, task.walk_model)
    with np.load(task.inputs_path) as data:
        arrays = {k: data[k] for k in data.files}
    pts = np.flatnonzero(arrays["point_part"] == task.index)
    region = shapely.from_wkb(task.region_wkb)
    sub, edge_map = clip_compiled(net, region, task.margin_m, edges=arrays["p_edge"][pts])

    def anchors(prefix: str, rows: IntArray) -> Anchors:
        edge = arrays[f"{prefix}_edge"][rows]
        return Anchors(
            edge=edge_map[edge],
            frac=arrays[f"{prefix}_frac"][rows],
            access_s=arrays[f"{prefix}_access_s"][rows],
            dist_m=arrays[f"{prefix}_dist_m"][rows],
            within=arrays[f"{prefix}_within"][rows],
            index=np.arange(len(rows)),
        )

    s_edge = arrays["s_edge"]
    ok = (s_edge >= 0) & (s_edge < len(edge_map))
    src = np.flatnonzero(ok & arrays["s_within"])
    src = src[edge_map[s_edge[src]] >= 0]
    d, s = local_pairs(
        sub,
        anchors("s", src),
        anchors("p", pts),
        minutes=task.minutes,
        limit_s=task.limit_s,
        progress=False,
    )
    return PartResult(
        point=pts[d].astype(np.int64),
        source=src[s].astype(np.int64),
        seconds=round(time.perf_counter() - t0, 3),
        worker=_worker_address(),
        nodes=sub.n_nodes,
        sources=len(src),
        points=len(pts),
        peak_rss_bytes=_peak_rss_bytes(),
    )


@dataclass
class _PartLog:
    """What run.json says about one part (summed over the rounds)."""

    name: str
    points: int = 0
    seconds: float = 0.0
    seconds_by_round: list[float] = field(default_factory=list)
    workers: set[str] = field(default_factory=set)
    peak_rss_bytes: int = 0
    max_nodes: int = 0

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "demand_points": self.points,
            "seconds": round(self.seconds, 3),
            "seconds_by_round": self.seconds_by_round,
            "workers": sorted(self.workers),
            "peak_rss_mb": round(self.peak_rss_bytes / 2**20, 1),
            "max_nodes": self.max_nodes,
        }


class PartitionedPairs:
    """The pair finder of a partitioned run: each call is a round of part tasks on the cluster.

    Installed by :func:`partitioned` with :func:`~harbor_planner.network.pairs.use_pair_finder`.

    Parameters
    ----------
    scenario
        Its ``[run]`` section names the parts.
    client, cluster
        The Dask client and its record (:func:`harbor_planner.cluster.open_cluster`).
    work_dir
        Where the network and the rounds' anchors are written for the workers.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    parts
        The parts, when given rather than read from ``run.partition`` (benchmarks).

    """

    def __init__(
        self,
        scenario: Scenario,
        client: Any,
        cluster: ClusterInfo,
        work_dir: Path,
        *,
        progress: bool | None = None,
        parts: Parts | None = None,
    ) -> None:
        self.scenario = scenario
        self.client = client
        self.cluster = cluster
        self.work_dir = work_dir
        self.progress = progress
        self.parts: Parts | None = parts
        self.rounds: list[dict[str, Any]] = []
        self._logs: dict[str, _PartLog] = {}
        self._workers: dict[str, dict[str, Any]] = {}
        self._networks: list[tuple[WalkNetwork, str]] = []

    def _network_file(self, net: WalkNetwork) -> str:
        """The saved network with ``net``'s nodes and edges (times may differ), saved once."""
        from harbor_planner.network import save_network

        u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
        for saved, path in self._networks:
            if saved is net or (
                saved.crs == net.crs
                and saved.n_nodes == net.n_nodes
                and np.array_equal(saved.edges["u"].to_numpy(), u)
                and np.array_equal(saved.edges["v"].to_numpy(), v)
                and np.array_equal(saved.node_xy, net.node_xy)
            ):
                return path
        path = str(self.work_dir / f"network-{len(self._networks)}.npz")
        save_network(net, path)
        self._networks.append((net, path))
        return path

    def __call__(
        self,
        network: WalkNetwork,
        sources: Anchors,
        points: Anchors,
        *,
        minutes: float,
        limit_s: float,
        progress: bool | None = None,
    ) -> tuple[IntArray, IntArray]:
        """One round: the pairs of :func:`~harbor_planner.network.pairs.local_pairs`, by part."""
        from harbor_planner.cluster import run_tasks
        from harbor_planner.network.pairs import reach_radius_m

        t0 = time.perf_counter()
        if self.parts is None:
            self.parts = load_parts(self.scenario, network)
        parts = self.parts
        part, outside = parts.assign(points.xy(network)) if len(points) else (np.zeros(0), 0)
        part = np.where(points.within, part, -1).astype(np.int64)
        margin = reach_radius_m(network, max(float(minutes), limit_s / 60.0))
        k = len(self.rounds)
        inputs = self.work_dir / f"round-{k}.npz"
        np.savez(inputs, point_part=part, **anchor_arrays("s", sources),
                 **anchor_arrays("p", points))  # fmt: skip
        net_path = self._network_file(network)
        used = np.unique(part[part >= 0])
        tasks = [
            PartTask(
                name=parts.names[i],
                index=int(i),
                network_path=net_path,
                walk_model=network.walk_model,
                inputs_path=str(inputs),
                region_wkb=shapely.to_wkb(parts.geometry[i]),
                margin_m=margin,
                minutes=float(minutes),
                limit_s=float(limit_s),
            )
            for i in used
        ]
        names = [t.name for t in tasks]
        try:
            results = run_tasks(
                self.client, run_part, tasks, names, desc=f"parts (round {k + 1})",
                label="district" if parts.source == PARTITION_DISTRICT else "part",
                progress=self.progress if progress is None else progress,
            )  # fmt: skip
        except PartFailedError as exc:
            if self.cluster.kind != "scheduler" or "No such file" not in str(exc):
                raise
            raise PartFailedError(
                f"{exc}; the workers of a running scheduler read the study's files from "
                f"run.work_dir ({self.work_dir.parent}): make it a folder every worker sees"
            ) from None
        inputs.unlink(missing_ok=True)
        self._log_round(k, results, names, outside, margin, len(sources), t0)
        if not results:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return (
            np.concatenate([r.point for r in results]),
            np.concatenate([r.source for r in results]),
        )

    def _log_round(
        self,
        k: int,
        results: list[PartResult],
        names: list[str],
        outside: int,
        margin: float,
        n_sources: int,
        t0: float,
    ) -> None:
        wall = time.perf_counter() - t0
        for name, r in zip(names, results, strict=True):
            entry = self._logs.setdefault(name, _PartLog(name))
            entry.points = max(entry.points, r.points)
            entry.seconds += r.seconds
            entry.seconds_by_round.append(r.seconds)
            entry.workers.add(r.worker)
            entry.peak_rss_bytes = max(entry.peak_rss_bytes, r.peak_rss_bytes)
            entry.max_nodes = max(entry.max_nodes, r.nodes)
            row = self._workers.setdefault(
                r.worker, {"parts": set(), "tasks": 0, "seconds": 0.0, "peak": 0}
            )
            row["parts"].add(name)
            row["tasks"] += 1
            row["seconds"] += r.seconds
            row["peak"] = max(row["peak"], r.peak_rss_bytes)
        self.rounds.append(
            {
                "round": k + 1,
                "parts": len(results),
                "sources": n_sources,
                "points": int(sum(r.points for r in results)),
                "points_outside_parts": int(outside),
                "margin_m": round(margin, 1),
                "seconds": round(wall, 3),
            }
        )
        log.info(
            "partition: round %d, %d parts, %d sources, margin %.0f m, %.2f s (slowest part "
            "%.2f s)",
            k + 1,
            len(results),
            n_sources,
            margin,
            wall,
            max((r.seconds for r in results), default=0.0),
        )

    def record(self) -> dict[str, Any]:
        """The partitioning for run.json: parts, cluster, rounds and per-part timings."""
        parts = self.parts
        return {
            "partition": self.scenario.run.partition if parts is None else parts.source,
            "name_column": None if parts is None else parts.name_column,
            "parts": None if parts is None else len(parts.names),
            "cluster": self.cluster.record(),
            "rounds": self.rounds,
            "part_timings": [self._logs[n].record() for n in sorted(self._logs)],
            "workers": self.worker_table(),
        }

    def worker_table(self) -> dict[str, dict[str, Any]]:
        """Per worker: the parts it ran (over the rounds), their seconds and its peak memory."""
        return {
            w: {
                "parts": sorted(row["parts"]),
                "tasks": row["tasks"],
                "seconds": round(row["seconds"], 3),
                "peak_rss_mb": round(row["peak"] / 2**20, 1),
            }
            for w, row in sorted(self._workers.items())
        }


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


@contextlib.contextmanager
def partitioned(
    scenario: Scenario, *, progress: bool | None = None
) -> Iterator[PartitionedPairs | None]:
    """Run the ``with`` block partitioned when the scenario asks (``run.partition``).

    Opens the cluster (``run.scheduler``, else a local one of ``run.workers`` processes) and
    makes every :func:`~harbor_planner.network.pairs.find_pairs` inside the block a round of
    part tasks; closes the cluster and removes the work files on leaving.

    Parameters
    ----------
    scenario
        The study's settings.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Yields
    ------
    PartitionedPairs or None
        The finder (its :meth:`~PartitionedPairs.record` goes to run.json); ``None`` when the
        run is not partitioned (nothing is changed).

    """
    cfg = scenario.run
    if cfg.partition is None:
        yield None
        return
    from harbor_planner.cluster import open_cluster
    from harbor_planner.network.pairs import use_pair_finder
    from harbor_planner.optimize.parallel import ClusterDistrictSolves, use_stage_runner

    if cfg.work_dir is not None:
        cfg.work_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="hp-parts-", dir=cfg.work_dir) as tmp,
        open_cluster(cfg.scheduler, workers=cfg.workers) as (client, info),
    ):
        finder = PartitionedPairs(scenario, client, info, Path(tmp), progress=progress)
        solves = ClusterDistrictSolves(client, progress=progress, work_dir=Path(tmp))
        with use_pair_finder(finder), use_stage_runner(solves):
            yield finder
