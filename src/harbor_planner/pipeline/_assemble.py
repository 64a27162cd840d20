"""The coverage matrix of a partitioned run from its parts' rows, in one pass (numba).

Each part returns its demand points' rows (the sources reaching each point, ascending); the
matrix is wanted column by column (each source's points, ascending). Walking the points in
order and appending each to its sources' columns gives that matrix directly: one counting
pass and one placing pass, with no intermediate row matrix and no transpose (on the 1M-node
benchmark 118.7 million pairs: about 1.1 s, against 1.8 s for placing the rows and 0.9 s for
``tocsc``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt
from numba.typed import List
from scipy.sparse import csc_matrix

__all__ = ["rows_to_csc"]


@numba.njit(cache=True, nogil=True)
def _count(sources, n_cols):  # pragma: no cover - compiled
    counts = np.zeros(n_cols, dtype=np.int64)
    for arr in sources:
        for j in range(len(arr)):
            counts[arr[j]] += 1
    return counts


@numba.njit(cache=True, nogil=True)
def _place(sources, block, start, count, indptr, out):  # pragma: no cover - compiled
    nxt = indptr[:-1].copy()
    for p in range(len(block)):
        b = block[p]
        if b < 0:
            continue
        arr = sources[b]
        for j in range(start[p], start[p] + count[p]):
            s = arr[j]
            out[nxt[s]] = p
            nxt[s] += 1


def rows_to_csc(
    blocks: Sequence[tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike]],
    *,
    n_rows: int,
    n_cols: int,
) -> csc_matrix:
    """A boolean CSC matrix from blocks of rows (each row's columns ascending and distinct).

    Parameters
    ----------
    blocks
        ``(rows, counts, cols)``: which rows a block holds, how many columns each has, and
        those columns row after row. A row appears in at most one block; rows in none are
        empty.
    n_rows, n_cols
        Shape of the matrix.

    Returns
    -------
    scipy.sparse.csc_matrix
        Canonical (rows ascending within each column), data ``True``; ``indices`` and
        ``indptr`` are int32 unless the entries or the rows need int64.

    """
    block = np.full(n_rows, -1, dtype=np.int64)
    start = np.zeros(n_rows, dtype=np.int64)
    count = np.zeros(n_rows, dtype=np.int64)
    cols = [np.asarray(c) for _, _, c in blocks]
    col_t = np.int32 if all(c.dtype == np.int32 for c in cols) else np.int64
    sources = List([c.astype(col_t, copy=False) for c in cols] or [np.zeros(0, dtype=col_t)])
    for b, (rows, cnt, _) in enumerate(blocks):
        rows = np.asarray(rows, dtype=np.int64)
        cnt = np.asarray(cnt, dtype=np.int64)
        block[rows] = b
        count[rows] = cnt
        start[rows] = np.cumsum(cnt) - cnt
    indptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(_count(sources, n_cols), out=indptr[1:])
    nnz = int(indptr[-1])
    idx_t = np.int32 if max(nnz, n_rows, n_cols) < np.iinfo(np.int32).max else np.int64
    indices = np.empty(nnz, dtype=idx_t)
    _place(sources, block, start, count, indptr, indices)
    out = csc_matrix(
        (np.ones(nnz, dtype=bool), indices, indptr.astype(idx_t)), shape=(n_rows, n_cols)
    )
    out.has_sorted_indices = True
    out.has_canonical_format = True
    return out
