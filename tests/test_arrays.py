"""harbor_planner._arrays: small helpers."""

from __future__ import annotations

import numpy as np
import pytest

from harbor_planner._arrays import unique_ints


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
def test_unique_ints_equals_numpy_unique(n):
    values = np.random.default_rng(n).integers(-50, 50, n) * 10**9
    got = unique_ints(values)
    np.testing.assert_array_equal(got, np.unique(values))
    assert got.dtype == np.int64


def test_unique_ints_takes_lists_and_leaves_the_input_alone():
    values = np.array([3, 1, 3, 2, 1])
    assert unique_ints(values).tolist() == [1, 2, 3]
    assert values.tolist() == [3, 1, 3, 2, 1]
    assert unique_ints([[2, 2], [1, 5]]).tolist() == [1, 2, 5]
