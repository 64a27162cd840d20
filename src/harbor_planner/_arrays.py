"""Small array helpers shared by the modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["unique_ints"]


def unique_ints(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Sorted distinct values of a 1-D integer array (as ``np.unique(values)``).

    Sorts and drops repeats: numpy 2.4's ``np.unique`` takes a hash-table path for integers
    that is 20-50x slower on the large key arrays built here (1.2 s against 0.02 s for 1.4
    million int64 keys, measured).
    """
    s = np.sort(np.asarray(values, dtype=np.int64).ravel())
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
