"""Compiled kernels of the ``grid`` isochrone polygons: corridor distance fields and their contours.

For each source, the distance from every vertex of a square grid to the nearest reachable street
piece is computed exactly (point-to-segment distances, only within ``corridor + cell`` of a
piece), band by band (each band's field is the band below's, lowered by the band's new
pieces). The corridor polygon of the band is the region where that distance is below the
corridor width, traced by marching squares with linear interpolation along grid edges, so
boundary points lie where the interpolated distance equals the corridor width.

The rings are oriented with the inside on the left: outer rings counter-clockwise, holes
clockwise. Saddle cells are resolved by the mean of their four corners, so a band's region is
never larger than the next band's: fields decrease from band to band at every vertex, and every
crossing point moves outward (or stays) when its end values decrease.

The kernels are compiled by numba on first use (cached on disk where the package is writable).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["band_rings", "speck_area", "strip_links", "trace_links"]


@numba.njit(cache=True, nogil=True)
def speck_area(cell: float) -> float:
    """Rings smaller than this are dropped: a thousandth of the cell size, squared."""
    return (1e-3 * cell) ** 2


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _grow(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` with room for at least ``n`` rows (capacity doubled)."""
    if n <= a.shape[0]:
        return a
    cap = max(n, 2 * a.shape[0])
    b = np.empty(cap, a.dtype) if a.ndim == 1 else np.empty((cap, a.shape[1]), a.dtype)
    b[: a.shape[0]] = a
    return b


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy", inline="always")
def _clip(
    exy: np.ndarray, efrac: np.ndarray, k: int, start: float, end: float
) -> tuple[float, float, float, float, bool]:
    """Part of the edge segment ``k .. k + 1`` between edge fractions ``start`` and ``end``."""
    f0, f1 = efrac[k], efrac[k + 1]
    lo = max(f0, start)
    hi = min(f1, end)
    if hi < lo:
        return 0.0, 0.0, 0.0, 0.0, False
    ax, ay, bx, by = exy[k, 0], exy[k, 1], exy[k + 1, 0], exy[k + 1, 1]
    if f1 <= f0:
        return ax, ay, ax, ay, True
    wa = (lo - f0) / (f1 - f0)
    wb = (hi - f0) / (f1 - f0)
    return ax + (bx - ax) * wa, ay + (by - ay) * wa, ax + (bx - ax) * wb, ay + (by - ay) * wb, True


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _segments(
    exy: np.ndarray,
    eptr: np.ndarray,
    efrac: np.ndarray,
    p_edge: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
    first: int,
    last: int,
    seg: np.ndarray,
    n: int,
) -> tuple[np.ndarray, int]:
    """Append the straight segments of pieces ``first:last`` to ``seg`` (rows ax, ay, bx, by).

    Returns ``seg`` (it may have grown) and the new count of its rows.
    """
    for p in range(first, last):
        e = p_edge[p]
        for k in range(eptr[e], eptr[e + 1] - 1):
            ax, ay, bx, by, ok = _clip(exy, efrac, k, p_start[p], p_end[p])
            if ok:
                seg = _grow(seg, n + 1)
                seg[n, 0], seg[n, 1], seg[n, 2], seg[n, 3] = ax, ay, bx, by
                n += 1
    return seg, n


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _splat(
    dist: np.ndarray,
    gx0: float,
    gy0: float,
    cell: float,
    seg: np.ndarray,
    first: int,
    last: int,
    reach: float,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
) -> None:
    """Lower ``dist`` to the squared distance to segments ``first:last`` (within ``reach``).

    ``row_lo`` / ``row_hi`` grow to the columns of each row that were written.
    """
    ny, nx = dist.shape
    for k in range(first, last):
        ax, ay, bx, by = seg[k, 0], seg[k, 1], seg[k, 2], seg[k, 3]
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        inv_l2 = 1.0 / l2 if l2 > 0.0 else 0.0
        # unit normal: rows are cut to the strip within ``reach`` of the segment's line
        length = math.sqrt(l2)
        nrm_x = -dy / length if length > 0.0 else 0.0
        nrm_y = dx / length if length > 0.0 else 0.0
        i0 = max(math.ceil((min(ay, by) - reach - gy0) / cell), 0)
        i1 = min(math.floor((max(ay, by) + reach - gy0) / cell), ny - 1)
        j0 = max(math.ceil((min(ax, bx) - reach - gx0) / cell), 0)
        j1 = min(math.floor((max(ax, bx) + reach - gx0) / cell), nx - 1)
        for i in range(i0, i1 + 1):
            y = gy0 + i * cell
            lo, hi = j0, j1
            if abs(nrm_x) > 1e-9:
                c = (y - ay) * nrm_y - ax * nrm_x
                xa = (-reach - c) / nrm_x
                xb = (reach - c) / nrm_x
                if xa > xb:
                    xa, xb = xb, xa
                lo = max(lo, math.ceil((xa - gx0) / cell))
                hi = min(hi, math.floor((xb - gx0) / cell))
            if lo <= hi:
                row_lo[i] = min(row_lo[i], lo)
                row_hi[i] = max(row_hi[i], hi)
            for j in range(lo, hi + 1):
                x = gx0 + j * cell
                t = ((x - ax) * dx + (y - ay) * dy) * inv_l2
                if t < 0.0:
                    t = 0.0
                elif t > 1.0:
                    t = 1.0
                ex = ax + t * dx - x
                ey = ay + t * dy - y
                d2 = ex * ex + ey * ey
                if d2 < dist[i, j]:
                    dist[i, j] = d2


@numba.njit(cache=True, nogil=True)
def _bbox(seg: np.ndarray, first: int, last: int, box: np.ndarray) -> None:
    """Grow ``box`` (min x, min y, max x, max y) to hold segments ``first:last``."""
    for k in range(first, last):
        box[0] = min(box[0], seg[k, 0], seg[k, 2])
        box[1] = min(box[1], seg[k, 1], seg[k, 3])
        box[2] = max(box[2], seg[k, 0], seg[k, 2])
        box[3] = max(box[3], seg[k, 1], seg[k, 3])


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy", inline="always")
def _toward(level: float, a: float, b: float) -> float:
    """Where ``level`` lies from ``a`` to ``b`` (0 to 1), kept off the far end.

    A vertex exactly at the level counts as outside, so a crossing could fall on it; two
    crossings beside one vertex would then pinch the ring into one point (invalid). Stopping
    a millionth of a cell short keeps them apart (and keeps bands nested: it is monotone).
    """
    return min((level - a) / (b - a), 1.0 - 1e-6)


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _crossing(
    dist: np.ndarray, eid: int, nxy: int, nx: int, level: float, gx0: float, gy0: float, cell: float
) -> tuple[float, float]:
    """Point on grid edge ``eid`` where the linearly interpolated distance equals ``level``.

    ``dist`` holds squared distances; the interpolation is of distances.
    """
    if eid < nxy:  # horizontal edge (i, j) - (i, j + 1)
        i, j = eid // nx, eid % nx
        a, b = math.sqrt(dist[i, j]), math.sqrt(dist[i, j + 1])
        t = _toward(level, a, b)
        return gx0 + (j + t) * cell, gy0 + i * cell
    e = eid - nxy  # vertical edge (i, j) - (i + 1, j)
    i, j = e // nx, e % nx
    a, b = math.sqrt(dist[i, j]), math.sqrt(dist[i + 1, j])
    t = _toward(level, a, b)
    return gx0 + j * cell, gy0 + (i + t) * cell


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy", inline="always")
def _mixed(dist: np.ndarray, i: int, j: int, level2: float) -> bool:
    """Whether cell ``(i, j)`` has corners both inside and outside (the quick test first)."""
    ia = dist[i, j] < level2
    return (
        ia != (dist[i, j + 1] < level2)
        or ia != (dist[i + 1, j + 1] < level2)
        or ia != (dist[i + 1, j] < level2)
    )


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy", inline="always")
def _cell(
    dist: np.ndarray,
    i: int,
    j: int,
    nx: int,
    nxy: int,
    level: float,
    level2: float,
    ids: np.ndarray,
    kinds: np.ndarray,
) -> tuple[int, bool]:
    """The boundary crossings of cell ``(i, j)`` (corners ``(i, j)`` to ``(i + 1, j + 1)``).

    Walks the cell's boundary counter-clockwise (bottom, right, top, left) and fills ``ids``
    with the grid edges where the region's boundary crosses it, ``kinds`` with 1 where the
    walk leaves the region there and 0 where it enters. Returns how many (0, 2 or 4) and, for
    a saddle (4), whether the two inside corners are joined through the cell (the mean of
    the corner distances is inside). Horizontal edge ``(i, j)-(i, j + 1)`` has id
    ``i * nx + j``; vertical edge ``(i, j)-(i + 1, j)`` has id ``nxy + i * nx + j``.
    """
    a = dist[i, j]
    b = dist[i, j + 1]
    c = dist[i + 1, j + 1]
    d = dist[i + 1, j]
    ia, ib, ic, id_ = a < level2, b < level2, c < level2, d < level2
    if ia == ib and ib == ic and ic == id_:
        return 0, False
    m = 0
    if ia != ib:
        ids[m] = i * nx + j
        kinds[m] = 1 if ia else 0
        m += 1
    if ib != ic:
        ids[m] = nxy + i * nx + j + 1
        kinds[m] = 1 if ib else 0
        m += 1
    if ic != id_:
        ids[m] = (i + 1) * nx + j
        kinds[m] = 1 if ic else 0
        m += 1
    if id_ != ia:
        ids[m] = nxy + i * nx + j
        kinds[m] = 1 if id_ else 0
        m += 1
    joined = False
    if m == 4:
        mean = math.sqrt(a) + math.sqrt(b) + math.sqrt(c) + math.sqrt(d)
        joined = mean * 0.25 < level
    return m, joined


@numba.njit(cache=True, nogil=True)
def _shoelace(px: float, py: float, qx: float, qy: float, ox: float, oy: float) -> float:
    """Twice the signed area of triangle ``o, p, q``.

    A ring's shoelace term relative to its first point ``o``: exact enough at UTM magnitudes
    (compiled without fastmath, so the differences are not reassociated away).
    """
    return (px - ox) * (qy - oy) - (qx - ox) * (py - oy)


@numba.njit(cache=True, nogil=True, inline="always")
def _exit_to(q: int, m: int, joined: bool) -> int:
    """The crossing that the boundary leaving the region at crossing ``q`` runs to.

    Joined (or one inside arc): the next entry along the walk, cutting off the outside arc;
    apart: the entry that began this inside arc, closing it off.
    """
    return (q + 1) % m if m == 2 or joined else (q - 1) % m


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _trace(
    dist: np.ndarray,
    i0: int,
    i1: int,
    j0: int,
    j1: int,
    level: float,
    gx0: float,
    gy0: float,
    cell: float,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    nxt: np.ndarray,
    starts: np.ndarray,
    out_xy: np.ndarray,
    n_xy: int,
    ring_ptr: np.ndarray,
    ring_area: np.ndarray,
    n_ring: int,
    min_area: float,
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, int, np.ndarray]:
    """Marching squares over the cells of vertex rows ``i0..i1`` and columns ``j0..j1``.

    Only cells with a corner in the written columns of their rows (``row_lo..row_hi``) are
    looked at: the others have four corners outside.

    ``dist`` holds squared distances. ``nxt`` (at least one slot per grid edge, all -1) and
    ``starts`` are scratch space; ``nxt`` is left all -1 again, ``starts`` is returned (it may
    have grown). Rings are appended to ``out_xy`` / ``ring_ptr`` / ``ring_area``; rings of
    fewer than three points or under ``min_area`` are dropped (specks where a grid vertex lies
    on the contour to rounding; an island inside a dropped hole is smaller still).
    """
    ny, nx = dist.shape
    nxy = ny * nx
    level2 = level * level
    n_start = 0
    ids = np.empty(4, np.int64)
    kinds = np.empty(4, np.int64)
    for i in range(i0, i1):
        # cells with a written corner (the others are all outside)
        lo = max(j0, min(row_lo[i], row_lo[i + 1]) - 1)
        hi = min(j1, max(row_hi[i], row_hi[i + 1]) + 1)
        for j in range(lo, hi):
            if not _mixed(dist, i, j, level2):
                continue
            m, joined = _cell(dist, i, j, nx, nxy, level, level2, ids, kinds)
            for q in range(m):
                if kinds[q] != 1:
                    continue
                nxt[ids[q]] = ids[_exit_to(q, m, joined)]
                if n_start >= starts.shape[0]:
                    starts = _grow(starts, n_start + 1)
                starts[n_start] = ids[q]
                n_start += 1
    for s in range(n_start):
        first = starts[s]
        if nxt[first] < 0:
            continue
        ring_ptr = _grow(ring_ptr, n_ring + 2)
        ring_area = _grow(ring_area, n_ring + 1)
        begin = n_xy
        area2 = 0.0
        e = first
        fx, fy = _crossing(dist, first, nxy, nx, level, gx0, gy0, cell)
        px, py = fx, fy
        while True:
            out_xy = _grow(out_xy, n_xy + 1)
            out_xy[n_xy, 0] = px
            out_xy[n_xy, 1] = py
            n_xy += 1
            f = nxt[e]
            nxt[e] = -1
            if f == first or f < 0:
                break
            qx, qy = _crossing(dist, f, nxy, nx, level, gx0, gy0, cell)
            area2 += _shoelace(px, py, qx, qy, fx, fy)
            px, py = qx, qy
            e = f
        out_xy = _grow(out_xy, n_xy + 1)
        out_xy[n_xy, 0] = fx
        out_xy[n_xy, 1] = fy
        n_xy += 1
        if n_xy - begin < 4 or abs(area2) < 2.0 * min_area:  # degenerate or a speck: drop
            n_xy = begin
            continue
        ring_ptr[n_ring + 1] = n_xy
        ring_area[n_ring] = 0.5 * area2
        n_ring += 1
    return out_xy, n_xy, ring_ptr, ring_area, n_ring, starts


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def band_rings(
    exy: np.ndarray,
    eptr: np.ndarray,
    efrac: np.ndarray,
    p_edge: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
    group_ptr: np.ndarray,
    group_source: np.ndarray,
    corridor: float,
    cell: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Contour rings of the corridor around groups of street pieces, band by band.

    Parameters
    ----------
    exy, eptr, efrac
        The edge lines (:class:`harbor_planner.network.compiled.EdgeLines`): vertices, the
        vertex range of each edge, and each vertex's position along its edge (0 to 1).
    p_edge, p_start, p_end
        The pieces: edge, and the part of it between fractions ``start <= end``.
    group_ptr
        Group ``g`` (one band of one source) is pieces ``group_ptr[g]:group_ptr[g + 1]``;
        groups of one source are consecutive, shortest band first, and each holds only the
        pieces new in its band (its field starts from the previous group's of that source).
    group_source
        Source of each group.
    corridor
        Corridor width (the contour level), metres.
    cell
        Grid spacing, metres.

    Returns
    -------
    (xy, ring_ptr, ring_group, ring_area)
        Ring coordinates (closed rings), ``ring_ptr`` (length rings + 1), the group of each
        ring and its signed area (positive: an outer ring). The rings of a group are
        consecutive, and the first of them is an outer ring: the scan runs row by row from
        the bottom, and the lowest boundary of any region is an outer ring.

    """
    n_groups = group_ptr.shape[0] - 1
    reach = corridor + 1.01 * cell
    margin = reach + 2.0 * cell
    min_area = speck_area(cell)
    out_xy = np.empty((1024, 2))
    ring_ptr = np.zeros(64, np.int64)
    ring_area = np.empty(64)
    ring_group = np.empty(64, np.int64)
    n_xy = 0
    n_ring = 0
    starts = np.empty(1024, np.int64)
    dist_buf = np.empty(0)
    seg = np.empty((1024, 4))
    seg_ptr = np.empty(8, np.int64)
    nxt = np.empty(0, np.int64)  # scratch of _trace: all -1 between calls
    box = np.empty(4)
    window = np.empty(4)
    row_lo = np.empty(0, np.int64)
    row_hi = np.empty(0, np.int64)
    g = 0
    while g < n_groups:
        # the groups of one source: g .. h - 1
        h = g + 1
        while h < n_groups and group_source[h] == group_source[g]:
            h += 1
        # the straight segments of the source's pieces, band after band
        n_seg = 0
        for q in range(g, h):
            seg_ptr = _grow(seg_ptr, q - g + 2)
            seg_ptr[q - g] = n_seg
            seg, n_seg = _segments(
                exy, eptr, efrac, p_edge, p_start, p_end, group_ptr[q], group_ptr[q + 1], seg,
                n_seg,
            )  # fmt: skip
        seg_ptr[h - g] = n_seg
        box[:] = (np.inf, np.inf, -np.inf, -np.inf)
        _bbox(seg, 0, n_seg, box)
        if not np.isfinite(box[0]):
            g = h
            continue
        gx0 = math.floor((box[0] - margin) / cell) * cell
        gy0 = math.floor((box[1] - margin) / cell) * cell
        nx = math.ceil((box[2] + margin - gx0) / cell) + 1
        ny = math.ceil((box[3] + margin - gy0) / cell) + 1
        if ny * nx > dist_buf.shape[0]:
            dist_buf = np.empty(2 * ny * nx)
            nxt = np.full(4 * ny * nx, -1, np.int64)
        dist = dist_buf[: ny * nx].reshape((ny, nx))
        dist[:] = np.inf
        if ny > row_lo.shape[0]:
            row_lo = np.empty(2 * ny, np.int64)
            row_hi = np.empty(2 * ny, np.int64)
        row_lo[:ny] = nx
        row_hi[:ny] = -1
        # window of the bands so far
        window[:] = (np.inf, np.inf, -np.inf, -np.inf)
        for q in range(g, h):
            s0, s1 = seg_ptr[q - g], seg_ptr[q - g + 1]
            _bbox(seg, s0, s1, window)
            _splat(dist, gx0, gy0, cell, seg, s0, s1, reach, row_lo, row_hi)
            if not np.isfinite(window[0]):
                continue
            j0 = max(math.floor((window[0] - margin - gx0) / cell), 0)
            i0 = max(math.floor((window[1] - margin - gy0) / cell), 0)
            j1 = min(math.ceil((window[2] + margin - gx0) / cell), nx - 1)
            i1 = min(math.ceil((window[3] + margin - gy0) / cell), ny - 1)
            before = n_ring
            out_xy, n_xy, ring_ptr, ring_area, n_ring, starts = _trace(
                dist, i0, i1, j0, j1, corridor, gx0, gy0, cell, row_lo, row_hi, nxt, starts,
                out_xy, n_xy, ring_ptr, ring_area, n_ring, min_area,
            )  # fmt: skip
            ring_group = _grow(ring_group, n_ring)
            for r in range(before, n_ring):
                ring_group[r] = q
        g = h
    return out_xy[:n_xy], ring_ptr[: n_ring + 1], ring_group[:n_ring], ring_area[:n_ring]


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def strip_links(
    exy: np.ndarray,
    eptr: np.ndarray,
    efrac: np.ndarray,
    p_edge: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
    strip_ptr: np.ndarray,
    gx0: float,
    gy0: float,
    nx: int,
    ny: int,
    rows: int,
    corridor: float,
    cell: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boundary links of the corridor around all pieces on one large grid, strip by strip.

    The grid (``ny`` x ``nx`` vertices from ``(gx0, gy0)``) is processed in strips of ``rows``
    cell rows, so that only one strip's distances are held at a time; strip ``s`` holds the
    pieces ``strip_ptr[s]:strip_ptr[s + 1]`` (those within reach of its rows). A strip's last
    vertex row is the next strip's first, computed alike in both.

    Returns
    -------
    (from_id, to_id, xy)
        One link per boundary crossing where the boundary leaves a cell's region: the grid
        edge it starts on (ids as in :func:`_cell`, for the whole grid), the edge it runs to,
        and the crossing point. Chained by :func:`trace_links`.

    """
    reach = corridor + 1.01 * cell
    level2 = corridor * corridor
    nxy_all = ny * nx
    l_from = np.empty(1024, np.int64)
    l_to = np.empty(1024, np.int64)
    l_xy = np.empty((1024, 2))
    n = 0
    ids = np.empty(4, np.int64)
    kinds = np.empty(4, np.int64)
    buf = np.empty((rows + 1) * nx)
    seg = np.empty((1024, 4))
    row_lo = np.empty(rows + 1, np.int64)
    row_hi = np.empty(rows + 1, np.int64)
    for s in range(strip_ptr.shape[0] - 1):
        r0 = s * rows
        r1 = min(r0 + rows, ny - 1)
        h = r1 - r0 + 1
        if h < 2:
            break
        dist = buf[: h * nx].reshape((h, nx))
        dist[:] = np.inf
        row_lo[:h] = nx
        row_hi[:h] = -1
        gys = gy0 + r0 * cell
        seg, n_seg = _segments(
            exy, eptr, efrac, p_edge, p_start, p_end, strip_ptr[s], strip_ptr[s + 1], seg, 0
        )
        _splat(dist, gx0, gys, cell, seg, 0, n_seg, reach, row_lo, row_hi)
        nxy = h * nx
        for i in range(h - 1):
            lo = max(0, min(row_lo[i], row_lo[i + 1]) - 1)
            hi = min(nx - 1, max(row_hi[i], row_hi[i + 1]) + 1)
            for j in range(lo, hi):
                if not _mixed(dist, i, j, level2):
                    continue
                m, joined = _cell(dist, i, j, nx, nxy, corridor, level2, ids, kinds)
                for q in range(m):
                    if kinds[q] != 1:
                        continue
                    r = _exit_to(q, m, joined)
                    if n >= l_from.shape[0]:
                        l_from = _grow(l_from, n + 1)
                        l_to = _grow(l_to, n + 1)
                        l_xy = _grow(l_xy, n + 1)
                    x, y = _crossing(dist, ids[q], nxy, nx, corridor, gx0, gys, cell)
                    for k in range(2):
                        e = ids[q] if k == 0 else ids[r]
                        g = e + r0 * nx if e < nxy else nxy_all + (e - nxy) + r0 * nx
                        if k == 0:
                            l_from[n] = g
                        else:
                            l_to[n] = g
                    l_xy[n, 0] = x
                    l_xy[n, 1] = y
                    n += 1
    return l_from[:n], l_to[:n], l_xy[:n]


@numba.njit(cache=True, nogil=True)
def trace_links(
    l_from: np.ndarray, l_to: np.ndarray, l_xy: np.ndarray, min_area: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chain the links of :func:`strip_links` into closed rings.

    Specks under ``min_area`` are dropped, as in :func:`_trace`.

    Returns
    -------
    (xy, ring_ptr, ring_area)
        Ring coordinates (closed), ``ring_ptr`` (length rings + 1) and signed areas
        (positive: an outer ring).

    """
    n = l_from.shape[0]
    order = np.argsort(l_from)
    sorted_from = l_from[order]
    seen = np.zeros(n, np.bool_)
    out_xy = np.empty((n + n // 2 + 16, 2))
    ring_ptr = np.zeros(n // 2 + 2, np.int64)
    ring_area = np.empty(n // 2 + 1)
    n_xy = 0
    n_ring = 0
    for k in range(n):
        if seen[k]:
            continue
        begin = n_xy
        area2 = 0.0
        cur = k
        while True:
            seen[cur] = True
            out_xy = _grow(out_xy, n_xy + 2)
            out_xy[n_xy] = l_xy[cur]
            n_xy += 1
            pos = np.searchsorted(sorted_from, l_to[cur])
            if pos >= n or sorted_from[pos] != l_to[cur]:
                break  # not closed: cannot happen on a grid whose border is outside
            nxt = order[pos]
            area2 += _shoelace(
                l_xy[cur, 0], l_xy[cur, 1], l_xy[nxt, 0], l_xy[nxt, 1], l_xy[k, 0], l_xy[k, 1]
            )
            if nxt == k:
                break
            cur = nxt
        out_xy[n_xy] = l_xy[k]
        n_xy += 1
        if n_xy - begin < 4 or abs(area2) < 2.0 * min_area:
            n_xy = begin
            continue
        ring_ptr = _grow(ring_ptr, n_ring + 2)
        ring_area = _grow(ring_area, n_ring + 1)
        ring_ptr[n_ring + 1] = n_xy
        ring_area[n_ring] = 0.5 * area2
        n_ring += 1
    return out_xy[:n_xy], ring_ptr[: n_ring + 1], ring_area[:n_ring]
