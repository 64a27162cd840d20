"""Reductions of a site-selection problem before it is solved, each with its size.

* :func:`reduce_rows`: demand rows that cannot change the choice leave (zero weight, already
  covered by existing stations up to the coverage level, no candidate covers them) and rows
  with the same set of covering candidates (and the same need) are merged, weights summed.
  The merge is exact: rows are grouped by a random projection of their column sets, then each
  row is compared entry by entry with its group's first row.
* :func:`dominated_columns`: candidates whose covered rows are a subset of another eligible
  candidate's, at no lower cost, in the same district group. Pairs are only tested among the
  candidates covering a column's rarest row (any dominator must cover it), the test itself is
  a sparse elementwise product in chunks, under a work budget (pairs left untested keep both
  columns: what is dropped is always proven dominated).
* :func:`compact`: the problem restricted to some columns and the rows they cover, with the
  map back to the original column positions.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csc_matrix, csr_matrix

from harbor_planner.optimize.kernels import row_hashes, rows_differ
from harbor_planner.optimize.solvers import Problem
from harbor_planner.settings import DOMINANCE_MAX_WORK

__all__ = ["compact", "dominated_columns", "merge_rows", "reduce_rows", "segment_ranges"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def segment_ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenated ``arange(start, start + length)`` of every segment, vectorised."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(np.asarray(starts, dtype=np.int64), lengths) + (
        np.arange(total, dtype=np.int64) - offsets
    )


def merge_rows(
    a: csr_matrix, weight: FloatArray, need: IntArray
) -> tuple[csr_matrix, FloatArray, IntArray]:
    """Merge rows with identical column sets and needs (weights summed), exactly.

    Parameters
    ----------
    a
        CSR matrix (rows x candidates).
    weight, need
        Per row.

    Returns
    -------
    tuple
        The merged CSR matrix (in order of first appearance), summed weights and needs.

    """
    n = a.shape[0]
    if n == 0:
        return a, weight, need
    a = a.tocsr()
    a.sort_indices()
    length = np.diff(a.indptr).astype(np.int64)
    h0, h1 = row_hashes(a.indptr, a.indices)
    order = np.lexsort((need, length, h1, h0))  # stable: groups in row order
    new_group = np.ones(n, dtype=bool)
    for col in (h0, h1, length, need):
        v = np.asarray(col)[order]
        new_group[1:] &= v[1:] == v[:-1]
    new_group[1:] = ~new_group[1:]
    gid = np.cumsum(new_group) - 1
    first = order[new_group]  # each group's first row (lowest position)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = gid
    rep = first[inverse]  # the group's first row, for every row
    # exact check: every row equals its representative entry by entry
    bad = rows_differ(a.indptr, a.indices, rep)
    group = np.where(bad, len(first) + np.arange(n), inverse)  # mismatches stay alone
    _, first2, inv2 = np.unique(group, return_index=True, return_inverse=True)
    order = np.argsort(first2, kind="stable")  # groups in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inv2 = rank[inv2.ravel()]
    keep = first2[order]
    merged_w = np.bincount(inv2, weights=weight, minlength=len(keep))
    return a[keep], merged_w, np.asarray(need, dtype=np.int64)[keep]


def reduce_rows(
    covers: Any, weights: FloatArray, existing_count: IntArray, level: int = 1
) -> tuple[csc_matrix, FloatArray, IntArray, dict[str, int]]:
    """Rows still short of ``level`` covers and coverable, identical rows merged.

    Parameters
    ----------
    covers
        Demand x candidate coverage (sparse).
    weights, existing_count
        Per demand row: weight and existing stations covering it.
    level
        Coverage level optimised (``min_cover``).

    Returns
    -------
    tuple
        The reduced CSC matrix, the summed weight of each reduced row, how many more covers it
        counts for, and the size of each reduction (``rows``, ``rows_zero_weight``,
        ``rows_existing_covered``, ``rows_uncoverable``, ``rows_merged``, ``rows_left``).

    """
    a = covers.tocsr()
    need = level - np.minimum(existing_count, level)
    coverable = np.diff(a.indptr) > 0
    positive = weights > 0
    done = need <= 0
    info = {
        "rows": int(a.shape[0]),
        "rows_zero_weight": int((~positive).sum()),
        "rows_existing_covered": int((positive & done).sum()),
        "rows_uncoverable": int((positive & ~done & ~coverable).sum()),
    }
    open_rows = ~done & coverable & positive
    sub, w, nd = a[open_rows], weights[open_rows], need[open_rows].astype(np.int64)
    merged, mw, mn = merge_rows(sub, w, nd)
    info["rows_merged"] = int(sub.shape[0] - merged.shape[0])
    info["rows_left"] = int(merged.shape[0])
    return merged.tocsc(), mw, mn, info


def _rarest_rows(a: csc_matrix, cols: IntArray, row_degree: IntArray) -> IntArray:
    """For each column in ``cols`` (non-empty), a row of it covered by the fewest columns."""
    lengths = np.diff(a.indptr)[cols]
    pos = segment_ranges(a.indptr[cols], lengths)
    deg = row_degree[a.indices[pos]]
    starts = np.cumsum(lengths) - lengths
    low = np.minimum.reduceat(deg, starts)
    owner = np.repeat(np.arange(len(cols)), lengths)
    hit = np.flatnonzero(deg == low[owner])
    _, first = np.unique(owner[hit], return_index=True)
    return a.indices[pos[hit[first]]]


def _candidate_pairs(
    a: csc_matrix, cols: IntArray, key_cost: FloatArray, group: IntArray
) -> tuple[IntArray, IntArray, int]:
    """Pairs (j, k): k covers j's rarest row, is as large, as cheap, in j's group."""
    ac = a[:, cols].tocsc()
    ar = ac.tocsr()
    row_degree = np.diff(ar.indptr)
    nnz = np.diff(ac.indptr)
    rare = _rarest_rows(ac, np.arange(len(cols)), row_degree)
    counts = row_degree[rare]
    js = np.repeat(np.arange(len(cols)), counts)
    ks = ar.indices[segment_ranges(ar.indptr[rare], counts)]
    n_all = len(js)
    ok = (ks != js) & (nnz[ks] >= nnz[js]) & (group[ks] == group[js])
    ok &= key_cost[ks] <= key_cost[js]
    # identical sets at equal cost: the lower position dominates (a strict order, no cycles)
    same = (nnz[ks] == nnz[js]) & (key_cost[ks] == key_cost[js])
    ok &= ~same | (ks < js)
    return js[ok], ks[ok], n_all


def dominated_columns(
    problem: Problem, n_add: int, *, max_work: int = DOMINANCE_MAX_WORK
) -> tuple[BoolArray, dict[str, Any]]:
    """Eligible candidates that another eligible candidate dominates, where that is safe.

    ``j`` is dominated by ``k`` when every row ``j`` covers ``k`` covers too, ``k`` costs no
    more (budget) and lies in the same district (quotas). Dropping ``j`` keeps the optimum
    when every row counts once (``need`` 1), no spacing rule ties columns together, there is
    no budget, and each district group keeps at least as many candidates as it may receive.

    Parameters
    ----------
    problem
        The (reduced) problem.
    n_add
        Sites to add.
    max_work
        Most matrix entries the subset tests may touch; pairs beyond are left untested.

    Returns
    -------
    tuple
        Mask of dominated (droppable) columns and a report: ``columns_dominated``,
        ``dominance_pairs``, ``dominance_pairs_tested`` or ``dominance_skipped`` (why).

    """
    n = problem.n_candidates
    none = np.zeros(n, dtype=bool)
    reason = _dominance_blocker(problem)
    if reason:
        return none, {"columns_dominated": 0, "dominance_skipped": reason}
    a = problem.cover.tocsc()
    cols = np.flatnonzero(problem.eligible & (np.diff(a.indptr) > 0))
    if len(cols) == 0:
        return none, {"columns_dominated": 0}
    group = (
        np.zeros(n, dtype=np.int64)
        if problem.quota_max is None or problem.district is None
        else np.asarray(problem.district, dtype=np.int64)
    )[cols]
    cost = np.zeros(len(cols))
    js, ks, n_all = _candidate_pairs(a, cols, cost, group)
    ac = a[:, cols].tocsc()
    t = ac.T.tocsr().astype(np.float32)  # row j: the rows column j covers
    nnz = np.diff(t.indptr)
    work = nnz[js] + nnz[ks]
    order = np.argsort(work, kind="stable")  # cheapest tests first
    js, ks, work = js[order], ks[order], work[order]
    n_test = int(np.searchsorted(np.cumsum(work), max_work, side="right"))
    dominated = np.zeros(len(cols), dtype=bool)
    step = 1 << 16
    for s in range(0, n_test, step):
        e = min(n_test, s + step)
        pj, pk = js[s:e], ks[s:e]
        inter = np.asarray(t[pj].multiply(t[pk]).sum(axis=1)).ravel()
        dominated[pj[inter >= nnz[pj] - 0.5]] = True
    dominated = _keep_enough(dominated, group, problem, n_add, cols)
    mask = none.copy()
    mask[cols[dominated]] = True
    info = {
        "columns_dominated": int(mask.sum()),
        "dominance_pairs_rarest_row": int(n_all),
        "dominance_pairs": len(js),
        "dominance_pairs_tested": int(n_test),
    }
    return mask, info


def _dominance_blocker(problem: Problem) -> str:
    """Why dropping dominated columns would not be safe here ("" when it is)."""
    if problem.conflicts is not None and problem.conflicts.nnz:
        return "spacing"
    if problem.budget is not None:
        return "budget"
    if (problem.row_need() > 1).any():
        return "min_cover"
    return ""


def _keep_enough(
    dominated: BoolArray, group: IntArray, problem: Problem, n_add: int, cols: IntArray
) -> BoolArray:
    """Undo the drops of a group that would keep fewer candidates than it may receive."""
    codes, inv = np.unique(group, return_inverse=True)
    inv = inv.ravel()
    kept = np.bincount(inv[~dominated], minlength=len(codes))
    room = np.full(len(codes), n_add, dtype=np.int64)
    if problem.quota_max is not None:
        for g, code in enumerate(codes):
            if code >= 0:
                room[g] = min(n_add, int(problem.quota_max[code]))
    short = kept < room
    if short.any():
        dominated = dominated & ~short[inv]
    return dominated


def compact(problem: Problem, keep: BoolArray) -> tuple[Problem, IntArray]:
    """The problem on the columns ``keep`` and the rows they cover, rows merged again.

    Returns
    -------
    tuple
        The smaller problem and the original position of each of its columns.

    """
    cols = np.flatnonzero(keep)
    a = problem.cover.tocsc()[:, cols].tocsr()
    need = problem.row_need()
    rows = (np.diff(a.indptr) > 0) & (need > 0) & (problem.weight > 0)
    sub, w, nd = merge_rows(a[rows], problem.weight[rows], need[rows])
    conflicts = problem.conflicts
    if conflicts is not None:
        conflicts = conflicts[cols][:, cols].tocsr()
    small = replace(
        problem,
        cover=sub.tocsc(),
        weight=w,
        need=nd,
        eligible=problem.eligible[cols],
        conflicts=conflicts,
        district=None if problem.district is None else problem.district[cols],
        cost=None if problem.cost is None else problem.cost[cols],
    )
    return small, cols
