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


def test_points_along_equals_shapely_interpolation():
    """The vectorised interpolation gives shapely's points (random polylines, repeated and
    single vertices, both ends, city-sized coordinates) to within float rounding."""
    import shapely

    from harbor_planner._arrays import points_along

    rng = np.random.default_rng(3)
    lines = []
    for i in range(3000):
        xy = np.cumsum(rng.normal(0, 40, (int(rng.integers(2, 9)), 2)), axis=0)
        xy += [6.6e5, 3.27e6]
        if i % 7 == 0:
            xy[1] = xy[0]  # a repeated vertex (a zero-length segment)
        if i % 101 == 0:
            xy[:] = xy[0]  # a line of zero length
        lines.append(shapely.linestrings(xy))
    lines = np.array(lines, dtype=object)
    which = rng.integers(0, len(lines), 50_000)
    frac = rng.random(len(which))
    frac[::5], frac[1::5] = 0.0, 1.0
    got = points_along(lines, which, frac)
    want = shapely.line_interpolate_point(lines[which], frac, normalized=True)
    want = shapely.get_coordinates(want)
    assert got.shape == (len(which), 2)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert points_along(lines, np.zeros(0, np.int64), np.zeros(0)).shape == (0, 2)
