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

#: The list's own coordinates farther than this from the place read were edited (metres).
_ORIGINAL_MOVED_M = 1.0

#: The datums a run writes its stations' original coordinates in (原始坐标系), each tried
#: for a pair whose datum column was deleted.
_ORIGINAL_DATUMS = ("gcj02", "bd09", "wgs84")


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
    for raw, cols in zip(raws, runs, strict=True):  # a trimmed run's table too (probe 26R)
        file_problems.extend(_edited_originals(raw, keys, crs, run=bool(cols)))
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


def _edited_originals(
    raw: RawTable, keys: dict[str, str], crs: Any, *, run: bool
) -> list[dict[str, Any]]:
    """``orig_moved`` warnings: rows whose 原始经度/原始纬度 no longer give the place read.

    Probe 26P: a station moved in 原始经度/原始纬度 (the AMap coordinates the office knows)
    stayed where it was without a word; the main columns are the ones read. Both pairs are
    compared in WGS-84, each converted from its own datum (probe 26R: GCJ-02 经度/纬度 read
    with ``--crs gcj02`` were taken for WGS-84, every row "478 m" off). A pair whose datum
    is not given (原始坐标系 deleted) is tried in each datum a run writes it in and named
    when none fits (probe 26R: an edit went unnoticed).
    """
    from harbor_planner.coords import parse_crs
    from harbor_planner.errors import HarborPlannerError

    found = {c: keys.get(norm_header(c).removesuffix("_src")) for c in raw.frame.columns}
    cols = {k: c for c, k in found.items() if k is not None}
    place = _place_read(raw, cols, crs, run=run) if {"lon_orig", "lat_orig"} <= set(cols) else None
    if place is None:
        return []
    lon, lat, where = place
    x, y = _numbers(raw.frame[cols["lon_orig"]]), _numbers(raw.frame[cols["lat_orig"]])
    given = np.isfinite(x) & np.isfinite(y)
    named = raw.frame[cols["crs_orig"]] if "crs_orig" in cols else [None] * len(raw.frame)
    datum = np.array([str(v).strip() if _filled(v) else "" for v in named], dtype=object)
    out = []
    for name in sorted(set(datum[given])):
        rows = np.flatnonzero((datum == name) & given)
        try:  # a pair without its datum: any a run writes
            systems = [parse_crs(d) for d in ((name,) if name else _ORIGINAL_DATUMS)]
        except HarborPlannerError:  # no datum a run writes: nothing to compare
            continue
        metres = np.fmin.reduce([_metres(x[rows], y[rows], cs, lon[rows], lat[rows])
                                 for cs in systems])  # fmt: skip
        label = systems[0].label if name else (
            f"no {cols.get('crs_orig', '原始坐标系')}: in none of "
            + ", ".join(cs.label for cs in systems)
        )  # fmt: skip
        for i, m in zip(rows, metres, strict=True):
            if not m > _ORIGINAL_MOVED_M:  # NaN (no place read) is another check's
                continue
            message = (
                f"{cols['lon_orig']}/{cols['lat_orig']} ({label}) lie {m:,.0f} m "
                f"{'from' if name else 'or more from'} "
                f"{where}, the place read: to move the station, edit {where} (the list's "
                "original coordinates are not read)"
            )
            out.append(
                problem(raw.sheet, int(raw.rows[i]), str(cols["lon_orig"]), "warning",
                        "orig_moved", message)
            )  # fmt: skip
    return out


def _place_read(
    raw: RawTable, cols: dict[str, Any], crs: Any, *, run: bool
) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Where each row is read, in WGS-84, and from what (``None``: its datum is not known).

    The main pair's datum is the one its header names (经度(WGS-84)), else the stated one,
    else, for a run's table, WGS-84 (the datum it writes ``lon``/``lat`` in).
    """
    from harbor_planner.coords import parse_crs, to_wgs84
    from harbor_planner.errors import HarborPlannerError
    from harbor_planner.readers import header_datum

    if raw.x is not None:  # a layer: its points
        x, y, where = np.asarray(raw.x, float), np.asarray(raw.y, float), "its point"
        stated = crs if crs is not None else raw.file_crs
    else:
        own = [c for c in raw.frame.columns if c not in cols.values()]
        pair = [next((c for c in own if column_role(c) == r), None) for r in ("lon", "lat")]
        if None in pair:
            return None
        x, y = (_numbers(raw.frame[c]) for c in pair)
        where = f"{pair[0]}/{pair[1]}"
        stated = header_datum(pair[0]) or header_datum(pair[1]) or crs
    stated = stated if stated is not None else ("wgs84" if run else None)
    if stated is None:
        return None
    try:
        lon, lat = to_wgs84(x, y, parse_crs(stated))
    except HarborPlannerError:
        return None
    return lon, lat, where


def _metres(x: np.ndarray, y: np.ndarray, cs: Any, lon: np.ndarray, lat: np.ndarray) -> Any:
    """How far ``x``/``y`` in ``cs`` lie from the WGS-84 ``lon``/``lat`` (metres)."""
    from harbor_planner.coords import to_wgs84

    ox, oy = to_wgs84(x, y, cs)
    return np.hypot((ox - lon) * np.cos(np.radians(oy)) * 111_320, (oy - lat) * 110_574)


def _filled(value: Any) -> bool:
    """A cell with something in it (not empty, not NaN)."""
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value == value  # NaN is not itself


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
