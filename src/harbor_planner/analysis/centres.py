"""City centres (城市中心): coverage of the demand within a radius of each named centre.

A centres file names points: a CSV with a name and lon/lat columns in a declared coordinate
system (``wgs84`` by default; ``gcj02``, ``bd09`` or ``EPSG:NNNN``), lines starting with
``#`` before the header being comments, or a point layer (GeoPackage, GeoJSON, Shapefile)
with a name column. An optional ``radius_m`` column overrides the study's radius per centre.

:func:`centre_coverage` counts, for each centre, the demand within its radius in a straight
line (in the network's metric CRS) and the share of it covered on foot.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._io import input_file
from harbor_planner._text import clean_text
from harbor_planner.coords import parse_crs, to_wgs84
from harbor_planner.errors import InputDataError
from harbor_planner.settings import CENTRE_RADIUS_M, CENTRES_CRS

__all__ = ["CENTRE_COLUMNS", "centre_coverage", "centres_summary", "read_centres"]

log = logging.getLogger(__name__)

#: Accepted headers (lower case) of each column of a centres file.
CENTRE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "centre", "center", "中心", "name_zh"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "radius_m": ("radius_m", "radius", "半径"),
}


def _find(columns: list[str], field: str) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[a] for a in CENTRE_COLUMNS[field] if a in lower), None)


def _read_csv(path: Path) -> pd.DataFrame:
    """The table as text cells, indexed by file line (blank and ``#`` lines skipped)."""
    from harbor_planner.readers import read_text_table

    table = read_text_table(path, comment="#")
    if table.columns.empty:
        raise InputDataError("no header and no rows; expected columns name, lon, lat", path=path)
    return table.fillna("")


def _read_workbook(path: Path) -> pd.DataFrame:
    """The first sheet with rows of a workbook as text cells, indexed by sheet row.

    Read as station workbooks are (:func:`~harbor_planner.readers.read_table_file`: by the
    cells it holds, a zip bomb refused; probe 19R: an .xlsx crashed).
    """
    from harbor_planner.readers import read_table_file

    raws, _ = read_table_file(path, None, None)
    if not raws:
        raise InputDataError("no sheet with rows; expected columns name, lon, lat", path=path)
    raw = raws[0]
    table = raw.frame.map(lambda v: "" if v is None or pd.isna(v) else str(v))
    return table.set_axis(pd.Index(raw.rows, name="row"), axis=0)


def _numbers(table: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(table[col].astype(str).str.strip(), errors="coerce").to_numpy(float)


def _problems(table: pd.DataFrame, cols: dict[str, str | None], path: Path) -> list[str]:
    """Every missing name and non-finite coordinate, by file row (the index) and field."""
    problems = []
    names = table[cols["name"]].astype(str).str.strip()
    lon, lat = _numbers(table, cols["lon"]), _numbers(table, cols["lat"])
    radius = _numbers(table, cols["radius_m"]) if cols["radius_m"] else None
    for i in range(len(table)):
        row = f"row {table.index[i]}"
        if not names.iloc[i] or names.iloc[i].lower() == "nan":
            problems.append(f"{row}: field {cols['name']!r} is empty; give the centre a name")
        for field, values in (("lon", lon), ("lat", lat)):
            if not math.isfinite(values[i]):
                value = table[cols[field]].iloc[i]
                problems.append(f"{row}: field {cols[field]!r} is {value!r}, not a number")
        text = table[cols["radius_m"]].iloc[i] if radius is not None else ""
        if radius is not None and str(text).strip() and not (radius[i] > 0):
            problems.append(f"{row}: field {cols['radius_m']!r} is {text!r}, not metres above 0")
    return problems


def _refuse_impossible(
    table: pd.DataFrame, cols: dict[str, str | None], lon: Any, lat: Any, path: Path
) -> None:
    """Refuse positions that are no longitude and latitude.

    Probe 23C: a centre at latitude 106.57, its columns swapped, was accepted and measured
    nothing.
    """
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if not bad.any():
        return
    rows = ", ".join(str(r) for r in table.index[bad][:5])
    swapped = bool(((np.abs(lon) <= 90) & (np.abs(lat) <= 180))[bad].all())
    raise InputDataError(
        f"rows {rows}: fields {cols['lon']!r}/{cols['lat']!r} give no longitude and latitude "
        f"(e.g. {float(lon[bad][0]):.6g}, {float(lat[bad][0]):.6g})"
        + ("; they look swapped (Chongqing is near 106.5 E, 29.5 N): swap the columns"
           if swapped else "; are they projected metres? state their CRS"),
        path=path,
    )  # fmt: skip


def read_centres(
    path: str | os.PathLike[str], *, crs: str | None = None, radius_m: float = CENTRE_RADIUS_M
) -> Any:
    """Read a centres file: named points, in WGS-84.

    Parameters
    ----------
    path
        CSV (``name``/``名称``, ``lon``/``经度``, ``lat``/``纬度``, optional ``radius_m``) or a
        point layer with a name column.
    crs
        Coordinate system of a CSV's lon/lat (``wgs84``, ``gcj02``, ``bd09``, ``EPSG:NNNN``);
        a layer's own CRS wins when it has one. Not given: WGS-84, with a warning (a datum
        cannot be told from a few centres: squares and crossings are not on one street).
    radius_m
        Radius of the centres without their own ``radius_m``, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``lon``, ``lat`` (WGS-84), ``radius_m`` and point geometry (EPSG:4326).

    Raises
    ------
    InputDataError
        A missing file or column, an empty name, a coordinate that is not a finite number or
        a bad radius; every problem named with its row and field.

    """
    import geopandas as gpd

    path = input_file(path, "centres")
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise InputDataError(f"centre radius must be metres above 0, got {radius_m!r}")
    if path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        reader = _read_workbook if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
        table = reader(path)
        if crs is None:  # said, not assumed silently (probe 19W)
            log.warning(
                "%s: the centres' coordinates are read as WGS-84 (no centres.crs, "
                "--centres-crs); points picked on AMap (GCJ-02) or Baidu (BD-09) would lie "
                "several hundred metres off: state their datum",
                path.name,
            )
    else:
        table, crs = _layer_table(path, crs or CENTRES_CRS)
    crs = crs or CENTRES_CRS
    cols = {f: _find(list(table.columns), f) for f in CENTRE_COLUMNS}
    missing = [f for f in ("name", "lon", "lat") if cols[f] is None]
    if missing:
        raise InputDataError(
            f"no {'/'.join(missing)} column; expected {', '.join(missing)} (also "
            f"{', '.join(CENTRE_COLUMNS[missing[0]][1:4])}); it has {', '.join(table.columns)}",
            path=path,
        )
    if not len(table):
        raise InputDataError("no centres (the file has a header but no rows)", path=path)
    problems = _problems(table, cols, path)
    if problems:
        raise InputDataError("; ".join(problems), path=path)
    lon, lat = to_wgs84(_numbers(table, cols["lon"]), _numbers(table, cols["lat"]), parse_crs(crs))
    _refuse_impossible(table, cols, lon, lat, path)
    radius = np.full(len(table), float(radius_m))
    if cols["radius_m"]:
        own = _numbers(table, cols["radius_m"])
        radius = np.where(np.isfinite(own), own, radius)
    return gpd.GeoDataFrame(
        {
            "name": np.array(  # user text: no control characters or escapes in the outputs
                [clean_text(v).strip() for v in table[cols["name"]].astype(str)], dtype=object
            ),
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "radius_m": radius,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def _layer_table(path: Path, crs: str) -> tuple[pd.DataFrame, str]:
    """A point layer as a text table with lon/lat columns in its own CRS (features from 1)."""
    import geopandas as gpd

    from harbor_planner.readers import shapefile_encoding

    try:
        enc = shapefile_encoding(path)  # the names of a GBK Shapefile without .cpg
        layer = gpd.read_file(path, **({"encoding": enc} if enc else {}))
    except Exception as exc:
        raise InputDataError(f"cannot read the centres layer: {exc}", path=path) from None
    if not isinstance(layer, gpd.GeoDataFrame) or layer.geometry.name not in layer:
        raise InputDataError(
            "the centres file is neither a CSV (name, lon, lat) nor a point layer", path=path
        )
    if len(layer) and not (layer.geometry.geom_type == "Point").all():
        raise InputDataError("the centres layer must hold points", path=path)
    own = layer.crs.to_string() if layer.crs is not None else crs
    table = pd.DataFrame(layer.drop(columns=layer.geometry.name)).astype(str)
    table["lon"] = [str(p.x) if p is not None else "" for p in layer.geometry]
    table["lat"] = [str(p.y) if p is not None else "" for p in layer.geometry]
    return table.set_axis(pd.RangeIndex(1, len(table) + 1, name="row"), axis=0), own


def centre_coverage(
    centres: Any, coverage: Any, *, metric_crs: Any, after: Any = None
) -> pd.DataFrame:
    """Demand within each centre's radius (straight line) and the share of it covered.

    Parameters
    ----------
    centres
        :func:`read_centres` output.
    coverage
        A :class:`~harbor_planner.analysis.coverage.CoverageResult` (its ``demand``:
        ``weight`` and ``covered``).
    metric_crs
        The projected CRS distances are measured in (the network's).
    after
        Coverage with the new sites (adds ``coverage_after_pct``).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``lon``, ``lat``, ``radius_m``, ``demand_total``, ``demand_covered``,
        ``coverage_pct`` (``NaN`` with no demand in the radius), ``coverage_built_pct`` (by
        the built stations alone, when stations of other statuses are used too: the headline's
        scope) and ``coverage_after_pct``.

    """
    demand = coverage.demand.to_crs(metric_crs)
    xy = np.column_stack([demand.geometry.x.to_numpy(), demand.geometry.y.to_numpy()])
    weight = demand["weight"].to_numpy(float)
    covered = demand["covered"].fillna(False).to_numpy(bool)
    scopes = (getattr(coverage, "summary", None) or {}).get("coverage_by_status") or []
    built = (
        demand["covered_built"].fillna(False).to_numpy(bool)
        if len(scopes) > 1 and "covered_built" in demand
        else None
    )
    covered_after = None if after is None else after.demand["covered"].fillna(False).to_numpy(bool)
    centre_xy = centres.to_crs(metric_crs).geometry
    rows = []
    for j, pt in enumerate(centre_xy):
        r = float(centres["radius_m"].iloc[j])
        inside = np.hypot(xy[:, 0] - pt.x, xy[:, 1] - pt.y) <= r
        total = float(weight[inside].sum())
        row = {
            "name": centres["name"].iloc[j],
            "lon": float(centres["lon"].iloc[j]),
            "lat": float(centres["lat"].iloc[j]),
            "radius_m": r,
            "demand_total": round(total, 3),
            "demand_covered": round(float(weight[inside & covered].sum()), 3),
        }
        row["coverage_pct"] = _pct(row["demand_covered"], total)
        if built is not None:
            row["coverage_built_pct"] = _pct(float(weight[inside & built].sum()), total)
        if covered_after is not None:
            row["coverage_after_pct"] = _pct(float(weight[inside & covered_after].sum()), total)
        if not total:
            log.warning("centre %s: no demand within %g m", row["name"], r)
        rows.append(row)
    return pd.DataFrame(rows)


def _pct(part: float, total: float) -> float:
    return round(100.0 * part / total, 2) if total else math.nan  # as every percentage


def centres_summary(table: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """The ``centres`` list of ``summary.json`` (``NaN`` becomes ``null``).

    Parameters
    ----------
    table
        :func:`centre_coverage` output, or ``None``.

    Returns
    -------
    list of dict or None

    """
    if table is None:
        return None
    out = []
    for rec in table.to_dict("records"):
        out.append(
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in rec.items()
            }
        )
    return out
