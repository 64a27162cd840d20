"""The datum of a station register: its headers say it, and a change of datum is noticed.

A register written by ``stations number`` holds the coordinates as given, in the list's
datum. Probe 26P: under plain 经度/纬度 a register was GCJ-02 one year and WGS-84 the next,
every station about 450 m apart, and nothing was said; ``--previous`` was read in the
current list's datum. Here:

* :func:`register_coordinate_headers`: the headers name their datum (``经度(GCJ-02)``), in
  the form the station reader reads back (:func:`~harbor_planner.readers.datum_header`);
* :func:`read_previous_register`: the previous register read in the datum its headers state;
* :func:`closed_in_datum`: the stations it has and the list no longer has, in the list's
  datum, with the register's own numbers where they are in it (no round-trip noise);
* :func:`warn_datum_drift`: every station found again moved by one offset of some hundred
  metres: the two lists look to be in different datums, said.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner.readers.headers import DATUM_TAGS, datum_header

__all__ = [
    "ALL_COORDINATE_HEADERS",
    "DRIFT_M",
    "closed_in_datum",
    "read_previous_register",
    "register_coordinate_headers",
    "warn_datum_drift",
]

log = logging.getLogger(__name__)

#: Offsets (metres) between the previous register and the list that look like two datums
#: (GCJ-02 and WGS-84 are 300-700 m apart in Chongqing; BD-09 and GCJ-02 about 700 m).
DRIFT_M = (100.0, 2000.0)
#: Found stations needed before a common offset is read as a change of datum.
_DRIFT_MIN_STATIONS = 3
#: Metres per degree of latitude (and of longitude at the equator), for offsets of a few km.
_M_PER_DEG = 111_320.0


def register_coordinate_headers(datum: str | None) -> tuple[str, str]:
    """The register's longitude and latitude headers, naming the datum of their coordinates.

    Parameters
    ----------
    datum
        The datum the coordinates are in (``"gcj02"``, ``"wgs84"``, ``"bd09"``,
        ``"EPSG:NNNN"``); ``None``: unknown (plain ``经度``/``纬度``).

    Returns
    -------
    tuple of str
        ``("经度(GCJ-02)", "纬度(GCJ-02)")``...: the station reader reads them in that datum.

    """
    if datum is None:
        return "经度", "纬度"
    return datum_header("经度", datum), datum_header("纬度", datum)


#: Every coordinate header a register of this tool has had: plain (before probe 26P) and
#: naming each datum.
ALL_COORDINATE_HEADERS = frozenset(
    h for d in (None, *DATUM_TAGS) for h in register_coordinate_headers(d)
)


def read_previous_register(path: Path, crs: Any, *, sheet: Any = None) -> Any:
    """The previous register, read in the datum its headers state (``crs`` if they state none).

    Parameters
    ----------
    path
        The register (``.csv``, ``.xlsx``; a ``.gpkg`` is read from its WGS-84 points).
    crs
        The list's datum (``--crs``): the register's when its headers name none (a register
        written before its headers named their datum).
    sheet
        As for :func:`~harbor_planner.stations.read_stations`.

    Returns
    -------
    StationCheck

    """
    from harbor_planner.coords import parse_crs
    from harbor_planner.errors import CRSError
    from harbor_planner.stations.read import read_stations

    if path.suffix.lower() == ".gpkg":  # WGS-84 points (probe 21R: read in the list's datum,
        return read_stations(path, crs="wgs84", sheet=sheet)  # its stations were 480 m off)
    try:
        check = read_stations(path, crs=None, sheet=sheet)
    except CRSError:  # its headers name no datum (or several): the list's
        if crs is None:
            raise
        log.info("%s: its 经度/纬度 name no datum: read as %s, as the list", path, crs)
        return read_stations(path, crs=crs, sheet=sheet)
    if crs is not None and parse_crs(crs) != check.crs:
        log.info(
            "%s: read as %s, as its headers say (the list: %s)",
            path, check.crs.label, parse_crs(crs).label,
        )  # fmt: skip
    return check


def closed_in_datum(kept: pd.DataFrame, datum: str) -> pd.DataFrame:
    """Stations of the previous register kept as closed, with coordinates in ``datum``.

    Where the register holds them in ``datum`` already (its ``lon_orig``, or a ``.gpkg``
    register's 经度(GCJ-02) attributes), its own numbers are kept: converted from WGS-84
    and back they came as ``29.55822000000001`` (probe 26P).

    Parameters
    ----------
    kept
        Rows of the previous register (WGS-84 points, ``lon_orig``/``lat_orig``/``crs_orig``).
    datum
        The list's datum (its ``crs_orig``).

    Returns
    -------
    pandas.DataFrame
        ``kept`` with ``lon_orig``, ``lat_orig`` and ``crs_orig`` in ``datum``.

    """
    from harbor_planner.coords import from_wgs84

    lon, lat = from_wgs84(kept.geometry.x, kept.geometry.y, datum)
    own = pd.Series(False, index=kept.index)
    if "crs_orig" in kept:
        own = kept["crs_orig"].astype("string").eq(datum).fillna(False)
    lon = np.where(own, pd.to_numeric(kept["lon_orig"], errors="coerce"), lon)
    lat = np.where(own, pd.to_numeric(kept["lat_orig"], errors="coerce"), lat)
    hx, hy = register_coordinate_headers(datum)
    if hx in kept and hy in kept:  # a .gpkg register's attributes, in the datum they name
        ax = pd.to_numeric(kept[hx], errors="coerce").to_numpy(dtype=float)
        ay = pd.to_numeric(kept[hy], errors="coerce").to_numpy(dtype=float)
        there = np.isfinite(ax) & np.isfinite(ay) & ~own.to_numpy()
        lon, lat = np.where(there, ax, lon), np.where(there, ay, lat)
    out = kept.copy()
    out["lon_orig"], out["lat_orig"], out["crs_orig"] = lon, lat, datum
    return out


def _offsets_m(lon: Any, lat: Any, lon0: Any, lat0: Any) -> np.ndarray:
    """East and north metres from ``(lon0, lat0)`` to ``(lon, lat)`` (n x 2; a few km at most)."""
    east = (np.asarray(lon, float) - np.asarray(lon0, float)) * np.cos(np.radians(lat0))
    north = np.asarray(lat, float) - np.asarray(lat0, float)
    return np.column_stack([east, north]) * _M_PER_DEG


def _common_offset(v: np.ndarray) -> np.ndarray | None:
    """The offset every row of ``v`` shares (their median), if each is within a quarter of it."""
    if len(v) < _DRIFT_MIN_STATIONS:
        return None
    median = np.median(v, axis=0)
    size = float(np.hypot(*median))
    if not DRIFT_M[0] <= size <= DRIFT_M[1]:
        return None
    spread = np.hypot(*(v - median).T)
    return median if bool((spread <= 0.25 * size).all()) else None


def _matching_datum(given: pd.DataFrame, target: Any) -> str | None:
    """The datum in which ``given``'s coordinates as given fall on ``target``'s points (< 20 m).

    ``given`` has ``lon_orig``/``lat_orig`` read in its ``crs_orig``; the other datums of
    :data:`DATUM_TAGS` are tried.
    """
    from harbor_planner.coords import parse_crs, to_wgs84

    if not {"lon_orig", "lat_orig", "crs_orig"} <= set(given.columns):
        return None
    stated = parse_crs(str(given["crs_orig"].iloc[0]))
    lon = pd.to_numeric(given["lon_orig"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(given["lat_orig"], errors="coerce").to_numpy(dtype=float)
    for datum in DATUM_TAGS:
        if datum == stated.name:
            continue
        x, y = to_wgs84(lon, lat, datum)
        off = _offsets_m(x, y, target.geometry.x, target.geometry.y)
        if float(np.nanmedian(np.hypot(*off.T))) < 20.0:
            return datum
    return None


def _datum_hint(found: pd.DataFrame, before: pd.DataFrame) -> str:
    """What would bring the list and the previous register together, if a datum does."""
    fits = _matching_datum(found, before)
    if fits is not None:
        return f"; read as {DATUM_TAGS[fits]} (--crs {fits}) the list falls on the register"
    fits = _matching_datum(before, found)
    if fits is not None:
        x, y = register_coordinate_headers(fits)
        return (
            f"; the register's coordinates read as {DATUM_TAGS[fits]} fall on the list: if "
            f"its 经度/纬度 name no datum, head them {x}/{y}"
        )
    return ""


def _label(frame: pd.DataFrame) -> str:
    """The datum a frame's coordinates were read in (its ``crs_orig``)."""
    from harbor_planner.coords import parse_crs

    stated = frame["crs_orig"].dropna() if "crs_orig" in frame else pd.Series(dtype=object)
    return parse_crs(str(stated.iloc[0])).label if len(stated) else "an unknown datum"


def warn_datum_drift(stations: Any, codes: pd.Series, previous: Any) -> bool:
    """Warn when every station found in the previous register moved by one common offset.

    Parameters
    ----------
    stations
        The list's stations (WGS-84 points; ``row``, ``lon_orig``/``lat_orig``/``crs_orig``).
    codes
        Their codes of the previous register (NA: not found there).
    previous
        The previous register's stations (WGS-84 points, its code column, ``crs_orig``).

    Returns
    -------
    bool
        Whether the warning was given: all of at least three stations found moved by a
        common offset of :data:`DRIFT_M` metres, as two datums are apart.

    """
    from harbor_planner.stations.register import code_column

    col = code_column(previous.columns)
    rows = stations["row"].notna() if "row" in stations else codes.notna()
    mask = (codes.notna() & rows).to_numpy()
    if col is None or not mask.any():
        return False
    by_code = previous.drop_duplicates(col, keep=False).set_index(col)
    mine = codes[mask].astype(str).to_numpy()
    there = np.isin(mine, by_code.index.astype(str))
    found, before = stations[mask][there], by_code.loc[mine[there]]
    v = _offsets_m(found.geometry.x, found.geometry.y, before.geometry.x, before.geometry.y)
    median = _common_offset(v)
    if median is None:
        return False
    east, north = median
    log.warning(
        "all %d stations found in the previous register lie about %.0f m (%.0f m %s, %.0f m "
        "%s) from their places there: the list and the register look to be in different "
        "datums (the list read as %s, the previous register as %s)%s; the codes are kept, "
        "but check the coordinates' datum before using the register",
        len(found), float(np.hypot(east, north)), abs(east), "east" if east >= 0 else "west",
        abs(north), "north" if north >= 0 else "south", _label(found), _label(before),
        _datum_hint(found, before),
    )  # fmt: skip
    return True
