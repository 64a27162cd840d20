"""Chinese map datums (GCJ-02, BD-09) and CRS declarations, vectorised over numpy arrays.

Chinese web maps do not publish WGS-84 coordinates: AMap (高德) and Tencent use GCJ-02, an
obfuscated datum shifted by a few hundred metres from WGS-84 (about 300-600 m in Chongqing),
and Baidu uses BD-09, a further shift of GCJ-02. Files exported from them usually *claim*
EPSG:4326, so the true datum must be stated by the user: :func:`parse_crs` turns such a
statement (``"gcj02"``, ``"amap"``, ``"bd09"``, ``"wgs84"``, ``"EPSG:32648"``...) into a
:class:`CoordSystem`, and :func:`to_wgs84` / :func:`from_wgs84` convert coordinate arrays.

The forward GCJ-02 formula is the well-known public one (as in eviltransform and
coordtransform); it is applied only inside the usual China bounding box
(:func:`in_china`), elsewhere coordinates pass unchanged. The inverses have no closed form and
are solved by fixed-point iteration to about 1e-9 degrees (millimetres), far better than the
0.5 m asked for.

:func:`diagnose_datum_shift` is the pure statistic behind the "this file looks shifted" warning:
given the distances of the points to a walk network under several datum readings, it tells
whether another reading fits the streets much better than the stated one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from harbor_planner.errors import CRSError

__all__ = [
    "CHINA_BOUNDS",
    "CoordSystem",
    "DatumDiagnosis",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "close_crs_name",
    "diagnose_datum_shift",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geometry_to_wgs84",
    "in_china",
    "lonlat_beyond",
    "lonlat_swapped",
    "output_crs",
    "parse_crs",
    "points_to_wgs84",
    "to_wgs84",
    "utm_crs_for",
    "warn_old_datum",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
Kind = Literal["wgs84", "gcj02", "bd09", "epsg"]

#: (min lon, min lat, max lon, max lat) of the box inside which GCJ-02 shifts are applied.
#: It is the box used by the public reference implementations, so that data shifted by them
#: (and by the map providers, whose shift covers mainland China) are undone the same way.
CHINA_BOUNDS: tuple[float, float, float, float] = (72.004, 0.8293, 137.8347, 55.8271)

# Krasovsky 1940 ellipsoid used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# Iteration control for the inverses: stop when no point moves by more than _TOL degrees.
_TOL = 1e-10
_MAX_ITER = 30

_ALIASES: dict[str, Kind] = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "wgs 84": "wgs84",
    "gps": "wgs84",
    "osm": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "autonavi": "gcj02",
    "tencent": "gcj02",
    "qq": "gcj02",
    "mars": "gcj02",
    "高德": "gcj02",
    "火星坐标": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
}

_LABELS: dict[str, str] = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}


@dataclass(frozen=True)
class CoordSystem:
    """A declared coordinate system of input coordinates.

    Attributes
    ----------
    kind
        ``"wgs84"`` (also EPSG:4326), ``"gcj02"`` (AMap, Tencent), ``"bd09"`` (Baidu) or
        ``"epsg"`` (any other CRS pyproj knows, given by ``crs``).
    crs
        The pyproj-compatible CRS string of the coordinates' *axes*: ``"EPSG:4326"`` for the
        three lon/lat datums, else the CRS as given (normalised to ``AUTHORITY:CODE`` when it
        has one).

    """

    kind: Kind
    crs: str = "EPSG:4326"

    @property
    def name(self) -> str:
        """Short name as accepted by :func:`parse_crs` (``"gcj02"``, ``"EPSG:32648"``...)."""
        return self.crs if self.kind == "epsg" else self.kind

    @property
    def label(self) -> str:
        """Human-readable name (``"GCJ-02"``, ``"EPSG:32648"``...)."""
        return _LABELS.get(self.kind, self.crs)

    @property
    def is_shifted(self) -> bool:
        """Whether this is one of the Chinese obfuscated datums (GCJ-02, BD-09)."""
        return self.kind in ("gcj02", "bd09")

    @property
    def is_geographic(self) -> bool:
        """Whether coordinates are longitude/latitude degrees."""
        return self.kind != "epsg" or pyproj.CRS.from_user_input(self.crs).is_geographic

    def __str__(self) -> str:
        return self.name


def parse_crs(value: str | int | pyproj.CRS | CoordSystem) -> CoordSystem:
    """Read a CRS statement such as ``"gcj02"``, ``"baidu"``, ``"EPSG:4326"`` or ``32648``.

    Parameters
    ----------
    value
        A datum name (case-insensitive: ``wgs84``/``gps``/``osm``; ``gcj02``/``amap``/
        ``gaode``/``tencent``; ``bd09``/``baidu``), an EPSG code as ``"EPSG:NNNN"`` or an
        integer, any other string pyproj accepts, a :class:`pyproj.CRS`, or a
        :class:`CoordSystem` (returned unchanged).

    Returns
    -------
    CoordSystem
        EPSG:4326 and its synonyms (OGC:CRS84, WGS 84) give ``kind="wgs84"``.

    Raises
    ------
    CRSError
        When the value is empty or not a CRS; the message lists the accepted names.

    """
    if isinstance(value, CoordSystem):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _ALIASES:
            return CoordSystem(_ALIASES[key])
        if not key:
            raise CRSError(_crs_help("an empty CRS"))
    try:
        crs = pyproj.CRS.from_user_input(value)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        close = close_crs_name(value) if isinstance(value, str) else None
        hint = f" (did you mean {close!r}?)" if close else ""
        raise CRSError(_crs_help(f"unknown CRS {value!r}{hint}")) from exc
    if crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        return CoordSystem("wgs84")
    auth = crs.to_authority()
    text = f"{auth[0]}:{auth[1]}" if auth else crs.to_wkt()
    return CoordSystem("epsg", text)


def output_crs(value: Any) -> str | None:
    """A CRS asked for an output, checked before any work: ``"EPSG:NNNN"`` (or WKT).

    Parameters
    ----------
    value
        ``None`` (keep the data's CRS), ``"wgs84"`` or any CRS :func:`parse_crs` reads.

    Returns
    -------
    str or None

    Raises
    ------
    CRSError
        The value is not a CRS, or is GCJ-02/BD-09 (shifted coordinates, not a CRS that
        GeoPandas can project to).

    """
    if value is None:
        return None
    try:
        cs = parse_crs(value)
    except CRSError:
        raise CRSError(
            f"output CRS {value!r} is not a CRS pyproj knows; ask for 'wgs84' or an EPSG code "
            "such as 'EPSG:32648' (UTM 48N)"
        ) from None
    if cs.kind == "wgs84":
        return "EPSG:4326"
    if cs.kind != "epsg":
        raise CRSError(
            f"output CRS {value!r}: GCJ-02/BD-09 are shifted coordinates, not a projection; "
            "ask for 'wgs84' or an EPSG code (wgs84_to_gcj02 converts WGS-84 coordinates)"
        )
    return cs.crs


def close_crs_name(text: str) -> str | None:
    """The datum name closest to a misspelled one (``gcj2``: ``gcj02``), if one is close.

    Parameters
    ----------
    text
        A CRS statement that is no known name.

    Returns
    -------
    str or None
        The canonical name (``wgs84``, ``gcj02``, ``bd09``).

    """
    import difflib

    key = text.strip().lower()
    if key.startswith("epsg"):
        return None
    close = difflib.get_close_matches(key, list(_ALIASES), n=1, cutoff=0.75)
    return _ALIASES[close[0]] if close else None


def _crs_help(what: str) -> str:
    return (
        f"{what}; state the coordinate system of the file: 'wgs84' (GPS, OpenStreetMap, "
        "EPSG:4326), 'gcj02' (AMap/高德, Tencent), 'bd09' (Baidu) or 'EPSG:NNNN'"
    )


# --------------------------------------------------------------------------- GCJ-02 / BD-09


def lonlat_swapped(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Points whose longitude and latitude look swapped (in China, or beyond ±90 latitude)."""
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    china = (x >= 3) & (x <= 54) & (y >= 73) & (y <= 136)
    return china | ((np.abs(y) > 90) & (np.abs(x) <= 90))


def lonlat_beyond(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Points, not swapped, with a longitude beyond ±180 or a latitude beyond ±90."""
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    return ~lonlat_swapped(x, y) & ((np.abs(x) > 180) | (np.abs(y) > 90))


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points fall inside :data:`CHINA_BOUNDS`, where GCJ-02 shifts apply.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (broadcastable arrays).

    Returns
    -------
    numpy.ndarray of bool
        ``False`` for NaN coordinates.

    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    x0, y0, x1, y1 = CHINA_BOUNDS
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84 in degrees at WGS-84 points (zero outside China)."""
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _as_float(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return x.astype(float, copy=True), y.astype(float, copy=True)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS-84 coordinates to GCJ-02 (AMap, Tencent).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees, scalars or arrays of the same shape. NaN stays NaN.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude; points outside China are returned unchanged.

    """
    x, y = _as_float(lon, lat)
    dx, dy = _gcj_offset(x, y)
    return x + dx, y + dy


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Undo the GCJ-02 shift by fixed-point iteration (error below 1e-9 degrees).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees, scalars or arrays of the same shape. NaN stays NaN.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude; points outside China are returned unchanged.

    """
    gx, gy = _as_float(lon, lat)
    wx, wy = gx.copy(), gy.copy()
    for _ in range(_MAX_ITER):
        dx, dy = _gcj_offset(wx, wy)
        nx, ny = gx - dx, gy - dy
        moved = np.nanmax(np.abs(np.concatenate([(nx - wx).ravel(), (ny - wy).ravel()])), initial=0)
        wx, wy = nx, ny
        if moved < _TOL:
            break
    return wx, wy


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 coordinates to Baidu's BD-09 (applied everywhere, as Baidu does).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitude and latitude.

    """
    x, y = _as_float(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Undo the BD-09 shift: the published approximate inverse refined by iteration.

    Parameters
    ----------
    lon, lat
        BD-09 degrees.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude, exact to about 1e-9 degrees.

    """
    bx, by = _as_float(lon, lat)
    x, y = bx - 0.0065, by - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy = z * np.cos(theta), z * np.sin(theta)
    for _ in range(_MAX_ITER):
        fx, fy = gcj02_to_bd09(gx, gy)
        ex, ey = bx - fx, by - fy
        gx, gy = gx + ex, gy + ey
        if np.nanmax(np.abs(np.concatenate([ex.ravel(), ey.ravel()])), initial=0) < _TOL:
            break
    return gx, gy


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 to WGS-84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


# --------------------------------------------------------------------------- any CRS


def to_wgs84(
    x: ArrayLike, y: ArrayLike, crs: str | int | pyproj.CRS | CoordSystem
) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates declared in ``crs`` to WGS-84 longitude/latitude.

    Parameters
    ----------
    x, y
        Longitude/latitude for the lon/lat datums, easting/northing (axis order x, y) for
        projected CRSs.
    crs
        Anything :func:`parse_crs` accepts.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude.

    """
    cs = parse_crs(crs)
    if cs.kind == "wgs84":
        return _as_float(x, y)
    if cs.kind == "gcj02":
        return gcj02_to_wgs84(x, y)
    if cs.kind == "bd09":
        return bd09_to_wgs84(x, y)
    tr = pyproj.Transformer.from_crs(cs.crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(*_as_float(x, y))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_wgs84(
    lon: ArrayLike, lat: ArrayLike, crs: str | int | pyproj.CRS | CoordSystem
) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to coordinates in ``crs`` (inverse of :func:`to_wgs84`).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    crs
        Anything :func:`parse_crs` accepts.

    Returns
    -------
    tuple of numpy.ndarray
        Coordinates in ``crs`` (x, y order).

    """
    cs = parse_crs(crs)
    if cs.kind == "wgs84":
        return _as_float(lon, lat)
    if cs.kind == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if cs.kind == "bd09":
        return wgs84_to_bd09(lon, lat)
    tr = pyproj.Transformer.from_crs("EPSG:4326", cs.crs, always_xy=True)
    x, y = tr.transform(*_as_float(lon, lat))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def geometry_to_wgs84(
    geometry: shapely.Geometry | NDArray[np.object_],
    crs: str | int | pyproj.CRS | CoordSystem,
) -> shapely.Geometry | NDArray[np.object_]:
    """Convert every vertex of shapely geometries from ``crs`` to WGS-84 (vectorised).

    Parameters
    ----------
    geometry
        One geometry or an array of them (2D coordinates).
    crs
        Anything :func:`parse_crs` accepts, e.g. ``"gcj02"`` for AMap boundaries.

    Returns
    -------
    shapely.Geometry or numpy.ndarray
        Same shape as the input.

    """

    def _convert(xy: FloatArray) -> FloatArray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, _convert)


def points_to_wgs84(frame: Any) -> Any:
    """A GeoDataFrame (or GeoSeries) of points in EPSG:4326, as ``frame.to_crs("EPSG:4326")``.

    The same coordinates as ``to_crs`` gives (the same transformation), in a third of the
    time for plain 2D points: the coordinates are transformed and each point made once,
    where ``to_crs`` copies every geometry and then sets its coordinates (2M demand points:
    1.1 s, not 1.7 s). Any other geometry (missing, empty, not a point, with Z) goes by
    ``to_crs``.

    Parameters
    ----------
    frame
        A GeoDataFrame or GeoSeries with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        A new object; ``frame`` is left as it is.

    """
    geoms = np.asarray(frame.geometry.array if hasattr(frame, "geometry") else frame.array)
    plain = (
        len(geoms) > 0
        and bool((shapely.get_type_id(geoms) == 0).all())  # 0: Point; -1: missing
        and not bool(shapely.has_z(geoms).any())
        and not bool(shapely.is_empty(geoms).any())
    )
    if frame.crs is None or not plain:
        return frame.to_crs("EPSG:4326")
    xy = shapely.get_coordinates(geoms)
    tr = pyproj.Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    out = frame.copy()
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if hasattr(frame, "set_geometry"):
        return out.set_geometry(
            type(frame.geometry)(points, index=frame.index, crs="EPSG:4326"),
            crs="EPSG:4326",
        )
    return type(frame)(points, index=frame.index, crs="EPSG:4326", name=frame.name)


def utm_crs_for(lon: ArrayLike, lat: ArrayLike) -> str:
    """Return the WGS-84 UTM zone (``"EPSG:326NN"``/``"EPSG:327NN"``) at the points' median.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees; NaN values are ignored.

    Returns
    -------
    str
        ``"EPSG:32648"`` (UTM 48N) for Chongqing.

    Raises
    ------
    CRSError
        When there is no finite coordinate.

    """
    x = np.asarray(lon, dtype=float).ravel()
    y = np.asarray(lat, dtype=float).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise CRSError("cannot choose a UTM zone: no finite coordinates")
    mx, my = float(np.median(x[ok])), float(np.median(y[ok]))
    zone = int(np.clip(np.floor((mx + 180.0) / 6.0) + 1, 1, 60))
    return f"EPSG:{32600 + zone if my >= 0 else 32700 + zone}"


# --------------------------------------------------------------------------- shift diagnosis


@dataclass(frozen=True)
class DatumDiagnosis:
    """Which datum reading of some points fits a walk network best.

    Attributes
    ----------
    stated
        The datum the user stated (a key of ``medians_m``).
    medians_m
        Median distance in metres from the points to the network under each reading.
    suggested
        The reading to suggest instead of ``stated``, or ``None`` when the stated one fits.
    n_points
        Number of points with a finite distance under every reading.

    """

    stated: str
    medians_m: Mapping[str, float]
    suggested: str | None
    n_points: int

    @property
    def shifted(self) -> bool:
        """Whether another datum fits clearly better than the stated one."""
        return self.suggested is not None

    def message(self) -> str:
        """One-line explanation for logs and problem tables."""
        med = ", ".join(f"as {k}: {v:.0f} m" for k, v in self.medians_m.items())
        if self.suggested is None:
            return f"points fit the network as {self.stated} (median distance {med})"
        return (
            f"points look shifted: read as {self.stated} they lie a median "
            f"{self.medians_m[self.stated]:.0f} m from the walk network, read as "
            f"{self.suggested} {self.medians_m[self.suggested]:.0f} m ({med}); if the "
            f"coordinates come from a Chinese web map, state --crs {self.suggested}"
        )


def diagnose_datum_shift(
    distances_m: Mapping[str, ArrayLike],
    *,
    stated: str,
    min_points: int = 5,
    min_gain_m: float = 10.0,
    ratio: float = 0.5,
) -> DatumDiagnosis:
    """Tell whether points fit a network much better under another datum than the stated one.

    A pure statistic over snap distances: call it with the distances from the points to the
    walk network when read in the stated datum and in each alternative (for example the same
    file coordinates taken as WGS-84 and as GCJ-02). Medians are used, so a few stations that
    really stand away from streets do not matter.

    Parameters
    ----------
    distances_m
        Distances in metres per reading, e.g. ``{"wgs84": d0, "gcj02": d1}``; arrays of the
        same length, NaN for points that could not be measured.
    stated
        Key of the reading the user stated.
    min_points
        No suggestion from fewer points than this.
    min_gain_m
        The alternative's median must be at least this many metres smaller.
    ratio
        ... and at most this fraction of the stated reading's median.

    Returns
    -------
    DatumDiagnosis

    Raises
    ------
    ValueError
        When ``stated`` is not a key of ``distances_m`` or the arrays differ in length.

    """
    if stated not in distances_m:
        msg = f"stated={stated!r} is not one of the readings {sorted(distances_m)}"
        raise ValueError(msg)
    arrays = {k: np.asarray(v, dtype=float).ravel() for k, v in distances_m.items()}
    lengths = {a.size for a in arrays.values()}
    if len(lengths) > 1:
        msg = f"distance arrays differ in length: { {k: a.size for k, a in arrays.items()} }"
        raise ValueError(msg)
    ok = np.logical_and.reduce([np.isfinite(a) for a in arrays.values()])
    n = int(ok.sum())
    medians = {k: float(np.median(a[ok])) if n else float("nan") for k, a in arrays.items()}
    suggested = None
    if n >= min_points:
        best = min(medians, key=medians.__getitem__)
        base = medians[stated]
        if best != stated and medians[best] <= base - min_gain_m and medians[best] <= ratio * base:
            suggested = best
    return DatumDiagnosis(stated=stated, medians_m=medians, suggested=suggested, n_points=n)


#: Datums China used before CGCS2000 that PROJ moves to WGS-84 by a "ballpark" offset alone
#: (no published parameters): a layer in one lies tens of metres (or more) off (probe 20A).
OLD_DATUMS: tuple[str, ...] = ("Xian 1980", "Beijing 1954", "New Beijing")


def warn_old_datum(crs: Any, what: str) -> bool:
    """Warn when ``crs`` is on Xi'an 1980 or Beijing 1954; whether it is.

    Parameters
    ----------
    crs
        The layer's CRS (anything pyproj reads; ``None``: nothing to say).
    what
        The layer, for the message.

    Returns
    -------
    bool

    """
    if crs is None:
        return False
    try:
        datum = pyproj.CRS.from_user_input(crs).datum
    except pyproj.exceptions.CRSError:
        return False
    name = getattr(datum, "name", "") or ""
    if name not in OLD_DATUMS:
        return False
    log.warning(
        "%s: its CRS is on the %s datum, which PROJ moves to WGS-84 by a rough offset only "
        "(no transformation parameters): it may lie tens of metres off; convert it to CGCS2000 "
        "or WGS-84 with the local parameters first, or check it against the streets",
        what, name,
    )  # fmt: skip
    return True
