"""Choosing and checking the metric CRS every length is computed in."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from harbor_planner.coords import utm_crs_for
from harbor_planner.errors import CRSError

__all__ = ["metric_crs_for", "parse_metric_crs", "to_metric"]


def metric_crs_for(
    lon: npt.ArrayLike, lat: npt.ArrayLike, metric_crs: str | None = None, *, what: str = "data"
) -> str:
    """The metric CRS to use: ``metric_crs`` when given (checked), else the local UTM zone.

    Parameters
    ----------
    lon, lat
        WGS-84 coordinates of the data (their median picks the UTM zone).
    metric_crs
        A CRS the user asked for, in any form pyproj understands.
    what
        What the data is, for messages.

    Returns
    -------
    str
        The CRS as ``"EPSG:NNNN"`` where it has an EPSG code, else its WKT.

    Raises
    ------
    CRSError
        ``metric_crs`` is unknown, geographic, or not in metres.

    """
    if metric_crs is None:
        if np.asarray(lon).size == 0:
            raise CRSError(f"cannot choose a metric CRS for {what}: it has no coordinates")
        return utm_crs_for(lon, lat)
    try:
        crs = parse_metric_crs(metric_crs)
    except CRSError as exc:
        raise CRSError(f"metric_crs {exc}") from None
    _check_scale(crs, metric_crs, lon, lat, what)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def parse_metric_crs(text: str) -> CRS:
    """A projected CRS in metres as asked for (``"EPSG:32648"``), or why it is none.

    Parameters
    ----------
    text
        The CRS in any form pyproj understands.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        Unknown or ambiguous (``utm48``: several UTM zones 48N), geographic, or not in
        metres; the message starts with the value and says how to give one.

    """
    example = "e.g. EPSG:32648 (WGS 84 / UTM zone 48N) for Chongqing"
    try:
        crs = CRS.from_user_input(text)
    except PyprojCRSError as exc:
        why = "names several" if "several objects" in str(exc) else "is not a"
        raise CRSError(
            f"{text!r} {why} coordinate system{'s' if why == 'names several' else ''} pyproj "
            f"knows; give it as an EPSG code, {example}"
        ) from None
    if not crs.is_projected:
        raise CRSError(
            f"{text!r} is geographic (degrees); distances need a projected CRS in metres, {example}"
        )
    units = {ax.unit_name for ax in crs.axis_info}
    if units - {"metre", "meter"}:
        raise CRSError(f"{text!r} is in {', '.join(sorted(units))}, not metres; {example}")
    return crs


#: A metric CRS whose metres differ from true ones by more than this share where the data lie
#: is refused: Web Mercator (EPSG:3857) reads a walk in Chongqing 15 % long.
METRIC_CRS_MAX_SCALE_ERROR = 0.01


def _check_scale(crs: CRS, given: str, lon: npt.ArrayLike, lat: npt.ArrayLike, what: str) -> None:
    """Refuse a projection that stretches distances where the data lie (Web Mercator)."""
    from pyproj import Proj

    x, y = np.asarray(lon, dtype=np.float64).ravel(), np.asarray(lat, dtype=np.float64).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return
    x, y = x[ok], y[ok]
    corners_lon = np.array([x.min(), x.max(), x.min(), x.max(), np.median(x)])
    corners_lat = np.array([y.min(), y.min(), y.max(), y.max(), np.median(y)])
    try:
        f = Proj(crs).get_factors(corners_lon, corners_lat)
    except (PyprojCRSError, ValueError, RuntimeError):  # not differentiable: not checked
        return
    scale = np.concatenate([np.asarray(f.meridional_scale), np.asarray(f.parallel_scale)])
    worst = float(np.nanmax(np.abs(scale - 1.0))) if np.isfinite(scale).any() else 0.0
    if worst > METRIC_CRS_MAX_SCALE_ERROR:
        raise CRSError(
            f"metric_crs {given!r} stretches distances by up to {100 * worst:.0f} % where the "
            f"{what} lie (its metres are not true metres there: every walk would read that much "
            "longer); use a projection for the area, e.g. EPSG:32648 (UTM 48N) for Chongqing, "
            "or leave metric_crs out"
        )


def to_metric(
    x: npt.ArrayLike, y: npt.ArrayLike, *, from_crs: str | CRS, to_crs: str | CRS
) -> npt.NDArray[np.float64]:
    """Transform coordinates to the metric CRS; returns an ``(n, 2)`` array."""
    t = Transformer.from_crs(from_crs, to_crs, always_xy=True)
    xm, ym = t.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.column_stack([xm, ym])
