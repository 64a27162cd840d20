"""The coverage matrix: which candidate sites cover which demand within the walking limit.

Built with bounded searches from every candidate (:func:`harbor_planner.network.reachability`)
and never dense: the result is a sparse boolean matrix, demand x candidates. Existing stations
are folded in as a coverage mask (demand they already cover), since they are fixed. Like
spopt's ``from_cost_matrix``, :meth:`CoverageMatrix.from_arrays` takes a ready matrix, so the
models and solvers do not depend on the network.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csc_matrix, csr_matrix

from harbor_planner._arrays import assemble_columns
from harbor_planner._rows import group_rows
from harbor_planner.errors import InputDataError
from harbor_planner.network import (
    Anchors,
    PointIndex,
    Reachability,
    WalkNetwork,
    anchors_for,
    index_points,
    limit_seconds,
    pairs_within,
    reachability,
    reachability_chunks,
)
from harbor_planner.network.pairs import PairRequest, find_matrices, pairs_are_local
from harbor_planner.optimize.reduce import segment_ranges
from harbor_planner.resources import check_memory, coverage_matrix_bytes
from harbor_planner.settings import COVERAGE_CHUNK_SOURCES, MINUTES, SNAP_MAX_DIST_M

__all__ = [
    "CoverageMatrix",
    "WalkSpacing",
    "assemble_columns",
    "coverage_matrix",
    "coverage_steps",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class WalkSpacing:
    """Which candidates are within a walking distance of each other and of existing stations.

    Attributes
    ----------
    dist_m
        The walking distance.
    conflicts
        Symmetric CSR boolean matrix of candidate pairs closer than ``dist_m`` on foot.
    near_existing
        Candidates closer than ``dist_m`` on foot to an existing station.

    """

    dist_m: float
    conflicts: csr_matrix
    near_existing: BoolArray


@dataclass(frozen=True, eq=False)
class CoverageMatrix:
    """Demand x candidate coverage, with weights and what existing stations already cover.

    Attributes
    ----------
    covers
        Sparse boolean matrix (CSC), ``covers[i, j]``: candidate ``j`` covers demand ``i``.
    weights
        Demand weights.
    existing_count
        How many existing (fixed) stations cover each demand point.
    candidate_ids
        Candidate identifiers (strings).
    candidate_xy
        Candidate coordinates in a metric CRS (for straight-line spacing), or ``None``.
    candidate_district
        District of each candidate (for quotas), or ``None``.
    candidate_cost
        Cost of each candidate (for budgets), or ``None``.
    existing_xy
        Existing stations' metric coordinates (spacing applies to them too, off the network
        as on it), or ``None``.
    walk_spacing
        Candidate pairs, and candidates and existing stations, closer than a walking distance
        (for spacing measured along the network), or ``None``.
    info
        How the matrix was built (limit, counts), JSON-compatible.

    """

    covers: csc_matrix
    weights: FloatArray
    existing_count: IntArray
    candidate_ids: npt.NDArray[np.object_]
    candidate_xy: FloatArray | None = None
    candidate_district: npt.NDArray[np.object_] | None = None
    candidate_cost: FloatArray | None = None
    existing_xy: FloatArray | None = None
    walk_spacing: WalkSpacing | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_dem, n_cand = self.covers.shape
        if len(self.weights) != n_dem or len(self.existing_count) != n_dem:
            raise InputDataError(
                f"coverage matrix has {n_dem} demand rows but {len(self.weights)} weights and "
                f"{len(self.existing_count)} existing-coverage counts"
            )
        if len(self.candidate_ids) != n_cand:
            raise InputDataError(
                f"coverage matrix has {n_cand} candidate columns but "
                f"{len(self.candidate_ids)} candidate ids"
            )
        if not np.isfinite(self.weights).all() or (self.weights < 0).any():
            raise InputDataError("demand weights must be finite numbers >= 0")
        with np.errstate(over="ignore"):
            if not np.isfinite(self.weights.sum()):  # the solvers' sums would be inf or NaN
                raise InputDataError("demand weights sum beyond any number; scale them down")
        if self.candidate_district is not None and len(self.candidate_district) != n_cand:
            raise InputDataError(
                f"coverage matrix has {n_cand} candidate columns but "
                f"{len(self.candidate_district)} candidate districts"
            )

    @property
    def n_demand(self) -> int:
        """Number of demand points (rows)."""
        return self.covers.shape[0]

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns)."""
        return self.covers.shape[1]

    @property
    def existing_covered(self) -> BoolArray:
        """Demand already covered by at least one existing station."""
        return self.existing_count > 0

    @property
    def total_weight(self) -> float:
        """Total demand weight."""
        return float(self.weights.sum())

    @property
    def covered_weight_before(self) -> float:
        """Demand weight existing stations cover."""
        return float(self.weights[self.existing_covered].sum())

    def covered_weight(self, selected: npt.ArrayLike) -> float:
        """Demand weight covered by existing stations plus the ``selected`` candidates."""
        sel = np.asarray(selected, dtype=np.int64)
        hit = self.existing_covered.copy()
        if sel.size:
            rows = self.covers[:, sel].tocsr()
            hit |= np.diff(rows.indptr) > 0
        return float(self.weights[hit].sum())

    @classmethod
    def from_arrays(
        cls,
        covers: Any,
        weights: npt.ArrayLike,
        *,
        existing_covered: npt.ArrayLike | None = None,
        existing_count: npt.ArrayLike | None = None,
        candidate_ids: npt.ArrayLike | None = None,
        candidate_xy: npt.ArrayLike | None = None,
        candidate_district: npt.ArrayLike | None = None,
        candidate_cost: npt.ArrayLike | None = None,
        existing_xy: npt.ArrayLike | None = None,
    ) -> CoverageMatrix:
        """Build from a ready coverage matrix (dense or sparse, demand x candidates).

        A cost matrix becomes a coverage matrix with ``cost <= limit`` before this call,
        as in spopt's ``from_cost_matrix``. Existing stations are given as
        ``existing_count`` (stations covering each row) or ``existing_covered`` (flags).
        """
        a = csc_matrix(covers, dtype=bool)
        a.eliminate_zeros()
        n_dem, n_cand = a.shape
        ids = (
            np.arange(n_cand).astype(str).astype(object)
            if candidate_ids is None
            else np.asarray(candidate_ids, dtype=object)
        )
        if candidate_ids is not None:  # a plan names its sites by id (as coverage_matrix)
            _unique_ids(ids.astype(str).astype(object))  # the ids themselves are kept
        for name, xy in (("candidate_xy", candidate_xy), ("existing_xy", existing_xy)):
            if xy is not None and not np.isfinite(np.asarray(xy, dtype=float)).all():
                raise InputDataError(
                    f"{name} holds NaN or infinite coordinates; give every site its "
                    "coordinates in metres (the network's CRS)"
                )
        return cls(
            covers=a,
            weights=np.asarray(weights, dtype=np.float64),
            existing_count=(
                np.asarray(existing_count, dtype=np.int64)
                if existing_count is not None
                else np.zeros(n_dem, dtype=np.int64)
                if existing_covered is None
                else np.asarray(existing_covered, dtype=bool).astype(np.int64)
            ),
            candidate_ids=ids,
            candidate_xy=None if candidate_xy is None else np.asarray(candidate_xy, float),
            candidate_district=(
                None if candidate_district is None else np.asarray(candidate_district, object)
            ),
            candidate_cost=None if candidate_cost is None else np.asarray(candidate_cost, float),
            existing_xy=None if existing_xy is None else np.asarray(existing_xy, float),
        )


def _site_ids(candidates: Any) -> npt.NDArray[np.object_]:
    """The candidates' ids as text (``site_id``, else the index); refused when repeated."""
    if not hasattr(candidates, "geometry") or not hasattr(candidates, "index"):
        raise InputDataError(
            f"candidates must be a GeoDataFrame of points, not {type(candidates).__name__} "
            "(coverage_matrix(network, candidates, demand))"
        )
    ids = (
        candidates["site_id"].astype(str).to_numpy(object)
        if "site_id" in candidates
        else np.asarray(candidates.index).astype(str).astype(object)
    )
    return _unique_ids(ids)


def _unique_ids(ids: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """``ids``, refused when one is repeated (naming it and where)."""
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    dup = counts[inverse] > 1
    if dup.any():
        first = ids[np.flatnonzero(dup)[0]]
        at = np.flatnonzero(ids == first)
        raise InputDataError(
            f"{int(dup.sum())} candidates share a site id (first: {first!r}, at positions "
            f"{', '.join(str(i) for i in at[:5])}{', ...' if len(at) > 5 else ''}); a plan "
            "names its sites by id: give every candidate its own site_id"
        )
    return ids


def coverage_matrix(
    network: WalkNetwork,
    candidates: Any,
    demand: Any,
    *,
    minutes: float = MINUTES,
    existing: Any | None = None,
    max_dist_m: float = SNAP_MAX_DIST_M,
    candidate_district: npt.ArrayLike | None = None,
    walk_spacing_m: float | None = None,
    progress: bool | None = None,
    chunk_candidates: int = COVERAGE_CHUNK_SOURCES,
) -> CoverageMatrix:
    """Which candidates cover which demand within ``minutes`` of walking.

    Parameters
    ----------
    network
        The walk network.
    candidates
        GeoDataFrame of candidate points (``site_id`` column used as ids; ``edge`` and
        ``edge_frac`` used as exact positions when present; ``cost`` kept).
    demand
        A :class:`~harbor_planner.demand.Demand` or a GeoDataFrame with ``weight``.
    minutes
        Walking-time limit.
    existing
        Existing stations (GeoDataFrame), fixed: the demand they cover is already covered.
    max_dist_m
        Candidates, stations and demand farther than this from every street are left out.
    candidate_district
        District of each candidate, for quotas.
    walk_spacing_m
        Also find the candidates closer than this walking distance (metres along the
        network) to each other and to existing stations, for spacing measured on foot.
    progress
        Show progress bars (default: only on a terminal).
    chunk_candidates
        Candidates searched per block. The matrix is built a block of candidates at a time:
        each block's searches are turned into its columns (int32 demand rows) and dropped, so
        memory grows with the block and the final matrix, not with all searches at once.

    Returns
    -------
    CoverageMatrix
        ``covers`` is CSC with int32 ``indices``/``indptr`` (int64 only beyond 2^31 pairs),
        sorted rows and boolean data.

    """
    from harbor_planner.network.snap import points_xy

    t0 = time.perf_counter()
    points = getattr(demand, "points", demand)
    if len(points) == 0:
        raise InputDataError("the demand is empty: nothing to cover")
    if len(candidates) == 0:
        raise InputDataError("there are no candidate sites")
    ids = _site_ids(candidates)
    local = pairs_are_local()  # a partitioned run finds the pairs on its workers
    if local:
        check_memory(
            coverage_matrix_bytes(
                network, len(candidates), len(points), minutes, chunk_sources=chunk_candidates
            ),
            f"the coverage matrix of {len(candidates):,} candidates x {len(points):,} demand "
            "points",
            "optimize.candidate_spacing_m or the candidate file, or the demand (demand.spacing_m)",
        )
    cand = anchors_for(network, candidates, max_dist_m=max_dist_m)
    dem = anchors_for(network, points, max_dist_m=max_dist_m)
    from harbor_planner.analysis.coverage import open_stations

    existing = open_stations(existing)
    covers, existing_count, existing_xy = _columns_and_existing(
        network, cand, dem, existing, minutes, max_dist_m, chunk=max(1, int(chunk_candidates)),
        local=local, progress=progress,
    )  # fmt: skip
    weights = points["weight"].to_numpy(np.float64)
    cand_xy = points_xy(candidates, crs=network.crs, what="candidates")[0]
    cost = candidates["cost"].to_numpy(np.float64) if "cost" in candidates else None
    off = ~cand.within
    if off.any():
        log.warning(
            "%d of %d candidates are farther than %g m from any walkable street; they cover "
            "nothing",
            int(off.sum()),
            len(candidates),
            max_dist_m,
        )
    spacing = None
    if walk_spacing_m is not None and walk_spacing_m > 0:
        spacing = _walk_spacing(network, cand, existing, walk_spacing_m, max_dist_m, cand_xy)
    info = {
        "minutes": float(minutes),
        "candidates": len(candidates),
        "candidates_off_network": int(off.sum()),
        "demand_points": len(points),
        "demand_off_network": int((~dem.within).sum()),
        "pairs": int(covers.nnz),
        "build_s": round(time.perf_counter() - t0, 3),
    }
    log.info(
        "coverage matrix: %d demand x %d candidates, %d pairs within %g min; existing stations "
        "cover %.2f %% of the demand (%.2f s)",
        len(points),
        len(candidates),
        covers.nnz,
        minutes,
        round(100.0 * weights[existing_count > 0].sum() / max(weights.sum(), 1e-12), 2),
        info["build_s"],
    )
    return CoverageMatrix(
        covers=covers,
        weights=weights,
        existing_count=existing_count,
        candidate_ids=ids,
        candidate_xy=cand_xy,
        candidate_district=(
            None if candidate_district is None else np.asarray(candidate_district, dtype=object)
        ),
        candidate_cost=cost,
        existing_xy=existing_xy,
        walk_spacing=spacing,
        info=info,
    )


def _columns_and_existing(
    network: WalkNetwork,
    cand: Anchors,
    dem: Anchors,
    existing: Any | None,
    minutes: float,
    max_dist_m: float,
    *,
    chunk: int,
    local: bool,
    progress: bool | None,
) -> tuple[csc_matrix, IntArray, FloatArray | None]:
    """The coverage columns and the existing stations' counts, searched here or by the finder.

    Here (``local``): a block of ``chunk`` candidates at a time, each block's pairs turned into
    int32 columns and dropped. In a partitioned run the finder builds the matrix part by part.
    """
    limit = limit_seconds(minutes)
    if not local:
        return _columns_and_existing_found(
            network, cand, dem, existing, minutes, max_dist_m, progress=progress
        )
    dem_index = index_points(network, dem)
    blocks = reachability_chunks(
        network, cand, minutes=minutes, chunk_sources=chunk, progress=progress,
        desc="coverage matrix",
    )  # fmt: skip
    columns = (_block_columns(network, pos, r, dem_index, limit) for pos, r in blocks)
    covers = assemble_columns(columns, n_rows=len(dem), n_cols=len(cand))
    existing_count, existing_xy = _existing_counts(
        network, existing, dem_index, minutes, max_dist_m, chunk=chunk, progress=progress
    )
    return covers, existing_count, existing_xy


def _existing_counts(
    network: WalkNetwork,
    existing: Any | None,
    demand: PointIndex,
    minutes: float,
    max_dist_m: float,
    *,
    chunk: int,
    progress: bool | None,
) -> tuple[IntArray, FloatArray | None]:
    """How many existing stations cover each demand point, and the placed stations' xy.

    Counted a block of stations at a time: only one block's pairs are held.
    """
    from harbor_planner.network.snap import points_xy

    n_dem = len(demand.points)
    count = np.zeros(n_dem, dtype=np.int64)
    if existing is None or not len(existing):
        return count, None
    st = anchors_for(network, existing, max_dist_m=max_dist_m)
    blocks = reachability_chunks(
        network, st, minutes=minutes, chunk_sources=chunk, progress=progress,
        desc="existing stations",
    )  # fmt: skip
    for pos, r in blocks:
        rows, _, _ = _block_columns(network, pos, r, demand, limit_seconds(minutes))
        count += np.bincount(rows, minlength=n_dem)
    return count, points_xy(existing, crs=network.crs, what="existing stations")[0]


def _block_columns(
    network: WalkNetwork, pos: IntArray, reach: Reachability, demand: PointIndex, limit_s: float
) -> tuple[npt.NDArray[np.int32], IntArray, IntArray]:
    """One block's distinct (demand, source) pairs within ``limit_s``, column by column.

    Returns the demand rows (int32, sorted within each column), the block's source
    positions ``pos`` and how many rows each has.
    """
    d, c = pairs_within(network, reach, demand, limit_s)
    return _pair_columns(d, c, pos)


def _pair_columns(
    d: IntArray, c: IntArray, pos: IntArray
) -> tuple[npt.NDArray[np.int32], IntArray, IntArray]:
    """Distinct ``(demand d, source c)`` pairs as columns: rows (int32), ``pos``, counts.

    ``c`` indexes ``pos`` (the sources' positions among all candidates).
    """
    counts, rows = group_rows(c, d, len(pos))  # by column, rows ascending and distinct
    return rows.astype(np.int32), pos, counts


def _columns_and_existing_found(
    network: WalkNetwork,
    cand: Anchors,
    dem: Anchors,
    existing: Any | None,
    minutes: float,
    max_dist_m: float,
    *,
    progress: bool | None,
) -> tuple[csc_matrix, IntArray, FloatArray | None]:
    """The coverage columns and the existing stations' counts by the finder in use.

    Both matrices are asked at once (:func:`~harbor_planner.network.pairs.find_matrices`): a
    partitioned run's workers go on to the stations' parts while the last candidates' parts
    finish.
    """
    from harbor_planner.network.snap import points_xy

    limit = limit_seconds(minutes)
    requests = [PairRequest(cand, dem, float(minutes), limit)]
    st = None
    if existing is not None and len(existing):
        st = anchors_for(network, existing, max_dist_m=max_dist_m)
        requests.append(PairRequest(st, dem, float(minutes), limit))
    found = find_matrices(network, requests, progress=progress)
    if st is None:
        return found[0], np.zeros(len(dem), dtype=np.int64), None
    count = np.bincount(found[1].indices, minlength=len(dem)).astype(np.int64)
    xy = points_xy(existing, crs=network.crs, what="existing stations")[0]
    return found[0], count, xy


def _walk_spacing(
    network: WalkNetwork,
    cand: Anchors,
    existing: Any | None,
    dist_m: float,
    max_dist_m: float,
    cand_xy: FloatArray,
) -> WalkSpacing:
    """Candidate pairs (and candidates and stations) closer than ``dist_m`` along the network.

    Distances are walked lengths: the network is re-timed flat at 1 m/s, so seconds are metres
    (one-way escalators still count one way; the shorter direction decides). A station off
    the network (beyond ``max_dist_m``) still stands there: it keeps candidates ``dist_m`` away
    in a straight line (probe 24O: a site placed 203 m from one under a 300 m spacing).
    """
    from harbor_planner.network import WalkModel

    metres = network.with_walk_model(WalkModel(kind="flat", speed_kmh=3.6))
    cand_m = Anchors(cand.edge, cand.frac, cand.dist_m, cand.dist_m, cand.within, cand.index)
    reach = reachability(metres, cand_m, minutes=dist_m / 60.0)
    i, j = pairs_within(metres, reach, cand_m, dist_m)
    off = i != j
    n = len(cand)
    pairs = csr_matrix(
        (np.ones(2 * off.sum(), dtype=bool), (np.r_[i[off], j[off]], np.r_[j[off], i[off]])),
        shape=(n, n),
    )
    pairs.sum_duplicates()
    near = np.zeros(n, dtype=bool)
    if existing is not None and len(existing):
        st = anchors_for(metres, existing, max_dist_m=max_dist_m)
        st_m = Anchors(st.edge, st.frac, st.dist_m, st.dist_m, st.within, st.index)
        reach_st = reachability(metres, st_m, minutes=dist_m / 60.0)
        k, _ = pairs_within(metres, reach_st, cand_m, dist_m)
        near[k] = True
        from scipy.spatial import cKDTree

        from harbor_planner.network.snap import points_xy

        off_xy = points_xy(existing, crs=network.crs, what="existing stations")[0][~st.within]
        if len(off_xy) and len(cand_xy):
            near |= cKDTree(off_xy).query(cand_xy)[0] < dist_m
    log.info(
        "walking spacing %g m: %d candidate pairs too close, %d candidates too close to an "
        "existing station",
        dist_m,
        pairs.nnz // 2,
        int(near.sum()),
    )
    return WalkSpacing(dist_m=float(dist_m), conflicts=pairs, near_existing=near)


def coverage_steps(
    cm: CoverageMatrix, chosen: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Single and double covered weight after each site of ``chosen`` is added, in order.

    Vectorised: every (row, site) entry of the chosen columns is sorted by row, then by the
    site's rank; a row becomes single (double) covered at the entry that brings its existing
    count to 1 (2).
    """
    k = len(chosen)
    if k == 0:
        return np.zeros(0), np.zeros(0)
    a = cm.covers.tocsc()
    lengths = np.diff(a.indptr)[chosen]
    rows = a.indices[segment_ranges(a.indptr[chosen], lengths)].astype(np.int64)
    rank = np.repeat(np.arange(k, dtype=np.int64), lengths)
    order = np.lexsort((rank, rows))
    rows, rank = rows[order], rank[order]
    first = np.searchsorted(rows, rows, side="left")
    nth = np.arange(len(rows)) - first + cm.existing_count[rows]  # covers before this entry
    w = cm.weights[rows]
    single = cm.covered_weight_before + np.cumsum(np.bincount(rank[nth == 0], w[nth == 0], k))
    double_before = float(cm.weights[cm.existing_count >= 2].sum())
    double = double_before + np.cumsum(np.bincount(rank[nth == 1], w[nth == 1], k))
    return single, double
