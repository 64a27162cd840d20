"""Which sheets of a workbook read whole are station lists (a copy, a summary are not)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from harbor_planner.coords import utm_crs_for
from harbor_planner.errors import InputDataError
from harbor_planner.readers import RawTable, column_role, problem

__all__ = ["refuse_copied_sheets", "station_sheets"]

log = logging.getLogger(__name__)


#: A sheet named like this is a summary, not a station list (区县汇总, 统计, Summary).
_SUMMARY = re.compile(r"汇总|统计|合计|小计|总表|summary|total|statistic", re.IGNORECASE)


def station_sheets(raws: list[RawTable], file_problems: list[dict[str, Any]]) -> list[RawTable]:
    """The sheets to read of a workbook read whole: all but summaries of the others.

    A sheet named like a summary (区县汇总, 统计...) without an id or a name column, beside
    sheets with one, holds a point per district, not stations: skipped with a warning.
    """
    if len(raws) < 2 or raws[0].x is not None:
        return raws
    keyed = [
        any(column_role(c) in ("station_id", "name") for c in raw.frame.columns) for raw in raws
    ]
    if not any(keyed):
        return raws
    first = next(raw.sheet for raw, k in zip(raws, keyed, strict=True) if k)
    keep = []
    for raw, k in zip(raws, keyed, strict=True):
        if k or not _SUMMARY.search(str(raw.sheet or "")):
            keep.append(raw)
            continue
        message = (
            f"sheet skipped: a summary (no id or name column, unlike sheet {first!r}); name it "
            "with --sheet (stations.sheet) to read it"
        )
        log.warning("sheet %r: %s", raw.sheet, message)
        file_problems.append(problem(raw.sheet, None, None, "warning", "sheet_skipped", message))
    return keep


def refuse_copied_sheets(stations: pd.DataFrame, path: Path) -> None:
    """Refuse a workbook one of whose sheets repeats another's stations (a 备份 copy).

    Every visible sheet with coordinates is read: a copy would count each station twice. A
    station repeats another when it stands within 1 m of it under the same name or id (or
    without either): stations of the same building under names of their own are no copy.
    """
    if "sheet" not in stations or stations["sheet"].nunique() < 2 or not len(stations):
        return
    lon, lat = stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return
    utm = pyproj.Transformer.from_crs("EPSG:4326", utm_crs_for(lon[ok], lat[ok]), always_xy=True)
    xy = np.column_stack(utm.transform(lon, lat))  # metres, as duplicate_location measures
    sheet = stations["sheet"].astype(str).to_numpy()
    names = list(dict.fromkeys(sheet[ok]))
    for i, name in enumerate(names[1:], start=1):
        mine = np.flatnonzero(ok & (sheet == name))
        earlier = np.flatnonzero(ok & np.isin(sheet, names[:i]))
        if len(mine) < 2 or not len(earlier):
            continue
        d, j = cKDTree(xy[earlier]).query(xy[mine], distance_upper_bound=1.0)
        near = np.isfinite(d)
        copied = np.zeros(len(mine), dtype=bool)
        copied[near] = _same_station(stations, mine[near], earlier[j[near]])
        if copied.mean() >= 0.9:
            other = pd.Series(sheet[earlier[j[copied]]]).mode().iloc[0]
            raise InputDataError(
                f"sheet {name!r} repeats {int(copied.sum())} of its {len(mine)} stations "
                f"of sheet {other!r} (same places and names: a copy?): every visible sheet is "
                "read, so each would count twice; name the sheets to read with --sheet "
                "(stations.sheet)",
                path=path,
            )


def _same_station(stations: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether rows ``a`` name the stations of rows ``b``: the same name or id, or neither."""

    def text(col: str, rows: np.ndarray) -> np.ndarray:
        if col not in stations:
            return np.full(len(rows), None, dtype=object)
        values = stations[col].to_numpy(dtype=object)[rows]
        return np.array([None if pd.isna(v) or not str(v).strip() else str(v).strip()
                         for v in values], dtype=object)  # fmt: skip

    same = np.zeros(len(a), dtype=bool)
    anonymous = np.ones(len(a), dtype=bool)
    for col in ("name", "station_id"):
        mine, theirs = text(col, a), text(col, b)
        given = mine != None  # noqa: E711 - elementwise over objects
        same |= given & (mine == theirs)
        anonymous &= ~given
    return same | anonymous
