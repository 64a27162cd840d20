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
* **Tasks carry paths and settings** (:class:`~harbor_planner.pipeline.part_work.PartTask`):
  each worker reads the network and the round's anchors itself
  (:func:`~harbor_planner.pipeline.part_work.run_part`) and returns its distinct pairs row by
  row (for each point its sources, as uint16 positions among the part's own sources where
  they fit) with its time, its worker and its peak memory.

The client places each part's rows in the matrix as they are (a point's row comes whole from
its one part: nothing to merge or sort; one pass builds the matrix column by column,
:func:`harbor_planner._rows.rows_to_csc`), so it never holds the pairs as int64 arrays; every
coverage figure (per district and overall), the coverage matrix and the selected sites are
those of the unpartitioned run. The parts are submitted largest first (by demand points), so
the last to finish are small. The demand points' anchors and parts are written once for all
rounds that search to the same points.
``run.json`` records the partitioning (:meth:`PartitionedPairs.record`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from harbor_planner._io import file_stamp, own_work_folder
from harbor_planner.errors import OutputError, PartFailedError
from harbor_planner.network.pairs import PairRequest, reach_radius_m
from harbor_planner.pipeline.part_work import (
    PartResult,
    PartTask,
    anchor_arrays,
    clip_compiled,
    preload_network,
    release_networks,
    run_part,
)
from harbor_planner.pipeline.parts import PartitionLayer, Parts, load_parts, read_parts
from harbor_planner.settings import PARTITION_DISTRICT

if TYPE_CHECKING:
    from scipy.sparse import csc_matrix

    from harbor_planner.cluster import ClusterInfo
    from harbor_planner.network import Anchors, WalkNetwork
    from harbor_planner.scenario import Scenario

__all__ = [
    "PartResult",
    "PartTask",
    "PartitionLayer",
    "PartitionedPairs",
    "Parts",
    "anchor_arrays",
    "clip_compiled",
    "load_parts",
    "partitioned",
    "read_parts",
    "run_part",
]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


#: Errors of a work folder that is full or cannot be written.
_FULL_OR_LOCKED = (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS)


@contextlib.contextmanager
def _work_folder_errors(folder: Path | None) -> Iterator[None]:
    """A work folder that is full, read-only or cannot be made: one line naming it (exit 3).

    Raises
    ------
    OutputError
        Naming ``run.work_dir`` (else the temporary folder) and the fix; the output folder is
        not touched.

    """
    try:
        yield
    except (OutputError, OSError) as exc:
        cannot_make = (errno.ENOENT, errno.ENOTDIR, errno.EEXIST)
        if isinstance(exc, OSError) and exc.errno not in (*_FULL_OR_LOCKED, *cannot_make):
            raise
        where = folder if folder is not None else Path(tempfile.gettempdir())
        raise OutputError(
            f"cannot write the partitioned run's work files in {where} (run.work_dir, else "
            "the temporary folder, TMPDIR): full, not writable or not a folder; free some "
            "space there or set run.work_dir to a folder with room (the output folder was "
            "not touched)"
        ) from None


@dataclass
class _PartLog:
    """What run.json says about one part (summed over the rounds)."""

    name: str
    points: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    seconds_by_round: dict[int, float] = field(default_factory=dict)
    workers: set[str] = field(default_factory=set)
    peak_rss_bytes: int = 0
    max_nodes: int = 0

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "demand_points": self.points,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "seconds_by_round": self.seconds_by_round,
            "workers": sorted(self.workers),
            "peak_rss_mb": round(self.peak_rss_bytes / 2**20, 1),
            "max_nodes": self.max_nodes,
        }


@dataclass(frozen=True)
class _Round:
    """One round of a batch: its tasks and what run.json says of it."""

    k: int
    tasks: list[PartTask]
    sources_path: str
    n_sources: int
    n_points: int
    outside: int
    margin_m: float


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
    layer
        ``run.partition``'s layer read already (:func:`read_parts`); its parts meeting the
        network are taken at the first round.

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
        layer: PartitionLayer | None = None,
    ) -> None:
        self.scenario = scenario
        self.client = client
        self.cluster = cluster
        self.work_dir = work_dir
        self.progress = progress
        self.parts: Parts | None = parts
        self.layer = layer
        self.rounds: list[dict[str, Any]] = []
        self._logs: dict[str, _PartLog] = {}
        self._workers: dict[str, dict[str, Any]] = {}
        self._networks: list[tuple[WalkNetwork, str, tuple[int, int] | None]] = []
        self._points: dict[str, tuple[str, IntArray, int]] = {}
        self._last_points: tuple[Anchors, str, tuple[str, IntArray, int]] | None = None
        self._preloads: list[Any] = []
        self._saving: Future[None] | None = None

    def prepare(self, network: WalkNetwork) -> None:
        """Write the network for the workers and have them read it now (see ``prepare_pairs``).

        The file is written by a thread while the client goes on (anchoring the stations
        and the demand: 1 s of a 1M-node network's 8 s of client steps); the first round
        waits for it and raises its error, if any (:meth:`finish` waits for it too).

        Parameters
        ----------
        network
            The study's walk network.

        """
        self._wait_saving()

        def save() -> None:
            with self._writing_work_files():
                self._network_file(network)

        pool = ThreadPoolExecutor(1, thread_name_prefix="harbor-planner-save")
        self._saving = pool.submit(save)
        pool.shutdown(wait=False)  # its one thread ends with the save

    def _wait_saving(self) -> None:
        """Wait for the network file :meth:`prepare` is writing; raise its error, if any."""
        saving, self._saving = self._saving, None
        if saving is not None:
            saving.result()

    def finish(self) -> None:
        """Wait for a network file still being written (before the work folder goes)."""
        with contextlib.suppress(Exception):  # a run that failed or never used it
            self._wait_saving()

    def _writing_work_files(self) -> contextlib.AbstractContextManager[None]:
        """A full or read-only work folder named as such (not as the output folder)."""
        return _work_folder_errors(self.work_dir.parent)

    def _network_file(self, net: WalkNetwork) -> tuple[str, tuple[int, int] | None]:
        """The saved network with ``net``'s nodes and edges (times may differ), saved once.

        Always the run's own copy in its work folder, even when ``net`` was loaded from a
        file: a user's file may be rebuilt during the run with the same size and, on coarse
        clocks or with ``cp -p``, the same modification time (probe 15R). Returned with its
        stamp: the workers do not check the values of the copy again while it has it, and
        refuse it when it has another.
        """
        from harbor_planner.network import save_network

        u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
        for saved, path, stamp in self._networks:
            if saved is net or (
                saved.crs == net.crs
                and saved.n_nodes == net.n_nodes
                and np.array_equal(saved.edges["u"].to_numpy(), u)
                and np.array_equal(saved.edges["v"].to_numpy(), v)
                and np.array_equal(saved.node_xy, net.node_xy)
            ):
                return path, stamp
        path = str(self.work_dir / f"network-{len(self._networks)}.npz")
        save_network(net, path)
        stamp = file_stamp(path)
        self._networks.append((net, path, stamp))
        self._preload(path, stamp, net)
        return path, stamp

    def _preload(self, path: str, stamp: tuple[int, int] | None, net: WalkNetwork) -> None:
        """Each worker reads the network now, while the client prepares the round.

        Not waited for: a worker that cannot read it fails its first part with the reason.
        """
        workers = sorted(self.client.scheduler_info().get("workers", {}))
        self._preloads = [
            self.client.submit(preload_network, path, net.walk_model, stamp, workers=[w],
                               allow_other_workers=False, pure=False, key=f"preload-{i}-{path}")
            for i, w in enumerate(workers)
        ]  # fmt: skip

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
        request = PairRequest(sources, points, float(minutes), float(limit_s))
        _, results = self._rounds(network, [request], progress)[0]
        none = np.zeros(0, np.int64)  # the pairs in any order (each point's from its one part)
        d = np.concatenate([none, *(np.repeat(r.point_pos, r.counts) for r in results)])
        s = np.concatenate([none, *(r.source_pos() for r in results)]).astype(np.int64)
        return d, s

    def matrix(
        self,
        network: WalkNetwork,
        sources: Anchors,
        points: Anchors,
        *,
        minutes: float,
        limit_s: float,
        progress: bool | None = None,
    ) -> csc_matrix:
        """One round as a boolean matrix, points x sources, assembled part by part.

        Parameters
        ----------
        network, sources, points, minutes, limit_s, progress
            As for :func:`~harbor_planner.network.pairs.find_matrix`.

        Returns
        -------
        scipy.sparse.csc_matrix
            Canonical, data ``True``, int32 indices where they fit.

        """
        request = PairRequest(sources, points, float(minutes), float(limit_s))
        return self.matrices(network, [request], progress=progress)[0]

    def matrices(
        self, network: WalkNetwork, requests: list[PairRequest], *, progress: bool | None = None
    ) -> list[csc_matrix]:
        """Several rounds submitted together (one batch), each as :meth:`matrix` gives it.

        The parts of every round go to the cluster at once, largest first within a round and
        round after round, so the workers start the next round's parts while the last of the
        previous one finish; the client waits once.

        Parameters
        ----------
        network
            The walk network.
        requests
            The rounds (see :func:`~harbor_planner.network.pairs.find_matrices`).
        progress
            As for :meth:`matrix`.

        Returns
        -------
        list of scipy.sparse.csc_matrix

        """
        from harbor_planner._rows import rows_to_csc  # numba: only when used

        out = []
        batch = self._rounds(network, requests, progress)
        while batch:
            rd, results = batch.pop(0)
            rows = [(r.point_pos, r.counts, r.source_local, r.source_ids) for r in results]
            del results  # the parts' arrays are held by ``rows`` alone: freed as they are placed
            out.append(rows_to_csc(rows, n_rows=rd.n_points, n_cols=rd.n_sources))
        return out

    def _rounds(
        self, network: WalkNetwork, requests: list[PairRequest], progress: bool | None
    ) -> list[tuple[_Round, list[PartResult]]]:
        """A batch of rounds of part tasks, submitted together; each round with its results."""
        t0 = time.perf_counter()
        if self.parts is None:
            self.parts = (self.layer or read_parts(self.scenario)).on_network(network)
        first = len(self.rounds)
        self._wait_saving()
        with self._writing_work_files():
            net_file = self._network_file(network)
            rounds = [self._round(network, net_file, r, first + i) for i, r in enumerate(requests)]
        results = self._run([t for rd in rounds for t in rd.tasks], first, len(rounds), progress)
        self._preloads = []  # done or failed: the futures are released
        wall = time.perf_counter() - t0
        out = []
        for rd in rounds:
            mine, results = results[: len(rd.tasks)], results[len(rd.tasks) :]
            Path(rd.sources_path).unlink(missing_ok=True)
            self._log_round(rd, mine, first + 1, wall)
            out.append((rd, mine))
        return out

    def _round(
        self,
        network: WalkNetwork,
        net_file: tuple[str, tuple[int, int] | None],
        request: PairRequest,
        k: int,
    ) -> _Round:
        """One round's files and tasks (round ``k``, from 0)."""
        assert self.parts is not None
        net_path, stamp = net_file
        points_path, part, outside = self._points_file(network, request.points, net_path)
        margin = reach_radius_m(network, max(request.minutes, request.limit_s / 60.0))
        sources_path = self.work_dir / f"round-{k}-sources.npz"
        np.savez(sources_path, **anchor_arrays("s", request.sources))
        sizes = np.bincount(part[part >= 0], minlength=len(self.parts.names))
        order = np.argsort(-sizes[sizes > 0], kind="stable")  # largest parts first
        tasks = [
            PartTask(
                name=self.parts.names[i], index=int(i), network_path=net_path, network_stamp=stamp,
                walk_model=network.walk_model, points_path=points_path,
                sources_path=str(sources_path), region_wkb=shapely.to_wkb(self.parts.geometry[i]),
                margin_m=margin, minutes=request.minutes, limit_s=request.limit_s,
            )
            for i in np.flatnonzero(sizes > 0)[order]
        ]  # fmt: skip
        return _Round(
            k, tasks, str(sources_path), len(request.sources), len(request.points), outside,
            margin,
        )  # fmt: skip

    def _run(
        self, tasks: list[PartTask], k: int, n_rounds: int, progress: bool | None
    ) -> list[PartResult]:
        """A batch's tasks on the cluster (a scheduler's workers must see the work folder)."""
        from harbor_planner.cluster import run_tasks

        parts = self.parts
        assert parts is not None
        rounds = f"round {k + 1}" if n_rounds == 1 else f"rounds {k + 1}-{k + n_rounds}"
        try:
            return run_tasks(
                self.client, run_part, tasks, [t.name for t in tasks],
                desc=f"parts ({rounds})",
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

    def _points_file(
        self, network: WalkNetwork, points: Anchors, net_path: str
    ) -> tuple[str, IntArray, int]:
        """The points' anchors and parts, written once per network and distinct points."""
        last = self._last_points
        if last is not None and last[0] is points and last[1] == net_path:
            return last[2]  # the same anchors again (the matrix's rounds): no digest
        arrays = anchor_arrays("p", points)
        p_key = f"{net_path}:{_digest(arrays)}"
        if p_key not in self._points:
            assert self.parts is not None
            part, outside = (
                self.parts.assign(points.xy(network)) if len(points) else (np.zeros(0), 0)
            )
            part = np.where(points.within, part, -1).astype(np.int64)
            path = self.work_dir / f"points-{len(self._points)}.npz"
            np.savez(path, point_part=part, **arrays)
            self._points[p_key] = (str(path), part, outside)
        self._last_points = (points, net_path, self._points[p_key])
        return self._points[p_key]

    def _log_round(self, rd: _Round, results: list[PartResult], batch: int, wall: float) -> None:
        """Record a round: its parts' times and workers, and its line of run.json.

        ``seconds`` is the wall time of the round's batch (the rounds submitted together).
        """
        for task, r in zip(rd.tasks, results, strict=True):
            entry = self._logs.setdefault(task.name, _PartLog(task.name))
            entry.points = max(entry.points, r.points)
            entry.seconds += r.seconds
            entry.cpu_seconds += r.cpu_seconds
            entry.seconds_by_round[rd.k + 1] = r.seconds
            entry.workers.add(r.worker)
            entry.peak_rss_bytes = max(entry.peak_rss_bytes, r.peak_rss_bytes)
            entry.max_nodes = max(entry.max_nodes, r.nodes)
            row = self._workers.setdefault(
                r.worker, {"parts": set(), "tasks": 0, "seconds": 0.0, "cpu": 0.0, "peak": 0}
            )
            row["parts"].add(task.name)
            row["tasks"] += 1
            row["seconds"] += r.seconds
            row["cpu"] += r.cpu_seconds
            row["peak"] = max(row["peak"], r.peak_rss_bytes)
        self.rounds.append(
            {
                "round": rd.k + 1,
                "batch": batch,
                "parts": len(results),
                "sources": rd.n_sources,
                "points": int(sum(r.points for r in results)),
                "points_outside_parts": int(rd.outside),
                "margin_m": round(rd.margin_m, 1),
                "seconds": round(wall, 3),
            }
        )
        log.info(
            "partition: round %d (batch %d), %d parts, %d sources, margin %.0f m, %.2f s "
            "(slowest part %.2f s)",
            rd.k + 1,
            batch,
            len(results),
            rd.n_sources,
            rd.margin_m,
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
            # the parts that held demand and ran; the workers that ran them (probe 22D: 6
            # parts meeting the network where 1 ran; 0 workers at the start, 1 joining later)
            "parts_run": len(self._logs),
            "cluster": {**self.cluster.record(), "workers_used": len(self._workers)},
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
                "cpu_seconds": round(row["cpu"], 3),
                "peak_rss_mb": round(row["peak"] / 2**20, 1),
            }
            for w, row in sorted(self._workers.items())
        }


def _digest(arrays: dict[str, np.ndarray]) -> str:
    """A digest of anchors (to know the same points asked again)."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.data)
    return h.hexdigest()


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

    layer = read_parts(scenario)  # its problems said before the inputs load (probe 18D)
    with (
        _work_folder(cfg.work_dir) as tmp,
        open_cluster(cfg.scheduler, workers=cfg.workers) as (client, info),
    ):
        finder = PartitionedPairs(scenario, client, info, Path(tmp), progress=progress, layer=layer)
        solves = ClusterDistrictSolves(client, progress=progress, work_dir=Path(tmp))
        try:
            with use_pair_finder(finder), use_stage_runner(solves):
                yield finder
        finally:
            finder.finish()  # before the work folder is removed
            if info.kind == "scheduler":  # its workers outlive the run (probe 18D)
                _release_networks(client, tmp)


@contextlib.contextmanager
def _work_folder(parent: Path | None) -> Iterator[str]:
    """The run's work folder under ``parent`` (default the temporary folder), removed after.

    Made here: a read-only or full one is said so (probe 18D); one an earlier run left
    (killed outright) is removed (probe 22D, :func:`~harbor_planner._io.own_work_folder`).
    """
    import shutil

    with _work_folder_errors(parent):
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        folder = own_work_folder("hp-parts-", parent)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _release_networks(client: Any, folder: str) -> None:
    """Have a running scheduler's workers forget the run's networks (they outlive the run)."""
    if getattr(client, "status", None) != "running":
        return
    try:
        freed = client.run(release_networks, folder, wait=True, on_error="return")
    except Exception as exc:  # a scheduler already lost: its workers have nothing to keep
        log.debug("the workers were not asked to forget the run's network: %s", exc)
        return
    n = sum(v for v in freed.values() if isinstance(v, int))
    log.debug("%d worker(s) forgot the run's network", n)
