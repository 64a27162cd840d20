"""Which sheets of a workbook read whole are station lists (a copy, a summary are not)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from harbor_planner.errors import InputDataError
from harbor_planner.readers import RawTable, column_role, problem

__all__ = ["refuse_copied_sheets", "station_sheets"]

log = logging.getLogger(__name__)


def station_sheets(raws: list[RawTable], file_problems: list[dict[str, Any]]) -> list[RawTable]:
    """The sheets to read of a workbook read whole: those with an id or a name column.

    Only when some sheets have one: a 区县汇总 sheet with a centre point per district is no
    station list.
    """
    if len(raws) < 2 or raws[0].x is not None:
        return raws
    keyed = [
        any(column_role(c) in ("station_id", "name") for c in raw.frame.columns) for raw in raws
    ]
    if all(keyed) or not any(keyed):
        return raws
    first = next(raw.sheet for raw, k in zip(raws, keyed, strict=True) if k)
    for raw, k in zip(raws, keyed, strict=True):
        if not k:
            message = (
                f"sheet skipped: no id or name column (编号/名称), unlike sheet {first!r} (a "
                "summary or a template?); name it with --sheet (stations.sheet) to read it"
            )
            log.warning("sheet %r: %s", raw.sheet, message)
            file_problems.append(
                problem(raw.sheet, None, None, "warning", "sheet_skipped", message)
            )
    return [raw for raw, k in zip(raws, keyed, strict=True) if k]


def refuse_copied_sheets(stations: pd.DataFrame, path: Path) -> None:
    """Refuse a workbook one of whose sheets repeats another's stations (a 备份 copy).

    Every visible sheet with coordinates is read: a copy would count each station twice.
    """
    if "sheet" not in stations or stations["sheet"].nunique() < 2 or not len(stations):
        return
    lon, lat = stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy()
    xy = np.column_stack([lon * 111_320.0 * np.cos(np.radians(lat)), lat * 110_540.0])
    sheet = stations["sheet"].astype(str).to_numpy()
    names = list(dict.fromkeys(sheet))
    for i, name in enumerate(names[1:], start=1):
        mine, earlier = sheet == name, np.isin(sheet, names[:i])
        if mine.sum() < 2:
            continue
        d, j = cKDTree(xy[earlier]).query(xy[mine], distance_upper_bound=1.0)
        copied = np.isfinite(d)
        if copied.mean() >= 0.9:
            other = pd.Series(sheet[earlier][j[copied]]).mode().iloc[0]
            raise InputDataError(
                f"sheet {name!r} repeats {int(copied.sum())} of its {int(mine.sum())} stations "
                f"at the places of sheet {other!r} (a copy?): every visible sheet is read, so "
                "each would count twice; name the sheet to read with --sheet (stations.sheet)",
                path=path,
            )
