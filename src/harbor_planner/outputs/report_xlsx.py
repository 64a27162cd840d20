"""The report workbook for district offices (``report.xlsx``).

Sheets for the summary, districts, stations, selected sites, the coverage curve and the
parameters, with Chinese sheet names and headers by default; numbers stay numbers, the header
row is frozen and filterable, and the file is written atomically.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._stable import without_timings
from harbor_planner._text import display_width, published_pcts
from harbor_planner.errors import InputDataError
from harbor_planner.outputs.cells import save_workbook, xlsx_value
from harbor_planner.outputs.labels import HEADER_ZH, SHEET_NAMES, VALUE_ZH, status_text
from harbor_planner.outputs.values import (
    ALL_STATIONS_KEYS,
    all_stations_note,
    district_frame,
    report_parameters,
)
from harbor_planner.outputs.wording import bool_text, parameter_rows, summary_rows, value_text
from harbor_planner.settings import OUTSIDE_LABELS_ZH

__all__ = ["write_report_xlsx"]

log = logging.getLogger(__name__)


def _add_sheet(
    wb: Any,
    title: str,
    frame: pd.DataFrame,
    *,
    chinese: bool,
    formats: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    cols = list(frame.columns)
    notes = (notes or {}) if chinese else {}  # English headers are the files' column names
    headers = [
        xlsx_value(str(HEADER_ZH.get(c, c) if chinese else c) + notes.get(c, "")) for c in cols
    ]
    ws.append(headers)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EDEDED")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    widths = [display_width(h) for h in headers]
    for row in frame.itertuples(index=False, name=None):
        values = [xlsx_value(v) for v in row]
        ws.append(values)
        for k, v in enumerate(values):
            if v is None:
                continue
            w = len(f"{v:,.2f}") if isinstance(v, float) else display_width(str(v))
            widths[k] = max(widths[k], w)
    for k, c in enumerate(cols):
        letter = get_column_letter(k + 1)
        ws.column_dimensions[letter].width = min(max(widths[k] + 2, 8), 60)
        fmt = (formats or {}).get(c)
        kind = frame[c].dtype.kind if len(frame) else "O"
        if fmt is None:
            fmt = "#,##0.00" if kind == "f" else "0" if kind in "iu" else None
        for (cell,) in ws.iter_rows(min_row=2, min_col=k + 1, max_col=k + 1):
            v = cell.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if fmt is not None:
                cell.number_format = fmt
            elif isinstance(v, float):  # a mixed column (the summary's values): 381.42, not
                cell.number_format = "#,##0.00##"  # 381.4160545701175; the value stays whole
    ws.freeze_panes = "A2"
    if len(frame) and cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(frame) + 1}"


_XLSX_FORMATS = {
    # every coordinate to 7 decimals (about 1 cm): a planner copies the shown text into a map
    **dict.fromkeys(("lon", "lat", "lon_gcj02", "lat_gcj02", "lon_orig", "lat_orig"), "0.0000000"),
    "coverage_pct": "0.00",
    "coverage_built_pct": "0.00",
    "euclidean_coverage_pct": "0.00",
    "double_coverage_pct": "0.00",
    "exit_loss_pct": "0.00",
    "exit_loss_built_pct": "0.00",
    "time_median_min": "0.0",
    "time_p90_min": "0.0",
    "snap_dist_m": "0.0",
}


def _header_notes(coverage: Any | None, lang: str, *, scope: bool = True) -> dict[str, str]:
    """What a column's header adds: the demand's unit, and the scope of every station used.

    Probe 22M: the 区县 sheet's 覆盖率 counted the stations under construction and proposed
    beside a headline of the built ones, and its demand columns named no unit (metres of
    main street or people). ``scope=False``: the unit alone (the new sites' tables count
    the new sites too).
    """
    summary = getattr(coverage, "summary", None) or {}
    every = all_stations_note(summary, lang) if scope else ""
    notes = {k: every for k in ALL_STATIONS_KEYS} if every else {}
    unit = summary.get("demand_unit")
    if unit in VALUE_ZH:  # a known unit (not a plain "weight")
        unit = value_text(unit, lang)
        amounts = ("demand_total", "demand_covered", "euclidean_demand_covered",
                   "demand_unreachable", "demand_beyond_network", "demand_double_covered",
                   "gain", "covered", "double_covered")  # fmt: skip
        for key in amounts:
            notes[key] = f"({unit})" + notes.get(key, "")
    return notes


def _summary_frame(
    coverage: Any | None, selection: Any | None, *, chinese: bool, coverage_after: Any | None = None
) -> pd.DataFrame:
    """Every figure in words of the language (in English with its summary.json key last).

    With ``coverage_after``, the range of the coverage after the new sites follows the
    selection's figures (the range before them is the coverage's own).
    """
    lang = "zh" if chinese else "en"
    rows: list[tuple[str, str, Any]] = []
    if coverage is not None:
        rows += summary_rows(without_timings(coverage.summary), lang)
    if selection is not None:
        for key, label, v in summary_rows(without_timings(selection.summary()), lang):
            k = f"selection.{key}" if coverage is not None and key in coverage.summary else key
            rows.append((k, label, v))  # in words in English too (probe 18R)
    after = None if coverage_after is None else coverage_after.summary.get("coverage_range_pct")
    if after:
        extra = {"coverage_range_pct_after": {"low": after["low"], "high": after["high"]}}
        rows += summary_rows(extra, lang)
    frame = pd.DataFrame(rows, columns=["key", "label", "value"])
    return frame[["label", "value"]] if chinese else frame[["label", "value", "key"]]


def _localised(frame: pd.DataFrame, *, chinese: bool) -> pd.DataFrame:
    """Booleans as 是/否 (yes/no), statuses and known values in words."""
    lang = "zh" if chinese else "en"
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if values.dtype.kind == "b" or (
            values.dtype == object and values.map(lambda v: isinstance(v, bool | np.bool_)).any()
        ):
            out[col] = values.map(
                lambda v: bool_text(v, lang) if isinstance(v, bool | np.bool_) else v
            ).astype(object)
        elif col in ("source", "crs_orig") and chinese:
            out[col] = values.map(lambda v: VALUE_ZH.get(str(v), v) if isinstance(v, str) else v)
        elif col == "district" and chinese:  # the rows of demand in no district
            out[col] = values.map(
                lambda v: OUTSIDE_LABELS_ZH.get(v, v) if isinstance(v, str) else v
            )
    return out


_STATION_FIRST = ("station_id", "name", "district", "address", "status", "flagship")
_STATION_LAST = (
    "lon", "lat", "adcode", "district_zh", "lon_orig", "lat_orig", "crs_orig", "sheet", "row",
)  # fmt: skip


def _station_frame(coverage: Any, *, chinese: bool) -> pd.DataFrame:
    st = coverage.stations
    geom = st.geometry
    table = pd.DataFrame(st.drop(columns=st.geometry.name))
    table = table.drop(columns=[c for c in table.columns if str(c).startswith("_")])
    if len(st) and st.crs is not None:
        wgs = geom.to_crs("EPSG:4326")
        table["lon"] = np.round(wgs.x.to_numpy(), 7)
        table["lat"] = np.round(wgs.y.to_numpy(), 7)
    if "importance_rank" in table:
        key = table["importance_rank"].where(table["importance_rank"] > 0, np.iinfo(np.int64).max)
        table = table.iloc[np.argsort(key.to_numpy(), kind="stable")]
    first = [c for c in _STATION_FIRST if c in table]
    last = [c for c in _STATION_LAST if c in table]
    middle = [c for c in table.columns if c not in first and c not in last]
    table = table[first + middle + last]
    if "status" in table:
        lang = "zh" if chinese else "en"
        table["status"] = table["status"].map(lambda v: status_text(v, lang) or v)
    return table.reset_index(drop=True)


def _centres_sheet(
    wb: Any, title: str, centres: Any, *, chinese: bool, notes: Mapping[str, str]
) -> None:
    """The city-centre sheet (none without centres)."""
    from harbor_planner.outputs.report_centres import centres_frame

    frame = centres_frame(centres)
    if frame is not None and len(frame):
        formats = {**_XLSX_FORMATS, "coverage_after_pct": "0.00", "coverage_built_pct": "0.00",
                   "radius_m": "0"}  # fmt: skip
        _add_sheet(wb, title, frame, chinese=chinese, formats=formats, notes=notes)


def _sites_frame(sites: Any, *, chinese: bool) -> pd.DataFrame:
    """The new sites, name first, kind in words (the kind code left out), both datums."""
    from harbor_planner.settings import site_kind_label

    lang = "zh" if chinese else "en"
    frame = pd.DataFrame(sites.drop(columns=sites.geometry.name, errors="ignore"))
    frame = frame.drop(columns=[c for c in ("geometry",) if c in frame])
    if "kind" in frame:
        frame["kind_text"] = [site_kind_label(k, lang) for k in frame["kind"]]
        frame = frame.drop(columns="kind")
    if "name" in frame and not chinese:
        frame["name"] = frame["name"].replace({"无名道路": "unnamed street"})
    first = [c for c in ("rank", "name", "kind_text") if c in frame]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    return _localised(frame, chinese=chinese)


def write_report_xlsx(
    path: str | os.PathLike[str],
    *,
    coverage: Any | None = None,
    coverage_after: Any | None = None,
    selection: Any | None = None,
    sites: Any | None = None,
    parameters: Mapping[str, Any] | None = None,
    chinese_headers: bool = True,
    centres: Any | None = None,
) -> Path:
    """Write the report workbook for district offices.

    Sheets (Chinese names and headers by default): 汇总/Summary (every figure of the coverage
    summary and the selection), 区县/Districts (with ``coverage_after``: new sites and the
    coverage after them per district), 站点/Stations (each station with its coverage
    figures and WGS-84 lon/lat, by importance), 新增站点/Selected sites, 覆盖曲线/Coverage curve
    and 参数/Parameters, each only when there is something to put in it. Numbers are written
    as numbers and text as text, never as a formula (:mod:`harbor_planner.outputs.cells`);
    the header row is frozen and filterable; the same content gives the same bytes. Statuses read as
    :func:`harbor_planner.settings.status_label` gives them, in Chinese or English.

    Parameters
    ----------
    path
        The ``.xlsx`` file (replaced if it exists).
    coverage, coverage_after
        Coverage by the stations, and by the stations with the new sites.
    selection, sites
        A :class:`~harbor_planner.optimize.SiteSelection` and its sites
        (:func:`harbor_planner.optimize.output.selected_sites`).
    parameters
        The scenario's parameters (nested ones flattened to dotted names; the value of a
        secret such as ``output.tianditu_key`` is shown as ``(set)``; ``output.dir`` left out).
    chinese_headers
        Chinese sheet names, headers and labels (default), or English ones.
    centres
        Coverage around the city centres: sheet 城市中心/City centres.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputDataError
        Nothing to write, or the output directory does not exist.

    """
    from openpyxl import Workbook

    if coverage is None and selection is None and sites is None:
        raise InputDataError("report: give coverage, selection and/or sites; nothing to write")
    zh = chinese_headers
    name = {k: v[0] if zh else v[1] for k, v in SHEET_NAMES.items()}
    wb = Workbook()
    wb.remove(wb.active)
    summary = _summary_frame(coverage, selection, chinese=zh, coverage_after=coverage_after)
    _add_sheet(wb, name["summary"], summary, chinese=zh)
    notes = _header_notes(coverage, "zh" if zh else "en")
    units = _header_notes(coverage, "zh" if zh else "en", scope=False)
    if coverage is not None and coverage.by_district is not None:
        _add_sheet(
            wb, name["districts"],
            _localised(district_frame(coverage, coverage_after, lang="zh" if zh else "en"),
                       chinese=zh), chinese=zh,
            formats=_XLSX_FORMATS, notes=notes,
        )  # fmt: skip
    if coverage is not None and coverage.stations is not None:
        _add_sheet(
            wb, name["stations"],
            _localised(published_pcts(_station_frame(coverage, chinese=zh)), chinese=zh),
            chinese=zh, formats=_XLSX_FORMATS,
        )  # fmt: skip
    if sites is not None:
        _add_sheet(wb, name["sites"], _sites_frame(sites, chinese=zh), chinese=zh,
                   formats=_XLSX_FORMATS, notes=units)  # fmt: skip
    _centres_sheet(wb, name["centres"], centres, chinese=zh, notes=notes)
    if selection is not None and selection.curve is not None:
        _add_sheet(wb, name["curve"], published_pcts(selection.curve), chinese=zh,
                   formats=_XLSX_FORMATS, notes=units)  # fmt: skip
    if parameters:
        rows = parameter_rows(report_parameters(parameters), "zh" if zh else "en",
                              summary=getattr(coverage, "summary", None))  # fmt: skip
        frame = pd.DataFrame([(k, xlsx_value(v)) for k, v in rows], columns=["parameter", "value"])
        _add_sheet(wb, name["parameters"], frame, chinese=zh)
    path = save_workbook(wb, path)
    log.info("wrote %s with sheets %s", path.name, ", ".join(wb.sheetnames))
    return path
