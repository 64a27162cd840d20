"""harbor-planner's own station tables read back: only their stations, never stale figures.

Planners feed a run's outputs back in (probe 19Z): ``stations.csv``, ``report.xlsx``. Read
as any station list, they gave wrong figures:

* the workbook's 城市中心 (city centres) and 新增站点 (new sites) sheets were read as
  stations, without a status, so counted as built (41.1 % built became 83.6 %), and got
  permanent register codes;
* the figures of the earlier run (在路网上, 撤站损失(%)...) were carried along as the file's
  own columns and published again beside the new ones, under the same headers;
* the WGS-84 ``lon``/``lat`` of ``stations.csv`` were read in the list's original datum
  (``--crs gcj02``), about 500 m off.

:func:`own_station_tables` recognises a run's stations table by its computed columns (at
least three of them: a planner's own workbook with sheets named 汇总, 参数 and 站点 is a
planner's), keeps a run's workbook's stations sheet alone, drops the computed and provenance
columns (they are computed again), refuses a datum other than WGS-84 for the coordinates
the tool wrote, and warns of rows whose original coordinates (原始经度/原始纬度) were edited
(they are not read).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np

from harbor_planner.errors import CRSError
from harbor_planner.readers import RawTable, column_role, norm_header, problem

__all__ = ["COMPUTED_COLUMNS", "own_station_tables"]

log = logging.getLogger(__name__)

#: Columns a run adds to its stations table: figures and where each row came from.
COMPUTED_COLUMNS: tuple[str, ...] = (
    "row", "sheet", "lon_orig", "lat_orig", "crs_orig", "adcode", "district_zh",
    "on_network", "snap_dist_m", "demand_nearest", "demand_covered", "unique_demand",
    "shared_demand", "exit_loss_pct", "exit_loss_built_pct", "importance_rank",
)  # fmt: skip

#: Headers earlier versions gave computed columns (their workbooks are read alike).
_EARLIER_HEADERS_ZH: dict[str, str] = {"现时撤站损失_仅已建成(%)": "exit_loss_built_pct"}

#: A table with this many of the computed columns (not counting ``row``/``sheet``) is a run's.
_SIGNATURE_COLUMNS = 3

_UNIT = re.compile(r"\([^)]*\)")

#: The list's own coordinates farther than this from the WGS-84 ones were edited (metres).
_ORIGINAL_MOVED_M = 1.0


def _headers_zh() -> dict[str, str]:
    """The workbook's Chinese headers of the computed columns (在路网上...)."""
    from harbor_planner.outputs.labels import HEADER_ZH

    return HEADER_ZH


def own_station_tables(
    raws: list[RawTable],
    crs: Any,
    *,
    every_sheet: bool,
    file_problems: list[dict[str, Any]],
    path: Any = None,
) -> list[RawTable]:
    """The station tables of ``raws``, with a run's own outputs read as their stations only.

    Parameters
    ----------
    raws
        The file's tables (sheets) as read.
    crs
        The stated coordinate system (``None``: not stated).
    every_sheet
        The file was read whole (no sheet named): a run's workbook gives its 站点 sheet.
    file_problems
        Where the warnings saying so are added.
    path
        The file, named in errors.

    Returns
    -------
    list of RawTable

    Raises
    ------
    CRSError
        A run's stations table (WGS-84 ``lon``/``lat``) read in another datum.

    """
    header_zh = _headers_zh()
    keys = {norm_header(k): k for k in COMPUTED_COLUMNS}
    keys |= {norm_header(header_zh[k]): k for k in COMPUTED_COLUMNS if k in header_zh}
    keys |= {norm_header(h): k for h, k in _EARLIER_HEADERS_ZH.items()}
    runs = [_computed_columns(raw, keys) for raw in raws]
    if every_sheet and len(raws) > 1 and any(runs):
        raws, runs = _run_sheets(raws, runs, file_problems)
    elif every_sheet and len(raws) > 1:
        raws, runs = _trimmed_run_sheets(raws, runs, file_problems)
    for raw, cols in zip(raws, runs, strict=True):
        if cols:
            file_problems.extend(_edited_originals(raw, keys))
    return [
        _without_computed(raw, cols, crs, file_problems, path) if cols else raw
        for raw, cols in zip(raws, runs, strict=True)
    ]


def _computed_columns(raw: RawTable, keys: dict[str, str]) -> list[Any]:
    """The computed columns of a run's stations table (none: not a run's).

    A run's table is told by its columns, not its sheet's name: a planner's own workbook with
    sheets named 汇总, 参数 and 站点 is a planner's (probe 19R).
    """
    found = [c for c in raw.frame.columns if keys.get(norm_header(c).removesuffix("_src"))]
    core = {keys[norm_header(c).removesuffix("_src")] for c in found} - {"row", "sheet"}
    return found if len(core) >= _SIGNATURE_COLUMNS else []


def _run_sheets(
    raws: list[RawTable], runs: list[list[Any]], file_problems: list[dict[str, Any]]
) -> tuple[list[RawTable], list[list[Any]]]:
    """A run's workbook: its stations sheet alone (its new sites and centres are no stations)."""
    keep = [i for i, cols in enumerate(runs) if cols]
    left = [str(raws[i].sheet) for i in range(len(raws)) if i not in keep]
    if left:
        message = (
            f"a harbor-planner workbook: only its stations sheet ({raws[keep[0]].sheet}) is a "
            f"station list ({', '.join(left)} left out); name another with --sheet "
            "(stations.sheet)"
        )
        log.warning(message)
        file_problems.append(problem(None, None, None, "warning", "own_workbook", message))
    return [raws[i] for i in keep], [runs[i] for i in keep]


def _bare(header: object) -> str:
    """A header as compared with the workbook's: normalised, its bracketed unit dropped."""
    return _UNIT.sub("", norm_header(header))


def _other_run_sheets(raws: list[RawTable]) -> list[int]:
    """The sheets of a run's workbook that hold its new sites or city centres, not stations.

    Told by the columns they are written with (排序 and 新增覆盖需求(…); 半径(米) and
    需求总量(…), or the English ones: :data:`~harbor_planner.outputs.labels.SHEET_COLUMNS`),
    never by their names: a planner's own workbook with sheets 已建成, 新增站点, 汇总, 区县
    and 参数 lost its 14 stations of 新增站点 so (probe 26R).
    """
    from harbor_planner.outputs.labels import SHEET_COLUMNS

    header_zh = _headers_zh()
    marks = [
        ({_bare(k) for k in keys} | {_bare(header_zh.get(k, k)) for k in keys}, len(keys))
        for keys in SHEET_COLUMNS.values()
    ]
    return [
        i
        for i, raw in enumerate(raws)
        if any(len(mark & {_bare(c) for c in raw.frame.columns}) >= n for mark, n in marks)
    ]


def _trimmed_run_sheets(
    raws: list[RawTable], runs: list[list[Any]], file_problems: list[dict[str, Any]]
) -> tuple[list[RawTable], list[list[Any]]]:
    """A run's workbook whose stations sheet lost its computed columns: its stations sheets.

    Probe 26P: a returned report.xlsx with 站点 trimmed to 编号, 名称, 状态, 经度/纬度 read
    its 新增站点 and 城市中心 as stations without a status, counted as built (42.0 % -> 83.3 %).
    """
    other = _other_run_sheets(raws)
    if not other or len(other) == len(raws):
        return raws, runs
    keep = [i for i in range(len(raws)) if i not in other]
    message = (
        f"a harbor-planner workbook: sheets {', '.join(str(raws[i].sheet) for i in other)} "
        "hold its new sites and city centres, not stations, and are left out (stations from "
        f"{', '.join(str(raws[i].sheet) for i in keep)}); name one with --sheet "
        "(stations.sheet) to read it"
    )
    log.warning(message)
    file_problems.append(problem(None, None, None, "warning", "own_workbook", message))
    return [raws[i] for i in keep], [runs[i] for i in keep]


def _without_computed(
    raw: RawTable,
    dropped: list[Any],
    crs: Any,
    file_problems: list[dict[str, Any]],
    path: Any,
) -> RawTable:
    """A run's stations table without its computed columns (they are computed again)."""
    headers = {norm_header(c): c for c in raw.frame.columns}
    _check_datum(raw, crs, headers, path)
    message = (
        f"a harbor-planner stations table: its computed columns ({', '.join(map(str, dropped))}) "
        "are left out and computed again"
    )
    log.info("%s%s", f"sheet {raw.sheet!r}: " if raw.sheet else "", message)
    file_problems.append(problem(raw.sheet, None, None, "info", "own_stations_table", message))
    frame = raw.frame.drop(columns=dropped)
    return RawTable(frame, raw.rows, raw.sheet, raw.x, raw.y, raw.geom_problem, raw.file_crs)


def _edited_originals(raw: RawTable, keys: dict[str, str]) -> list[dict[str, Any]]:
    """``orig_moved`` warnings: rows whose 原始经度/原始纬度 no longer give their WGS-84 place.

    Probe 26P: a station moved in 原始经度/原始纬度 (the AMap coordinates the office knows)
    stayed where it was without a word; the WGS-84 columns are the ones read.
    """
    from harbor_planner.coords import parse_crs, to_wgs84
    from harbor_planner.errors import HarborPlannerError

    found = {c: keys.get(norm_header(c).removesuffix("_src")) for c in raw.frame.columns}
    cols = {k: c for c, k in found.items() if k is not None}
    if not {"lon_orig", "lat_orig", "crs_orig"} <= set(cols):
        return []
    if raw.x is not None:  # a layer: its points are the WGS-84 place
        lon, lat, where = np.asarray(raw.x, float), np.asarray(raw.y, float), "its point"
    else:
        own = [c for c in raw.frame.columns if c not in cols.values()]
        pair = [next((c for c in own if column_role(c) == r), None) for r in ("lon", "lat")]
        if None in pair:
            return []
        lon, lat = (_numbers(raw.frame[c]) for c in pair)
        where = f"{pair[0]}/{pair[1]}"
    x, y = _numbers(raw.frame[cols["lon_orig"]]), _numbers(raw.frame[cols["lat_orig"]])
    datum = raw.frame[cols["crs_orig"]].astype(str).str.strip().to_numpy()
    out = []
    for name in sorted(set(datum[np.isfinite(x) & np.isfinite(y)])):
        try:
            cs = parse_crs(name)
        except HarborPlannerError:  # no datum a run writes: nothing to compare
            continue
        rows = np.flatnonzero((datum == name) & np.isfinite(x) & np.isfinite(y))
        ox, oy = to_wgs84(x[rows], y[rows], cs)
        metres = np.hypot(
            (ox - lon[rows]) * np.cos(np.radians(oy)) * 111_320, (oy - lat[rows]) * 110_574
        )
        for i, m in zip(rows, metres, strict=True):
            if not m > _ORIGINAL_MOVED_M:  # NaN (no WGS-84 place) is another check's
                continue
            message = (
                f"{cols['lon_orig']}/{cols['lat_orig']} ({cs.label}) lie {m:,.0f} m from "
                f"{where}, the WGS-84 place read: to move the station, edit {where} (the "
                "list's original coordinates are not read)"
            )
            out.append(
                problem(raw.sheet, int(raw.rows[i]), str(cols["lon_orig"]), "warning",
                        "orig_moved", message)
            )  # fmt: skip
    return out


def _numbers(values: Any) -> np.ndarray:
    """Cells as floats (NaN where not a number)."""
    import pandas as pd

    return pd.to_numeric(pd.Series(values).astype(str).str.strip(), errors="coerce").to_numpy(
        dtype=float
    )


def _check_datum(raw: RawTable, crs: Any, headers: dict[str, Any], path: Any) -> None:
    """A run's ``lon``/``lat`` (or its layers' points) are WGS-84.

    Read in another datum they would lie about 500 m off.
    """
    if crs is None or (raw.x is None and not {"lon", "lat"} <= set(headers)):
        return
    from harbor_planner.coords import parse_crs

    if parse_crs(crs).kind != "wgs84":
        raise CRSError(
            f"a harbor-planner stations table: its lon/lat are WGS-84 (the list's own "
            f"coordinates are in lon_orig/lat_orig), not {crs}; read it with --crs wgs84",
            path=path,
        )
