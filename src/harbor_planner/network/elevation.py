"""Elevation from a DEM raster: node heights and plausible, direction-dependent edge grades.

A DEM is read once over the network's extent and, for surface models such as SRTM or
Copernicus GLO-30, smoothed by a Gaussian of ``dem_smoothing_m``
(:data:`~harbor_planner.settings.DEM_SMOOTHING_M`). Grades are then measured over lengths no
shorter than the DEM's cell size (:func:`edge_grades`): an edge at least one cell long is cut
into equal pieces of at least one cell, so intermediate highs and lows count only where the
DEM resolves them; a shorter edge takes the grade of the DEM over one cell centred on it,
along its direction. Each piece's grade is capped by the way's class
(:data:`~harbor_planner.settings.MAX_GRADE_PCT`; the edges above are flagged ``above_cap`` and
reported by :func:`grade_summary`), OSM ``incline`` tags override the DEM (numeric values
set the grade, ``up``/``down`` the direction), and bridges, tunnels, indoor and layered ways
take the straight grade between their end nodes, the nodes on the structure (where ramps or
other ways join it) at heights interpolated between where it meets the ground
(:func:`structure_heights`), never the river's or the hill's below or above it. Stairs take
their direction from the tag, else from the DEM when their ends differ by at least
:data:`~harbor_planner.settings.STAIR_DEM_MIN_RISE_M`; their rise from the step count (see
:func:`~harbor_planner.network.walk.stair_rise_m`). The flat-equivalent lengths per direction
(``slope_len_fwd_m``, ``slope_len_bwd_m``) use
:func:`~harbor_planner.network.walk.slope_time_factor`, one scale with the stairs.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from harbor_planner._io import input_file
from harbor_planner.errors import CRSError, InputDataError, NetworkError
from harbor_planner.network._crs import to_metric
from harbor_planner.network.walk import (
    KIND_STEPS,
    KIND_WALK,
    WalkModel,
    slope_time_factor,
    stair_rise_m,
)
from harbor_planner.settings import (
    DEM_MEDIAN_GRADE_MAX,
    DEM_OUTSIDE_CHOICES,
    DEM_PLAUSIBLE_M,
    DEM_SMOOTHING_M,
    DEM_SMOOTHING_MAX_M,
    GRADE_SOURCES,
    MAX_GRADE_PCT,
    MAX_GRADE_PCT_OTHER,
    STAIR_DEM_MIN_RISE_M,
    road_class,
)

__all__ = [
    "SOURCE_BRIDGE",
    "SOURCE_DEM",
    "SOURCE_FLAT",
    "SOURCE_INCLINE",
    "SOURCE_OUTSIDE",
    "DemOutside",
    "EdgeGrades",
    "check_dem_outside",
    "class_caps_pct",
    "edge_grades",
    "grade_summary",
    "sample_dem",
    "structure_heights",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Codes of the ``grade_source`` column (positions in ``settings.GRADE_SOURCES``).
SOURCE_FLAT, SOURCE_DEM, SOURCE_INCLINE, SOURCE_BRIDGE, SOURCE_OUTSIDE = range(5)
assert GRADE_SOURCES[SOURCE_OUTSIDE] == "flat-outside-dem"

#: What to do with edges the DEM does not cover (one of ``settings.DEM_OUTSIDE_CHOICES``).
DemOutside = Literal["error", "flat"]


def check_dem_outside(value: str) -> str:
    """``value`` if it is one of :data:`~harbor_planner.settings.DEM_OUTSIDE_CHOICES`.

    Parameters
    ----------
    value
        The ``dem_outside`` setting.

    Returns
    -------
    str
        The value.

    Raises
    ------
    InputDataError
        Another value; the message lists the choices.

    """
    if value not in DEM_OUTSIDE_CHOICES:
        raise InputDataError(
            f"dem_outside must be one of {', '.join(DEM_OUTSIDE_CHOICES)}, got {value!r}"
        )
    return value


@dataclass(frozen=True)
class _DemGrid:
    """A window of a DEM (smoothed), with what it takes to sample it at network points."""

    z: FloatArray
    inverse: Any  # affine transform: DEM CRS -> (col, row) of the full raster
    col0: int
    row0: int
    cell_m: float
    dem_crs: CRS
    net_crs: str

    def sample(self, xy: FloatArray) -> FloatArray:
        """Bilinear elevation at network points (``crs`` of the network); NaN outside."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if not self.dem_crs.equals(CRS.from_user_input(self.net_crs)):
            pts = to_metric(pts[:, 0], pts[:, 1], from_crs=self.net_crs, to_crs=self.dem_crs)
        inv = self.inverse
        c = inv.a * pts[:, 0] + inv.b * pts[:, 1] + inv.c - 0.5 - self.col0
        r = inv.d * pts[:, 0] + inv.e * pts[:, 1] + inv.f - 0.5 - self.row0
        h, w = self.z.shape
        out = np.full(len(pts), np.nan)
        inside = np.isfinite(c) & (c >= -0.5) & (c <= w - 0.5) & (r >= -0.5) & (r <= h - 0.5)
        if not inside.any() or h == 0 or w == 0:
            return out
        cc = np.clip(c[inside], 0, w - 1)
        rr = np.clip(r[inside], 0, h - 1)
        ci = np.minimum(np.floor(cc).astype(np.int64), max(w - 2, 0))
        ri = np.minimum(np.floor(rr).astype(np.int64), max(h - 2, 0))
        fc, fr = cc - ci, rr - ri
        ci1, ri1 = np.minimum(ci + 1, w - 1), np.minimum(ri + 1, h - 1)
        g = self.z
        out[inside] = (
            g[ri, ci] * (1 - fc) * (1 - fr)
            + g[ri, ci1] * fc * (1 - fr)
            + g[ri1, ci] * (1 - fc) * fr
            + g[ri1, ci1] * fc * fr
        )
        return out


def _smooth(grid: FloatArray, sigma_cells: float) -> FloatArray:
    """Gaussian smoothing that ignores nodata (NaN) cells and keeps them NaN."""
    if sigma_cells <= 0:
        return grid
    from scipy.ndimage import gaussian_filter

    ok = np.isfinite(grid)
    num = gaussian_filter(np.where(ok, grid, 0.0), sigma_cells, mode="nearest")
    den = gaussian_filter(ok.astype(np.float64), sigma_cells, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[~ok] = np.nan
    return out


def _implausible_as_nodata(grid: FloatArray, dem: Path) -> FloatArray:
    """``grid`` with cells outside :data:`~harbor_planner.settings.DEM_PLAUSIBLE_M` as NaN.

    A nodata value the file does not declare (-32768, -9999) is otherwise read as heights:
    slopes of hundreds of percent, capped by class but wrong. Such cells are logged.
    """
    low, high = DEM_PLAUSIBLE_M
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(grid) & ((grid < low) | (grid > high))
    if bad.any():
        values = np.unique(grid[bad])
        shown = ", ".join(f"{v:g}" for v in values[:3]) + (" ..." if len(values) > 3 else "")
        log.warning(
            "%s: %d DEM cells read %s m, outside %g..%g m: taken as nodata (an undeclared "
            "nodata value? declare it: gdal_edit.py -a_nodata VALUE %s)",
            dem.name, int(bad.sum()), shown, low, high, dem.name,
        )  # fmt: skip
        grid = np.where(bad, np.nan, grid)
    return grid


def _read_dem(dem: str | Path, xy: FloatArray, *, crs: str, smoothing_m: float) -> _DemGrid:
    """The window of ``dem`` around points ``xy`` (in ``crs``), smoothed by ``smoothing_m``."""
    import rasterio
    from rasterio.errors import RasterioError
    from rasterio.windows import Window

    dem = input_file(dem, "DEM")
    if not math.isfinite(smoothing_m) or not 0 <= smoothing_m <= DEM_SMOOTHING_MAX_M:
        raise InputDataError(
            f"dem_smoothing_m must be 0 to {DEM_SMOOTHING_MAX_M:g} metres, got {smoothing_m!r} "
            f"(the default {DEM_SMOOTHING_M:g} m smooths a 30 m DEM's roughness away)"
        )
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    try:
        with rasterio.open(dem) as src:
            if src.crs is None:
                raise CRSError(
                    "the DEM has no CRS; assign one (gdal_edit.py -a_srs EPSG:32648) and retry",
                    path=dem,
                )
            dem_crs = CRS.from_wkt(src.crs.to_wkt())
            cell = float(max(abs(src.res[0]), abs(src.res[1])))
            if dem_crs.is_geographic:
                mid_lat = float(src.bounds.bottom + src.bounds.top) / 2
                cell *= 111_320.0 * math.cos(math.radians(mid_lat))
            if not dem_crs.equals(CRS.from_user_input(crs)):
                pts = to_metric(pts[:, 0], pts[:, 1], from_crs=crs, to_crs=dem_crs)
            inv = ~src.transform
            c = inv.a * pts[:, 0] + inv.b * pts[:, 1] + inv.c
            r = inv.d * pts[:, 0] + inv.e * pts[:, 1] + inv.f
            ok = np.isfinite(c) & np.isfinite(r)
            sigma = smoothing_m / cell
            margin = math.ceil(4 * sigma) + 2
            if ok.any():
                c0 = int(np.clip(np.floor(c[ok].min()) - margin, 0, src.width))
                r0 = int(np.clip(np.floor(r[ok].min()) - margin, 0, src.height))
                c1 = int(np.clip(np.floor(c[ok].max()) + margin + 1, 0, src.width))
                r1 = int(np.clip(np.floor(r[ok].max()) + margin + 1, 0, src.height))
            else:
                c0 = r0 = c1 = r1 = 0
            band = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
            grid = _implausible_as_nodata(np.ma.filled(band.astype(np.float64), np.nan), dem)
    except RasterioError as exc:
        raise InputDataError(f"cannot read the DEM raster ({exc})", path=dem) from None
    return _DemGrid(
        z=_smooth(grid, sigma) if grid.size else grid,
        inverse=inv,
        col0=c0,
        row0=r0,
        cell_m=cell,
        dem_crs=dem_crs,
        net_crs=crs,
    )


def sample_dem(
    dem: str | Path, xy: npt.ArrayLike, *, crs: str, smoothing_m: float = 0.0
) -> FloatArray:
    """Elevation at points by bilinear interpolation; NaN outside the raster or on nodata.

    Parameters
    ----------
    dem
        A single-band raster GDAL reads (GeoTIFF...), with a CRS.
    xy
        ``(n, 2)`` coordinates in ``crs``.
    crs
        CRS of ``xy``; points are transformed to the raster's CRS when it differs.
    smoothing_m
        Gaussian smoothing of the raster first (sigma, metres; 0: none).

    Raises
    ------
    InputDataError
        The raster is missing or unreadable.
    CRSError
        The raster has no CRS.

    """
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    return _read_dem(dem, pts, crs=crs, smoothing_m=smoothing_m).sample(pts)


@dataclass(frozen=True)
class EdgeGrades:
    """Grades of a set of edges, and what they come from.

    Attributes
    ----------
    node_z_m
        Elevation of every node on the (smoothed) DEM; NaN without one.
    rise_m
        Signed rise along each edge's geometry as the model uses it: the sum of its capped
        pieces, a tagged grade times the length, or a stair's rise in its decided direction;
        NaN where unknown (an untagged stair the DEM cannot orient, a way without grade).
    grade_pct
        ``100 x rise_m / length`` (0 where the rise is unknown).
    grade_source
        Code per edge, an index into :data:`~harbor_planner.settings.GRADE_SOURCES`.
    above_cap
        The DEM read a piece of the edge steeper than its class cap (it was clipped to it).
    slope_len_fwd_m, slope_len_bwd_m
        Flat-equivalent lengths per direction of ways (NaN where the DEM gives nothing, on
        stairs, escalators and lifts).
    n_outside
        Edges the DEM does not fully cover.
    cell_m
        The DEM's cell size in metres (the shortest length a grade is measured over).

    """

    node_z_m: FloatArray
    rise_m: FloatArray
    grade_pct: FloatArray
    grade_source: npt.NDArray[np.int8]
    above_cap: npt.NDArray[np.bool_]
    slope_len_fwd_m: FloatArray
    slope_len_bwd_m: FloatArray
    n_outside: int
    cell_m: float


def class_caps_pct(
    highway: npt.ArrayLike, max_grade_pct: Mapping[str, float] | None = None
) -> FloatArray:
    """The grade cap (%) of each way from its ``highway`` class.

    Parameters
    ----------
    highway
        OSM ``highway`` values; ``*_link`` takes its class's cap.
    max_grade_pct
        Caps overriding :data:`~harbor_planner.settings.MAX_GRADE_PCT` by class (key
        ``other``: classes not listed).

    Returns
    -------
    numpy.ndarray
        Caps in percent.

    """
    given: dict[str, Any] = {}
    named: dict[str, str] = {}
    for key, value in dict(max_grade_pct or {}).items():  # 主干路 too
        cls = road_class(key)
        if cls in given and given[cls] != value:  # probe 20R: the last one won silently
            raise InputDataError(
                f"max_grade_pct (--max-grade): {named[cls]!r} = {given[cls]:g} and {key!r} = "
                f"{value:g} cap the same class ({cls}); give it one cap"
            )
        given[cls], named[cls] = value, str(key)
    unknown = sorted(set(given) - set(MAX_GRADE_PCT) - {"other"})
    if unknown:
        raise InputDataError(
            f"max_grade_pct (--max-grade): unknown road class {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(MAX_GRADE_PCT)}, other (every class not listed; *_link ways "
            "take their class's cap, steps are never capped)"
        )
    caps = {**MAX_GRADE_PCT, **given}
    other = float(caps.pop("other", MAX_GRADE_PCT_OTHER))
    h = pd.Series(np.asarray(highway, dtype=object)).fillna("road").astype(str)
    h = h.str.removesuffix("_link")
    return h.map(caps).astype(np.float64).fillna(other).to_numpy(np.float64)


def _warn_steep_median(dem: str | Path, pieces: _Pieces) -> None:
    """Warn when the streets' median DEM grade is steeper than any city's.

    A DEM in feet or decimetres makes every slope steeper and most edges reach their cap,
    with no word but an INFO line (probe 17E).
    """
    grade = np.abs(pieces.grade)
    ok = np.isfinite(grade) & (pieces.weight_m > 0)
    if not ok.any():
        return
    order = np.argsort(grade[ok])
    cum = np.cumsum(pieces.weight_m[ok][order])
    median = float(grade[ok][order][np.searchsorted(cum, cum[-1] / 2)])
    if median > DEM_MEDIAN_GRADE_MAX:
        log.warning(
            "%s: the streets climb a median %.0f %% by this DEM (Yuzhong's: about 4 %%); are "
            "its heights in metres? Heights in feet or decimetres make every slope steeper",
            Path(dem).name, 100 * median,
        )  # fmt: skip


@dataclass(frozen=True)
class _Pieces:
    """Pieces of every edge: each at least one DEM cell long (or one cell centred on it)."""

    edge: npt.NDArray[np.int64]
    grade: FloatArray
    weight_m: FloatArray
    bad_edge: npt.NDArray[np.bool_]


def _pieces(
    grid: _DemGrid,
    node_xy: FloatArray,
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    geometry: npt.NDArray[np.object_],
    length: FloatArray,
) -> _Pieces:
    """Cut edges into pieces of at least one cell and read each piece's DEM grade."""
    cell = grid.cell_m
    n_edges = len(length)
    long = length >= cell
    n = np.where(long, np.maximum(np.floor(length / max(cell, 1e-9)), 1), 1).astype(np.int64)
    m = n + 1
    owner = np.repeat(np.arange(n_edges), m)
    starts = np.cumsum(m) - m
    k = np.arange(m.sum()) - np.repeat(starts, m)
    frac = k / n[owner]
    pts = np.empty((len(owner), 2))
    lo = long[owner]
    if lo.any():
        on_line = shapely.line_interpolate_point(geometry[owner[lo]], frac[lo] * length[owner[lo]])
        pts[lo] = shapely.get_coordinates(on_line)
    if (~lo).any():
        a, b = node_xy[u[owner[~lo]]], node_xy[v[owner[~lo]]]
        chord = b - a
        cl = np.hypot(chord[:, 0], chord[:, 1])[:, None]
        unit = np.divide(chord, cl, out=np.zeros_like(chord), where=cl > 0)
        pts[~lo] = (a + b) / 2 + (frac[~lo] - 0.5)[:, None] * cell * unit
    z = grid.sample(pts)
    bad = np.bincount(owner[~np.isfinite(z)], minlength=n_edges) > 0
    last = np.zeros(len(owner), dtype=bool)
    last[starts + m - 1] = True
    first_of = np.flatnonzero(~last)
    edge = owner[first_of]
    dz = z[first_of + 1] - z[first_of]
    base = np.where(long, length / n, cell)[edge]
    weight = np.where(long, length / n, length)[edge]
    grade = np.where(np.isfinite(dz) & (base > 0), np.nan_to_num(dz) / np.maximum(base, 1e-9), 0.0)
    return _Pieces(edge=edge, grade=grade, weight_m=weight, bad_edge=bad)


def _check_cover(dem: str | Path, bad: npt.NDArray[np.bool_], dem_outside: str) -> int:
    """Count the edges the DEM misses; raise when it misses all, or any under ``error``."""
    n_edges, n_outside = len(bad), int(bad.sum())
    if n_edges and n_outside == n_edges:
        raise NetworkError(
            f"the DEM {dem} covers none of the network's {n_edges:,} edges; is it a raster of "
            "the same area (check its extent and CRS)?"
        )
    if n_outside and dem_outside == "error":
        share = 100.0 * n_outside / max(n_edges, 1)
        raise NetworkError(
            f"the DEM {dem} does not cover {n_outside:,} of {n_edges:,} network edges "
            f"({share:.1f} %). Use a DEM that covers the whole network, or pass "
            "--dem-outside flat (dem_outside='flat') to time those edges as flat ground"
        )
    if n_outside:
        log.warning(
            "the DEM %s does not cover %d of %d edges; they are timed as flat ground",
            dem,
            n_outside,
            n_edges,
        )
    return n_outside


def structure_heights(
    node_z: FloatArray,
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    length_m: FloatArray,
    off_ground: npt.NDArray[np.bool_],
) -> FloatArray:
    """Heights of the nodes on bridges, tunnels and layered ways, from where they meet the ground.

    A node that only off-ground edges reach (a ramp joining a bridge mid-span, a junction in a
    tunnel, a deck's end where the extract cuts it) lies on the structure, not on the river or
    hillside the DEM sees below or above it: its height is interpolated along the structure
    between the nodes where the structure meets ground-level ways, stairs included
    (harmonically, weights 1/length: linearly along a chain; a dead end is level with where
    its structure last met the ground). A structure that meets the ground nowhere in the
    network is level at its nodes' mean DEM height.

    Parameters
    ----------
    node_z
        The DEM's height of every node (NaN outside it).
    u, v, length_m
        Edge ends and lengths.
    off_ground
        Edges on bridges, in tunnels, indoors or on a layer other than 0; the ends of the
        other edges are on the ground, where the DEM gives their height.

    Returns
    -------
    numpy.ndarray
        ``node_z`` with the structures' inner nodes replaced.

    """
    from scipy.sparse import coo_matrix, diags
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import spsolve

    n = len(node_z)
    on_ground = np.zeros(n, dtype=bool)
    on_ground[u[~off_ground]] = on_ground[v[~off_ground]] = True
    free = np.zeros(n, dtype=bool)
    free[u[off_ground]] = free[v[off_ground]] = True
    free &= ~on_ground
    if not free.any():
        return node_z
    fixed = on_ground & np.isfinite(node_z)
    keep = off_ground & (free[u] | fixed[u]) & (free[v] | fixed[v]) & (u != v)
    a, b = np.concatenate([u[keep], v[keep]]), np.concatenate([v[keep], u[keep]])
    w = np.tile(1.0 / np.maximum(length_m[keep], 1.0), 2)
    adj = coo_matrix((w, (a, b)), shape=(n, n)).tocsr()
    idx = np.flatnonzero(free)
    a_ff, a_fc = adj[idx][:, idx], adj[idx][:, np.flatnonzero(fixed)]
    anchor = np.asarray(a_fc.sum(axis=1)).ravel()
    b_f = a_fc @ node_z[fixed]
    _, comp = connected_components(a_ff, directed=False)
    anchored = np.bincount(comp, weights=anchor)[comp] > 0
    out = node_z.copy()
    if anchored.any():
        degree = np.asarray(a_ff[anchored].sum(axis=1)).ravel() + anchor[anchored]
        lap = diags(degree) - a_ff[anchored][:, anchored]
        out[idx[anchored]] = np.atleast_1d(spsolve(lap.tocsc(), b_f[anchored]))
    alone = ~anchored  # meets the ground nowhere: level at its nodes' mean height
    if alone.any():
        z = node_z[idx[alone]]
        ok = np.isfinite(z)
        total = np.bincount(comp[alone][ok], weights=z[ok], minlength=comp.max() + 1)
        count = np.bincount(comp[alone][ok], minlength=comp.max() + 1)
        mean = np.divide(total, count, out=np.full(len(total), np.nan), where=count > 0)
        out[idx[alone]] = mean[comp[alone]]
    return out


def _stair_grades(
    edges: pd.DataFrame, dem_rise: FloatArray, model: WalkModel, min_rise_m: float
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """Signed rise and grade source of stairs: tag first, the DEM above ``min_rise_m``."""
    length = edges["length_m"].to_numpy(np.float64)
    tag_dir = edges["incline"].to_numpy(np.float64)
    tag_grade = edges["incline_grade"].to_numpy(np.float64)
    from_dem = (tag_dir == 0) & np.isfinite(dem_rise) & (np.abs(dem_rise) >= min_rise_m)
    direction = np.where(from_dem, np.sign(np.nan_to_num(dem_rise)), tag_dir)
    mag, _ = stair_rise_m(
        model,
        length_m=length,
        step_count=edges["step_count"].to_numpy(np.float64),
        rise_m=tag_grade * length,
    )
    rise = np.where(direction != 0, direction * mag, np.nan)
    untold = np.where(np.isfinite(dem_rise), SOURCE_FLAT, SOURCE_OUTSIDE)
    source = np.where(tag_dir != 0, SOURCE_INCLINE, np.where(from_dem, SOURCE_DEM, untold))
    return rise, source.astype(np.int8)


def _way_grades(
    edges: pd.DataFrame,
    pieces: _Pieces,
    straight: FloatArray,
    caps: FloatArray,
    model: WalkModel,
    has_dem: bool,
) -> dict[str, np.ndarray]:
    """Rise, source, cap flags and flat-equivalent lengths of ways (kind ``walk``)."""
    n_edges = len(edges)
    pe, w = pieces.edge, pieces.weight_m
    bad = pieces.bad_edge
    walk = edges["kind"].to_numpy() == KIND_WALK
    off = edges["off_ground"].to_numpy(bool)
    tag_dir = edges["incline"].to_numpy(np.float64)
    tag_grade = edges["incline_grade"].to_numpy(np.float64)
    numeric = walk & np.isfinite(tag_grade)
    sign_only = walk & ~numeric & (tag_dir != 0)

    g = np.where(off[pe], straight[pe], pieces.grade)
    g = np.where(bad[pe], 0.0, g)
    # an edge is "above its cap" where any piece of it is clipped: its time changed
    clipped = np.bincount(pe, weights=np.abs(g) > caps[pe] + 1e-9, minlength=n_edges) > 0
    above = walk & ~numeric & clipped
    g = np.where(walk[pe], np.clip(g, -caps[pe], caps[pe]), g)
    g = np.where(sign_only[pe], tag_dir[pe] * np.abs(g), g)
    g = np.where(numeric[pe], np.nan_to_num(tag_grade)[pe], g)

    rise = np.bincount(pe, weights=g * w, minlength=n_edges)
    costs = {"rise_cost_up_m": model.rise_cost_up_m, "rise_cost_down_m": model.rise_cost_down_m}
    fwd = np.bincount(pe, weights=w * slope_time_factor(g, **costs), minlength=n_edges)
    bwd = np.bincount(pe, weights=w * slope_time_factor(-g, **costs), minlength=n_edges)
    graded = walk & ((has_dem & ~bad) | numeric | sign_only)
    timed = graded if has_dem else np.zeros(n_edges, dtype=bool)

    source = np.full(n_edges, SOURCE_FLAT, dtype=np.int8)
    if has_dem:
        source[walk & ~bad] = SOURCE_DEM
        source[walk & ~bad & off] = SOURCE_BRIDGE
        source[walk & bad] = SOURCE_OUTSIDE
    source[numeric | sign_only] = SOURCE_INCLINE
    return {
        "rise": np.where(graded, rise, np.nan),
        "source": source,
        "above": above & walk & ~bad,
        "fwd": np.where(timed, fwd, np.nan),
        "bwd": np.where(timed, bwd, np.nan),
    }


def edge_grades(
    edges: pd.DataFrame,
    *,
    node_xy: npt.ArrayLike,
    geometry: npt.NDArray[np.object_],
    crs: str,
    dem: str | Path | None,
    model: WalkModel | None = None,
    dem_outside: DemOutside = "error",
    smoothing_m: float = DEM_SMOOTHING_M,
    max_grade_pct: Mapping[str, float] | None = None,
    stair_min_rise_m: float = STAIR_DEM_MIN_RISE_M,
) -> EdgeGrades:
    """Grades of every edge from OSM ``incline`` tags and a DEM (see the module docstring).

    Parameters
    ----------
    edges
        Columns ``u``, ``v``, ``length_m``, ``kind``, ``highway``, ``off_ground``, ``incline``
        (tag direction along the edge), ``incline_grade`` (numeric tag, NaN) and
        ``step_count``.
    node_xy, geometry
        Node coordinates and edge lines, in ``crs``.
    crs
        Metric CRS of the network.
    dem
        Elevation raster, or ``None``: grades from tags only, nothing timed by slope.
    model
        Gives the stairs' costs per metre of rise and step sizes (default ``WalkModel()``).
    dem_outside
        ``"error"``: raise when the DEM does not cover every edge; ``"flat"``: time those
        edges as flat ground (``grade_source`` ``flat-outside-dem``) and warn.
    smoothing_m
        Gaussian smoothing of the DEM (sigma, metres; 0: none).
    max_grade_pct
        Grade caps by ``highway`` class overriding the defaults.
    stair_min_rise_m
        An untagged stair takes its direction from the DEM only above this rise.

    Returns
    -------
    EdgeGrades

    Raises
    ------
    NetworkError
        The DEM does not cover the network (with ``dem_outside="error"``), or none of it.
    InputDataError
        ``dem_outside`` is not one of the choices, or the DEM is unreadable.

    """
    check_dem_outside(dem_outside)
    model = model or WalkModel()
    node_xy = np.asarray(node_xy, dtype=np.float64).reshape(-1, 2)
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    length = edges["length_m"].to_numpy(np.float64)
    n_edges = len(edges)
    if dem is None:
        node_z = np.full(len(node_xy), np.nan)
        pieces = _Pieces(
            edge=np.arange(n_edges),
            grade=np.zeros(n_edges),
            weight_m=length,
            bad_edge=np.zeros(n_edges, dtype=bool),
        )
        cell, n_outside = 0.0, 0
    else:
        grid = _read_dem(dem, node_xy, crs=crs, smoothing_m=smoothing_m)
        off = edges["off_ground"].to_numpy(bool)
        node_z = structure_heights(grid.sample(node_xy), u, v, length, off)
        pieces = _pieces(grid, node_xy, u, v, geometry, length)
        _warn_steep_median(dem, pieces)
        bad = pieces.bad_edge | ~np.isfinite(node_z[u]) | ~np.isfinite(node_z[v])
        pieces = _Pieces(pieces.edge, pieces.grade, pieces.weight_m, bad)
        n_outside = _check_cover(dem, bad, dem_outside)
        cell = grid.cell_m
    dem_rise = node_z[v] - node_z[u]
    straight = np.divide(dem_rise, length, out=np.zeros(n_edges), where=length > 0)
    caps = class_caps_pct(edges["highway"].to_numpy(object), max_grade_pct) / 100.0
    ways = _way_grades(edges, pieces, np.nan_to_num(straight), caps, model, dem is not None)
    s_rise, s_source = _stair_grades(edges, dem_rise, model, stair_min_rise_m)
    if dem is None:
        s_source = np.where(s_source == SOURCE_OUTSIDE, SOURCE_FLAT, s_source).astype(np.int8)
    steps = edges["kind"].to_numpy() == KIND_STEPS
    rise = np.where(steps, s_rise, ways["rise"])
    grade_pct = 100.0 * np.divide(
        np.nan_to_num(rise), length, out=np.zeros(n_edges), where=length > 0
    )
    above = ways["above"]
    if above.any():
        log.info(
            "%d edges (%.1f km) read steeper than their class's grade cap on the DEM; "
            "clipped to it (see network info)",
            int(above.sum()),
            length[above].sum() / 1000,
        )
    return EdgeGrades(
        node_z_m=node_z,
        rise_m=rise,
        grade_pct=grade_pct,
        grade_source=np.where(steps, s_source, ways["source"]).astype(np.int8),
        above_cap=above,
        slope_len_fwd_m=ways["fwd"],
        slope_len_bwd_m=ways["bwd"],
        n_outside=n_outside,
        cell_m=cell,
    )


def grade_summary(
    edges: pd.DataFrame, *, max_grade_pct: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """What the grades of a network rest on, for ``network info`` and the run summary.

    Parameters
    ----------
    edges
        :attr:`WalkNetwork.edges <harbor_planner.network.WalkNetwork>` (``length_m``,
        ``highway``, ``grade_source``, ``above_cap``).
    max_grade_pct
        The caps the network was built with, when not the defaults.

    Returns
    -------
    dict
        ``length_km_by_source`` (km per :data:`~harbor_planner.settings.GRADE_SOURCES`
        name), ``flat_outside_dem_share`` (share of the network's length timed flat because
        the DEM does not cover it), ``above_cap_edges``, ``above_cap_km`` and
        ``above_cap_by_class`` (``{class: {"edges", "km", "cap_pct"}}``, the edges the DEM
        read steeper than their class's cap, clipped to it).

    """
    length = edges["length_m"].to_numpy(np.float64)
    source = edges["grade_source"].to_numpy(np.int64)
    above = edges["above_cap"].to_numpy(bool)
    total = float(length.sum())
    by_source = np.bincount(source, weights=length, minlength=len(GRADE_SOURCES))
    classes = pd.Series(edges["highway"].to_numpy(object)).fillna("road").astype(str)
    classes = classes.str.removesuffix("_link")
    caps = class_caps_pct(classes.to_numpy(object), max_grade_pct)
    by_class: dict[str, dict[str, float]] = {}
    if above.any():
        table = pd.DataFrame(
            {"cls": classes[above], "km": length[above] / 1000, "cap": caps[above]}
        )
        for cls, grp in table.groupby("cls", sort=True):
            by_class[str(cls)] = {
                "edges": len(grp),
                "km": round(float(grp["km"].sum()), 2),
                "cap_pct": float(grp["cap"].iloc[0]),
            }
    return {
        "length_km_by_source": {
            name: round(float(by_source[i]) / 1000, 2) for i, name in enumerate(GRADE_SOURCES)
        },
        "flat_outside_dem_share": round(float(by_source[SOURCE_OUTSIDE]) / total, 4)
        if total > 0
        else 0.0,
        "above_cap_edges": int(above.sum()),
        "above_cap_km": round(float(length[above].sum()) / 1000, 2),
        "above_cap_by_class": by_class,
    }
