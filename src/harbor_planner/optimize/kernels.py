"""Compiled loops of the optimiser's hot paths (numba, cached on disk where writable).

Each kernel walks a compressed sparse matrix given by its ``indptr`` and ``indices`` arrays
(the entries are all ones: coverage), so no index array of the size of the matrix is made.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["row_hashes", "rows_differ"]


@numba.njit(cache=True, nogil=True)
def _row_hashes(indptr, indices, r0, r1, h0, h1):  # pragma: no cover - compiled
    for i in range(len(indptr) - 1):
        s0 = 0.0
        s1 = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s0 += r0[indices[k]]
            s1 += r1[indices[k]]
        h0[i] = s0
        h1[i] = s1


def row_hashes(
    indptr: npt.NDArray[np.integer], indices: npt.NDArray[np.integer], seed: int = 12345
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Two random projections of each row's column set (equal sets give equal hashes).

    Parameters
    ----------
    indptr, indices
        The CSR structure (rows x columns), column indices sorted or not.
    seed
        Seed of the random column weights.

    Returns
    -------
    tuple
        Two float arrays, one value per row.

    """
    n_cols = int(indices.max()) + 1 if len(indices) else 1
    rng = np.random.default_rng(seed)
    r = rng.random((2, n_cols))
    n = len(indptr) - 1
    h0, h1 = np.empty(n), np.empty(n)
    _row_hashes(indptr, indices, r[0], r[1], h0, h1)
    return h0, h1


@numba.njit(cache=True, nogil=True)
def _rows_differ(indptr, indices, rep, out):  # pragma: no cover - compiled
    for i in range(len(indptr) - 1):
        j = rep[i]
        if j == i:
            continue
        a, b = indptr[i], indptr[j]
        n = indptr[i + 1] - a
        if indptr[j + 1] - b != n:
            out[i] = True
            continue
        for k in range(n):
            if indices[a + k] != indices[b + k]:
                out[i] = True
                break


def rows_differ(
    indptr: npt.NDArray[np.integer],
    indices: npt.NDArray[np.integer],
    rep: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Whether each row's column list differs from that of row ``rep[i]`` (sorted indices).

    Parameters
    ----------
    indptr, indices
        The CSR structure, column indices sorted within each row.
    rep
        For each row, the row to compare it with.

    Returns
    -------
    numpy.ndarray
        ``True`` where the two rows differ.

    """
    out = np.zeros(len(indptr) - 1, dtype=bool)
    _rows_differ(indptr, indices, np.asarray(rep, dtype=np.int64), out)
    return out
