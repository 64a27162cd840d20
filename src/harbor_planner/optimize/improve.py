"""Swap local search on top of greedy: drop one chosen site, add a better one, until none helps.

For maximal coverage with every row counting once, the change of exchanging chosen ``j`` for
candidate ``k`` is::

    delta(k, j) = gain(k) - loss(j) + extra(k, j)

with ``gain(k)`` the open weight ``k`` covers, ``loss(j)`` the weight only ``j`` covers and
``extra(k, j)`` the part of that weight ``k`` covers too. ``gain`` and ``loss`` are kept for
every candidate (``loss`` of a candidate not chosen is the weight covered exactly once that
it covers, which bounds ``extra``); after each swap only the columns that touch the changed
rows are updated. Candidates are examined best bound first, in chunks: ``extra`` for a chunk
and every chosen site comes from one ``bincount`` over the rows covered once (each such row
knows its one covering site). Swaps keep the rules: eligible sites, district quotas, budget
and spacing (a candidate may replace only the one chosen site it conflicts with, if any).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import csc_matrix, csr_matrix

from harbor_planner.optimize.reduce import segment_ranges
from harbor_planner.optimize.solvers import Problem
from harbor_planner.settings import SWAP_TIME_S

__all__ = ["swap_search"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_CHUNK = 64


@dataclass
class _State:
    """The current plan and what each candidate would gain or lose."""

    a: csc_matrix
    ar: csr_matrix
    w: FloatArray
    chosen: IntArray  # slot -> candidate
    slot_of: IntArray  # candidate -> slot or -1
    count: IntArray  # covers of each row by the plan
    owner: IntArray  # sum of the slots covering each row (the slot when covered once)
    gain: FloatArray = field(init=False)
    loss: FloatArray = field(init=False)
    objective: float = 0.0

    def __post_init__(self) -> None:
        self.gain = np.asarray(self.ar.T @ (self.w * (self.count == 0)), dtype=np.float64)
        self.loss = np.asarray(self.ar.T @ (self.w * (self.count == 1)), dtype=np.float64)

    def rows(self, j: int) -> IntArray:
        """Rows candidate ``j`` covers."""
        return self.a.indices[self.a.indptr[j] : self.a.indptr[j + 1]]

    def swap(self, s: int, k: int, delta: float) -> None:
        """Put candidate ``k`` in slot ``s`` in place of its site; update gains and losses."""
        j = int(self.chosen[s])
        rj, rk = self.rows(j), self.rows(k)
        touched = np.unique(np.concatenate([rj, rk]))
        old0, old1 = self.count[touched] == 0, self.count[touched] == 1
        self.count[rj] -= 1
        self.count[rk] += 1
        self.owner[rj] -= s
        self.owner[rk] += s
        d0 = (self.count[touched] == 0).astype(float) - old0
        d1 = (self.count[touched] == 1).astype(float) - old1
        moved = (d0 != 0) | (d1 != 0)
        rows = touched[moved]
        lengths = np.diff(self.ar.indptr)[rows]
        cols = self.ar.indices[segment_ranges(self.ar.indptr[rows], lengths)]
        n = self.a.shape[1]
        wr = self.w[rows]
        self.gain += np.bincount(cols, np.repeat(wr * d0[moved], lengths), minlength=n)
        self.loss += np.bincount(cols, np.repeat(wr * d1[moved], lengths), minlength=n)
        self.slot_of[j], self.slot_of[k] = -1, s
        self.chosen[s] = k
        self.objective += delta


def _allowed(problem: Problem, st: _State, ks: IntArray, spent: float) -> BoolArray:
    """``ok[c, s]``: candidate ``ks[c]`` may take slot ``s`` under every rule."""
    p = len(st.chosen)
    ok = np.ones((len(ks), p), dtype=bool)
    ch = st.chosen
    if problem.district is not None and problem.quota_max is not None:
        dist = problem.district
        n_d = len(problem.quota_max)
        cnt = np.bincount(dist[ch][dist[ch] >= 0], minlength=n_d)
        qmin = np.zeros(n_d, np.int64) if problem.quota_min is None else problem.quota_min
        dj, dk = dist[ch], dist[ks]
        can_leave = (dj < 0) | (cnt[np.maximum(dj, 0)] > qmin[np.maximum(dj, 0)])
        can_enter = (dk < 0) | (cnt[np.maximum(dk, 0)] < problem.quota_max[np.maximum(dk, 0)])
        ok &= (dj[None, :] == dk[:, None]) | (can_leave[None, :] & can_enter[:, None])
    if problem.budget is not None and problem.cost is not None:
        c = problem.cost
        ok &= (c[ks][:, None] - c[ch][None, :]) <= problem.budget - spent + 1e-9
    if problem.conflicts is not None and problem.conflicts.nnz:
        sub = problem.conflicts[ks].tocoo()
        slots = st.slot_of[sub.col]
        hit = slots >= 0
        r, sl = sub.row[hit], slots[hit]
        n_conf = np.bincount(r, minlength=len(ks))
        only = np.zeros((len(ks), p), dtype=bool)
        only[r, sl] = True
        ok &= np.where((n_conf == 0)[:, None], True, only & (n_conf == 1)[:, None])
    return ok


def _best_in_chunk(
    problem: Problem, st: _State, ks: IntArray, spent: float, tol: float
) -> tuple[float, int, int]:
    """The best exchange (delta, slot, candidate) for the candidates ``ks``."""
    p = len(st.chosen)
    lengths = np.diff(st.a.indptr)[ks]
    pos = segment_ranges(st.a.indptr[ks], lengths)
    rows = st.a.indices[pos]
    local = np.repeat(np.arange(len(ks)), lengths)
    once = st.count[rows] == 1
    if _unruled(problem):
        return _best_sparse(problem, st, ks, local[once] * p + st.owner[rows[once]],
                            st.w[rows[once]], tol)  # fmt: skip
    extra = np.bincount(
        local[once] * p + st.owner[rows[once]], st.w[rows[once]], minlength=len(ks) * p
    ).reshape(len(ks), p)
    delta = st.gain[ks][:, None] - st.loss[st.chosen][None, :] + extra
    ok = _allowed(problem, st, ks, spent)
    ok &= (st.slot_of[ks] < 0)[:, None] & problem.eligible[ks][:, None]
    delta = np.where(ok, delta, -np.inf)
    flat = int(np.argmax(delta))
    best = float(delta.flat[flat])
    if best <= tol:
        return 0.0, -1, -1
    c, s = divmod(flat, p)
    return best, s, int(ks[c])


def _unruled(problem: Problem) -> bool:
    """No quota, budget or spacing rule restricts which site a candidate may replace."""
    return (
        (problem.quota_max is None or problem.district is None)
        and (problem.budget is None or problem.cost is None)
        and (problem.conflicts is None or not problem.conflicts.nnz)
    )


def _best_sparse(
    problem: Problem, st: _State, ks: IntArray, key: IntArray, wt: FloatArray, tol: float
) -> tuple[float, int, int]:
    """:func:`_best_in_chunk` without rules, sparse.

    Only the pairs sharing rows, and each candidate against the chosen site of least loss
    (``extra`` is 0 for every other pair).
    """
    p = len(st.chosen)
    free = (st.slot_of[ks] < 0) & problem.eligible[ks]
    loss = st.loss[st.chosen]
    s_min = int(np.argmin(loss))
    base = np.where(free, st.gain[ks] - loss[s_min], -np.inf)
    c0 = int(np.argmax(base))
    best, bs, bk = float(base[c0]), s_min, int(ks[c0])
    if len(key):
        pairs, inv = np.unique(key, return_inverse=True)
        extra = np.bincount(inv.ravel(), wt, minlength=len(pairs))
        c, sl = np.divmod(pairs, p)
        delta = np.where(free[c], st.gain[ks[c]] - loss[sl] + extra, -np.inf)
        i = int(np.argmax(delta))
        if delta[i] > best:
            best, bs, bk = float(delta[i]), int(sl[i]), int(ks[c[i]])
    if best <= tol:
        return 0.0, -1, -1
    return best, bs, bk


def swap_search(
    problem: Problem, selected: IntArray, *, time_s: float = SWAP_TIME_S
) -> tuple[IntArray, float, int]:
    """Improve a plan by exchanges of one site until no exchange helps (or time runs out).

    Parameters
    ----------
    problem
        The reduced problem; every row must count once (``need`` 1).
    selected
        The starting plan (candidate positions), feasible under the problem's rules.
    time_s
        Time budget.

    Returns
    -------
    tuple
        The improved plan, its newly covered weight and the number of exchanges made.

    """
    t0 = time.perf_counter()
    a = problem.cover.tocsc()
    w = np.asarray(problem.weight, dtype=np.float64)
    n = a.shape[1]
    chosen = np.asarray(selected, dtype=np.int64).copy()
    slot_of = np.full(n, -1, dtype=np.int64)
    slot_of[chosen] = np.arange(len(chosen))
    lengths = np.diff(a.indptr)[chosen]
    rows = a.indices[segment_ranges(a.indptr[chosen], lengths)]
    count = np.bincount(rows, minlength=a.shape[0]).astype(np.int64)
    owner = np.bincount(rows, np.repeat(np.arange(len(chosen)), lengths), minlength=a.shape[0])
    st = _State(a, a.tocsr(), w, chosen, slot_of, count, owner.astype(np.int64))
    st.objective = float(w[count > 0].sum())
    spent = 0.0 if problem.cost is None else float(problem.cost[chosen].sum())
    tol = 1e-9 * max(1.0, st.objective)
    swaps, improved = 0, True
    while improved and time.perf_counter() - t0 < time_s:
        improved = False
        min_loss = float(st.loss[st.chosen].min()) if len(st.chosen) else 0.0
        ub = st.gain - np.maximum(0.0, min_loss - st.loss)
        order = np.flatnonzero((ub > tol) & problem.eligible & (st.slot_of < 0))
        order = order[np.argsort(-ub[order], kind="stable")]
        for s0 in range(0, len(order), _CHUNK):
            ks = order[s0 : s0 + _CHUNK]
            while True:
                delta, s, k = _best_in_chunk(problem, st, ks, spent, tol)
                if s < 0:
                    break
                if problem.cost is not None:
                    spent += float(problem.cost[k] - problem.cost[st.chosen[s]])
                st.swap(s, k, delta)
                swaps += 1
                improved = True
            if time.perf_counter() - t0 >= time_s:
                break
    log.info("swap search: %d exchanges, %.6g newly covered (%.2f s)", swaps, st.objective,
             time.perf_counter() - t0)  # fmt: skip
    return st.chosen.copy(), st.objective, swaps
