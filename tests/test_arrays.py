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


def _edge_lines(lines):
    import shapely

    from harbor_planner.network.compiled import EdgeLines

    coords, owner = shapely.get_coordinates(lines, return_index=True)
    ptr = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(lines)), out=ptr[1:])
    return EdgeLines.from_coords(coords, ptr)


def test_edge_lines_points_equal_shapely_interpolation():
    """The vectorised interpolation gives shapely's points (random polylines, repeated and
    single vertices, both ends, city-sized coordinates) to within float rounding."""
    import shapely

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
    el = _edge_lines(lines)
    got = el.points(which, frac)
    want = shapely.line_interpolate_point(lines[which], frac, normalized=True)
    want = shapely.get_coordinates(want)
    assert got.shape == (len(which), 2)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert el.points(np.zeros(0, np.int64), np.zeros(0)).shape == (0, 2)
    # a subset of the edges (a clip's) gives the same points for its edges
    keep = np.array([17, 3, 2999, 0, 101])
    sub = el.subset(keep)
    pick = np.isin(which, keep)
    pos = np.searchsorted(np.sort(keep), which[pick])
    local = np.argsort(keep)[pos]
    np.testing.assert_array_equal(sub.points(local, frac[pick]), got[pick])


def test_edge_lines_points_on_millions_of_edges():
    """Edge positions in the millions (a city's network) keep the points to a micrometre:
    each point's segment is found among its own edge's vertices."""
    from harbor_planner.network.compiled import EdgeLines

    n = 3_000_000
    rng = np.random.default_rng(5)
    start = rng.uniform([6e5, 3.2e6], [7e5, 3.3e6], (n, 2))
    mid = start + rng.normal(0, 200, (n, 2))
    end = mid + rng.normal(0, 200, (n, 2))
    coords = np.stack([start, mid, end], axis=1).reshape(-1, 2)
    el = EdgeLines.from_coords(coords, np.arange(0, 3 * n + 1, 3))
    which = np.array([0, n - 1, n - 1, n // 2, n - 2])
    frac = np.array([0.5, 0.0, 1.0, 0.999999, 0.25])
    got = el.points(which, frac)
    for (x, y), e, f in zip(got, which, frac, strict=True):
        a, b, c = start[e], mid[e], end[e]
        l1, l2 = np.hypot(*(b - a)), np.hypot(*(c - b))
        d = f * (l1 + l2)
        want = a + (b - a) * d / l1 if d <= l1 else b + (c - b) * (d - l1) / l2
        np.testing.assert_allclose([x, y], want, rtol=0, atol=1e-6)
