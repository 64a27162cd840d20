"""Reports and exports for district offices: printable HTML, an Excel workbook, a GeoPackage.

* :func:`report_html` / :func:`write_report_html` — one self-contained HTML file (no external
  CSS, JavaScript, fonts or images; print CSS with page breaks): headline coverage figures, the
  per-district table, network-vs-circle comparison, the stations, the selected sites and the
  coverage curve as inline SVG, the scenario's parameters and the data sources (name, size,
  modification date, SHA-256 prefix). Chinese labels by default, English with ``lang="en"``.
  Every string from the user's data is HTML-escaped.
* :func:`write_report_xlsx` — sheets for the summary, districts, stations, selected sites and
  the coverage curve, with Chinese headers for district offices; numbers stay numbers.
* :func:`write_layers_gpkg` — every map layer in one GeoPackage for QGIS/ArcGIS.

Every file is written atomically (:func:`harbor_planner._io.atomic_path`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._io import atomic_path, file_sha256
from harbor_planner.errors import InputDataError

__all__ = [
    "coverage_curve_svg",
    "report_html",
    "report_layers",
    "source_info",
    "write_layers_gpkg",
    "write_report_html",
    "write_report_xlsx",
]

log = logging.getLogger(__name__)

#: Rows shown in an HTML table before the rest is left to the workbook.
MAX_HTML_ROWS = 300

# --------------------------------------------------------------------------- labels

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "渝工港湾 15分钟步行覆盖报告",
        "generated": "生成时间",
        "headline": "覆盖概况",
        "coverage_pct": "路网步行覆盖率",
        "euclidean_coverage_pct": "直线圆覆盖率",
        "overstatement": "直线圆高估",
        "points": "个百分点",
        "stations": "站点数",
        "stations_on_network": "路网上站点",
        "minutes": "步行时间上限",
        "min": "分钟",
        "walk_speed": "步行速度",
        "walk_model": "步行模型",
        "demand": "需求",
        "demand_total": "需求总量",
        "demand_covered": "已覆盖需求",
        "time_median_min": "到最近站步行时间中位数",
        "time_p90_min": "到最近站步行时间90分位",
        "double_coverage_pct": "双重覆盖率",
        "compare": "路网步行与直线圆对比",
        "compare_text": (
            "直线圆按半径 {radius} 米（{speed} 公里/小时 × {minutes} 分钟）绘制；"
            "沿实际路网（含台阶、坡道、扶梯）步行 {minutes} 分钟可达的需求只占 {net}，"
            "直线圆声称 {eucl}，高估 {diff} 个百分点。"
        ),
        "along_network": "沿路网步行",
        "circles": "直线圆",
        "districts": "分区县覆盖",
        "district": "区县",
        "difference": "差值(百分点)",
        "station_table": "站点",
        "station_id": "编号",
        "name": "名称",
        "status": "状态",
        "on_network": "在路网上",
        "demand_nearest": "最近站服务需求",
        "unique_demand": "独有覆盖需求",
        "importance_rank": "重要性排名",
        "selection": "新增站点选址",
        "mode": "模式",
        "solver": "求解器",
        "sites_added": "新增站点数",
        "coverage_before": "新增前覆盖率",
        "coverage_after": "新增后覆盖率",
        "optimality_gap": "最优性差距",
        "sites": "新增站点",
        "rank": "排序",
        "site_id": "站点编号",
        "kind": "类型",
        "stage": "阶段",
        "gain": "新增覆盖需求",
        "curve": "覆盖曲线",
        "curve_x": "新增站点数",
        "curve_y": "覆盖率(%)",
        "parameters": "情景参数",
        "parameter": "参数",
        "value": "取值",
        "sources": "数据来源",
        "file": "文件",
        "size": "大小",
        "modified": "修改日期",
        "sha256": "SHA-256（前12位）",
        "missing": "缺失",
        "directory": "目录",
        "more_rows": "另有 {n} 行未列出，见 report.xlsx。",
        "osm": "路网数据 © OpenStreetMap contributors（ODbL 1.0）。",
        "none": "无",
        "yes": "是",
        "no": "否",
    },
    "en": {
        "title": "Worker harbour stations: 15-minute walking coverage report",
        "generated": "Generated",
        "headline": "Coverage at a glance",
        "coverage_pct": "Coverage along the network",
        "euclidean_coverage_pct": "Coverage by straight-line circles",
        "overstatement": "Circles overstate by",
        "points": "points",
        "stations": "Stations",
        "stations_on_network": "Stations on the network",
        "minutes": "Walking-time limit",
        "min": "min",
        "walk_speed": "Walking speed",
        "walk_model": "Walk model",
        "demand": "Demand",
        "demand_total": "Demand total",
        "demand_covered": "Demand covered",
        "time_median_min": "Median walk to the nearest station",
        "time_p90_min": "90th-percentile walk to the nearest station",
        "double_coverage_pct": "Covered by two or more stations",
        "compare": "Along the network vs straight-line circles",
        "compare_text": (
            "Circles of radius {radius} m ({speed} km/h × {minutes} min) claim {eucl} of the "
            "demand; walking {minutes} min along the real network (stairs, slopes, escalators) "
            "reaches {net}: circles overstate coverage by {diff} points."
        ),
        "along_network": "Along the network",
        "circles": "Straight-line circles",
        "districts": "Coverage by district",
        "district": "District",
        "difference": "Difference (points)",
        "station_table": "Stations",
        "station_id": "ID",
        "name": "Name",
        "status": "Status",
        "on_network": "On the network",
        "demand_nearest": "Demand served as nearest",
        "unique_demand": "Demand only it covers",
        "importance_rank": "Importance rank",
        "selection": "New sites",
        "mode": "Mode",
        "solver": "Solver",
        "sites_added": "Sites added",
        "coverage_before": "Coverage before",
        "coverage_after": "Coverage after",
        "optimality_gap": "Optimality gap",
        "sites": "Selected sites",
        "rank": "Rank",
        "site_id": "Site ID",
        "kind": "Kind",
        "stage": "Stage",
        "gain": "Demand added",
        "curve": "Coverage curve",
        "curve_x": "Sites added",
        "curve_y": "Coverage (%)",
        "parameters": "Scenario parameters",
        "parameter": "Parameter",
        "value": "Value",
        "sources": "Data sources",
        "file": "File",
        "size": "Size",
        "modified": "Modified",
        "sha256": "SHA-256 (first 12)",
        "missing": "missing",
        "directory": "directory",
        "more_rows": "{n} more rows are not shown; see report.xlsx.",
        "osm": "Network data © OpenStreetMap contributors (ODbL 1.0).",
        "none": "none",
        "yes": "yes",
        "no": "no",
    },
}

#: Chinese words for values that appear in summaries (units, modes, solvers, statuses).
_VALUES_ZH = {
    "m of main street": "米主干道",
    "people": "人",
    "m² floor area": "㎡建筑面积",
    "points": "个点",
    "cells": "个网格",
    "max-cover": "最大覆盖（新增N个站点）",
    "cover": "集合覆盖（达到目标覆盖率的最少站点）",
    "greedy": "贪心算法",
    "exact": "精确求解（HiGHS）",
    "optimal": "已证明最优",
    "feasible": "可行解",
    "time_limit": "达到时间上限",
}

_STATUS_ZH = {
    "existing": "已建成",
    "building": "在建",
    "proposed": "拟建",
    "candidate": "候选",
    "closed": "退出",
}

#: Chinese headers of the workbook's columns (English headers are the column names).
_HEADERS_ZH: dict[str, str] = {
    "district": "区县",
    "stations": "站点数",
    "demand_total": "需求总量",
    "demand_covered": "已覆盖需求",
    "coverage_pct": "覆盖率(%)",
    "euclidean_demand_covered": "直线圆覆盖需求",
    "euclidean_coverage_pct": "直线圆覆盖率(%)",
    "overstatement_pct_points": "直线圆高估(百分点)",
    "time_median_min": "步行时间中位数(分钟)",
    "time_p90_min": "步行时间90分位(分钟)",
    "demand_unreachable": "不可达需求",
    "demand_double_covered": "双重覆盖需求",
    "double_coverage_pct": "双重覆盖率(%)",
    "sites_added": "新增站点数",
    "coverage_pct_after": "新增后覆盖率(%)",
    "station_id": "编号",
    "name": "名称",
    "address": "地址",
    "status": "状态",
    "flagship": "最美渝工港湾",
    "area_m2": "面积(㎡)",
    "on_network": "在路网上",
    "snap_dist_m": "距路网(米)",
    "demand_nearest": "最近站服务需求",
    "unique_demand": "独有覆盖需求",
    "shared_demand": "共享覆盖需求",
    "exit_loss_pct": "撤站损失(%)",
    "importance_rank": "重要性排名",
    "site_id": "站点编号",
    "lon": "经度(WGS-84)",
    "lat": "纬度(WGS-84)",
    "rank": "排序",
    "gain": "新增覆盖需求",
    "kind": "类型",
    "stage": "阶段",
    "source": "来源",
    "cost": "成本",
    "covered": "累计覆盖需求",
    "double_covered": "累计双重覆盖需求",
    "adcode": "行政区划代码",
    "district_zh": "区县(边界)",
    "lon_orig": "原始经度",
    "lat_orig": "原始纬度",
    "crs_orig": "原始坐标系",
    "sheet": "工作表",
    "row": "原表行号",
    "key": "字段",
    "label": "指标",
    "value": "数值",
    "parameter": "参数",
}

#: Chinese labels of summary fields (coverage summary.json and SiteSelection.summary()).
_SUMMARY_ZH: dict[str, str] = {
    "stations": "站点数",
    "stations_on_network": "路网上站点数",
    "minutes": "步行时间上限(分钟)",
    "walk_speed_kmh": "步行速度(公里/小时)",
    "walk_model": "步行模型",
    "demand_kind": "需求类型",
    "demand_spec": "需求设定",
    "demand_unit": "需求单位",
    "demand_points": "需求点数",
    "demand_off_network": "离网需求点数",
    "demand_total": "需求总量",
    "demand_covered": "已覆盖需求",
    "coverage_pct": "路网步行覆盖率(%)",
    "euclidean_demand_covered": "直线圆覆盖需求",
    "euclidean_coverage_pct": "直线圆覆盖率(%)",
    "euclidean_radius_m": "直线圆半径(米)",
    "overstatement_pct_points": "直线圆高估(百分点)",
    "time_median_min": "步行时间中位数(分钟)",
    "time_p90_min": "步行时间90分位(分钟)",
    "demand_unreachable": "不可达需求",
    "demand_double_covered": "双重覆盖需求",
    "double_coverage_pct": "双重覆盖率(%)",
    "mode": "选址模式",
    "solver": "求解器",
    "status": "求解状态",
    "sites_added": "新增站点数",
    "objective": "目标值",
    "upper_bound": "上界",
    "lower_bound": "下界",
    "optimality_gap": "最优性差距",
    "demand_covered_before": "新增前已覆盖需求",
    "demand_covered_after": "新增后已覆盖需求",
    "coverage_pct_before": "新增前覆盖率(%)",
    "coverage_pct_after": "新增后覆盖率(%)",
    "min_cover": "覆盖重数",
    "double_coverage_pct_before": "新增前双重覆盖率(%)",
    "double_coverage_pct_after": "新增后双重覆盖率(%)",
    "runtime_s": "运行时间(秒)",
}

_SHEETS = {
    "summary": ("汇总", "Summary"),
    "districts": ("区县", "Districts"),
    "stations": ("站点", "Stations"),
    "sites": ("新增站点", "Selected sites"),
    "curve": ("覆盖曲线", "Coverage curve"),
    "parameters": ("参数", "Parameters"),
}

_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")


def _labels(lang: str) -> dict[str, str]:
    if lang not in _LABELS:
        raise InputDataError(f"lang must be one of {sorted(_LABELS)}, got {lang!r}")
    return _LABELS[lang]


# --------------------------------------------------------------------------- values


def _tr(value: Any, lab: dict[str, str]) -> str:
    """A summary value in the report's language (Chinese words for known English ones)."""
    text = "" if value is None else str(value)
    return _VALUES_ZH.get(text, text) if lab is _LABELS["zh"] else text


def _e(value: Any) -> str:
    """HTML-escaped text of any value."""
    return html.escape("" if value is None else str(value), quote=True)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists
        return False


def _num(value: Any, digits: int = 1) -> str:
    """A number for display: thousands separators, ``-`` when missing or infinite."""
    if _is_missing(value):
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            return "∞" if float(value) > 0 else "-"
        v = float(value)
        if v == round(v) and abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:,.{digits}f}"
    return str(value)


def _pct(value: Any, digits: int = 1) -> str:
    return "-" if _is_missing(value) else f"{float(value):.{digits}f}%"


def _plain(value: Any) -> Any:
    """A Python scalar for a workbook cell: numbers stay numbers, missing becomes empty."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, Mapping | list | tuple | np.ndarray):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    if _is_missing(value):
        return None
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"a": {"b": 1}}`` → ``[("a.b", 1)]``; lists stay values."""
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.extend(_flatten(v, key + "."))
        else:
            out.append((key, v))
    return out


# --------------------------------------------------------------------------- sources


def source_info(paths: Iterable[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Name, size, modification date and SHA-256 of each data file, for a report.

    Missing files are listed with ``exists`` False rather than raising: a report records what
    was (not) there. Directories get their size and date but no hash.
    """
    rows = []
    for p in paths:
        path = Path(p)
        row: dict[str, Any] = {
            "file": path.name or str(path),
            "path": str(path),
            "exists": path.exists(),
            "size_bytes": None,
            "modified": None,
            "sha256": None,
        }
        if path.exists():
            st = path.stat()
            row["size_bytes"] = st.st_size if path.is_file() else None
            row["modified"] = (
                dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0).isoformat(" ")
            )
            if path.is_file():
                row["sha256"] = file_sha256(path)
        rows.append(row)
    return rows


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


# --------------------------------------------------------------------------- SVG


def _nice_step(span: float, target: int = 5) -> float:
    """A 1-2-5 step giving about ``target`` intervals over ``span``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag  # pragma: no cover


def coverage_curve_svg(
    coverage_pct: Sequence[float],
    *,
    start_pct: float | None = None,
    labels: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    x_label: str = "sites added",
    y_label: str = "coverage (%)",
    width: int = 640,
    height: int = 300,
) -> str:
    """Inline SVG of coverage % against the number of added sites.

    One ``<circle class="pt">`` per added site (with a ``<title>`` naming it), a square for the
    coverage before any site is added, dashed lines where the stage changes. All text is
    HTML-escaped; the SVG holds no external reference.

    Parameters
    ----------
    coverage_pct
        Coverage after each added site, in rank order.
    start_pct
        Coverage before the first site (drawn at x = 0).
    labels
        Name of each site (site ids), shown on hover.
    stages
        Stage label of each site; a change of label draws a boundary.
    x_label, y_label
        Axis titles.
    width, height
        Size in pixels.

    """
    ys = [float(v) for v in coverage_pct]
    n = len(ys)
    ml, mr, mt, mb = 56, 16, 14, 44
    pw, ph = width - ml - mr, height - mt - mb
    allv = [v for v in [*ys, start_pct] if v is not None and math.isfinite(v)]
    lo, hi = (min(allv), max(allv)) if allv else (0.0, 100.0)
    step = _nice_step(max(hi - lo, 1.0))
    y0 = max(0.0, math.floor(lo / step) * step)
    y1 = min(100.0, math.ceil(hi / step) * step)
    if y1 <= y0:
        y0, y1 = max(0.0, y0 - step), min(100.0, y1 + step)
        if y1 <= y0:
            y0, y1 = 0.0, 100.0
    x_max = max(n, 1)

    def sx(i: float) -> float:
        return ml + pw * i / x_max

    def sy(v: float) -> float:
        return mt + ph * (1 - (v - y0) / (y1 - y0))

    parts = [
        f'<svg class="curve" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{_e(y_label)} / {_e(x_label)}">',
        f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="#999"/>',
    ]
    ystep = _nice_step(y1 - y0)
    t = y0
    while t <= y1 + 1e-9:
        y = sy(t)
        parts.append(
            f'<line x1="{ml}" y1="{y:.1f}" x2="{ml + pw}" y2="{y:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{t:g}</text>"
        )
        t += ystep
    xstep = max(1, round(_nice_step(x_max, 8)))
    for i in range(0, x_max + 1, xstep):
        x = sx(i)
        parts.append(
            f'<line x1="{x:.1f}" y1="{mt + ph}" x2="{x:.1f}" y2="{mt + ph + 4}" stroke="#999"/>'
            f'<text x="{x:.1f}" y="{mt + ph + 16}" text-anchor="middle" font-size="11">'
            f"{i}</text>"
        )
    if stages is not None and n:
        for i in range(1, n):
            if str(stages[i]) != str(stages[i - 1]):
                x = sx(i + 0.5)
                parts.append(
                    f'<line class="stage" x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{mt + ph}" '
                    'stroke="#888" stroke-dasharray="4 3"/>'
                    f'<text x="{x + 3:.1f}" y="{mt + 12}" font-size="10" fill="#555">'
                    f"{_e(stages[i])}</text>"
                )
    pts = []
    if start_pct is not None and math.isfinite(start_pct):
        pts.append((sx(0), sy(start_pct)))
    pts.extend((sx(i + 1), sy(v)) for i, v in enumerate(ys))
    if len(pts) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    if start_pct is not None and math.isfinite(start_pct):
        x, y = sx(0), sy(start_pct)
        parts.append(
            f'<rect class="start" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            f'fill="#555"><title>0: {start_pct:.2f}%</title></rect>'
        )
    ends = [(0, start_pct)] if start_pct is not None and math.isfinite(start_pct) else []
    if n:
        ends.append((n, ys[-1]))
    for i, v in ends:
        anchor = "start" if i == 0 else "end"
        dx, dy = (8, 16) if i == 0 else (-8, -8)  # the start below the rising curve
        parts.append(
            f'<text class="end" x="{sx(i) + dx:.1f}" y="{sy(v) + dy:.1f}" text-anchor="{anchor}" '
            f'font-size="11" fill="#333">{v:.1f}%</text>'
        )
    r = 3.5 if n <= 60 else 2.0
    for i, v in enumerate(ys):
        name = f" {labels[i]}" if labels is not None else ""
        parts.append(
            f'<circle class="pt" cx="{sx(i + 1):.1f}" cy="{sy(v):.1f}" r="{r}" fill="#c0392b">'
            f"<title>{i + 1}:{_e(name)} {v:.2f}%</title></circle>"
        )
    parts.append(
        f'<text x="{ml + pw / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12">'
        f"{_e(x_label)}</text>"
        f'<text x="14" y="{mt + ph / 2:.1f}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {mt + ph / 2:.1f})">{_e(y_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _bars_svg(rows: Sequence[tuple[str, float | None, str]], *, width: int = 520) -> str:
    """Horizontal percentage bars: ``(label, pct, colour)``."""
    bar_h, gap, ml, mr = 22, 10, 150, 60
    height = len(rows) * (bar_h + gap) + gap
    pw = width - ml - mr
    parts = [
        f'<svg class="bars" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for k, (label, pct, colour) in enumerate(rows):
        y = gap + k * (bar_h + gap)
        w = 0.0 if pct is None else pw * max(0.0, min(100.0, float(pct))) / 100
        parts.append(
            f'<text x="{ml - 8}" y="{y + 15}" text-anchor="end" font-size="12">{_e(label)}</text>'
            f'<rect x="{ml}" y="{y}" width="{pw}" height="{bar_h}" fill="#f0f0f0"/>'
            f'<rect x="{ml}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{ml + w + 6:.1f}" y="{y + 15}" font-size="12">{_e(_pct(pct))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { --accent: #c0392b; --muted: #666; }
* { box-sizing: border-box; }
body { font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
  "Source Han Sans SC", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif;
  color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; line-height: 1.5; }
h1 { font-size: 22px; border-bottom: 3px solid var(--accent); padding-bottom: 6px; }
h2 { font-size: 17px; margin-top: 28px; border-left: 4px solid var(--accent);
  padding-left: 8px; break-after: avoid; page-break-after: avoid; }
.meta { color: var(--muted); font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ddd; border-radius: 4px; padding: 8px 12px; min-width: 150px;
  break-inside: avoid; }
.card .v { font-size: 22px; font-weight: bold; }
.card .k { font-size: 12px; color: var(--muted); }
.card.main .v { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 6px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
code { font-size: 11px; word-break: break-all; }
.note { font-size: 12px; color: var(--muted); }
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
svg text { font-family: inherit; }
footer { margin-top: 32px; font-size: 11px; color: var(--muted); border-top: 1px solid #ddd;
  padding-top: 6px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11px; }
  section.break { break-before: page; page-break-before: always; }
  .card { border-color: #999; }
  a { color: inherit; text-decoration: none; }
}
"""


def _table(
    header: Sequence[str],
    rows: Iterable[Sequence[tuple[str, bool]]],
    *,
    total: int | None = None,
    more: str = "",
) -> str:
    """An HTML table; cells are ``(already-escaped html, numeric)`` pairs."""
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in header), "</tr></thead><tbody>"]
    shown = 0
    for row in rows:
        out.append("<tr>")
        out.extend(f'<td class="n">{c}</td>' if numeric else f"<td>{c}</td>" for c, numeric in row)
        out.append("</tr>")
        shown += 1
    out.append("</tbody></table>")
    if total is not None and total > shown and more:
        out.append(f'<p class="note">{_e(more.format(n=f"{total - shown:,}"))}</p>')
    return "".join(out)


def _card(key: str, value: str, *, main: bool = False) -> str:
    cls = "card main" if main else "card"
    return (
        f'<div class="{cls}"><div class="v">{_e(value)}</div><div class="k">{_e(key)}</div></div>'
    )


def _get(row: Any, col: str) -> Any:
    return row.get(col)


def _headline(cov: Any, sel: Any, lab: dict[str, str]) -> str:
    cards = []
    if cov is not None:
        s = cov.summary
        cards.append(_card(lab["coverage_pct"], _pct(s.get("coverage_pct")), main=True))
        cards.append(_card(lab["euclidean_coverage_pct"], _pct(s.get("euclidean_coverage_pct"))))
        over = s.get("overstatement_pct_points")
        if over is None and s.get("coverage_pct") is not None:
            over = s["euclidean_coverage_pct"] - s["coverage_pct"]
        cards.append(_card(lab["overstatement"], f"{_num(over)} {lab['points']}"))
        cards.append(
            _card(
                lab["stations_on_network"],
                f"{_num(s.get('stations_on_network'))} / {_num(s.get('stations'))}",
            )
        )
        cards.append(_card(lab["minutes"], f"{_num(s.get('minutes'), 0)} {lab['min']}"))
        cards.append(_card(lab["walk_speed"], f"{_num(s.get('walk_speed_kmh'))} km/h"))
        unit = _tr(s.get("demand_unit") or "", lab)
        cards.append(_card(lab["demand_total"], f"{_num(s.get('demand_total'), 0)} {unit}"))
        cards.append(_card(lab["demand_covered"], f"{_num(s.get('demand_covered'), 0)} {unit}"))
        cards.append(
            _card(lab["time_median_min"], f"{_num(s.get('time_median_min'))} {lab['min']}")
        )
        cards.append(_card(lab["time_p90_min"], f"{_num(s.get('time_p90_min'))} {lab['min']}"))
        if s.get("double_coverage_pct") is not None:
            cards.append(_card(lab["double_coverage_pct"], _pct(s["double_coverage_pct"])))
    if sel is not None:
        cards.append(_card(lab["sites_added"], _num(len(sel.selected))))
        cards.append(_card(lab["coverage_before"], _pct(sel.coverage_pct_before)))
        cards.append(_card(lab["coverage_after"], _pct(sel.coverage_pct_after), main=True))
    return f'<div class="cards">{"".join(cards)}</div>'


def _comparison(cov: Any, lab: dict[str, str]) -> str:
    s = cov.summary
    net, eucl = s.get("coverage_pct"), s.get("euclidean_coverage_pct")
    diff = None if net is None or eucl is None else float(eucl) - float(net)
    text = lab["compare_text"].format(
        radius=_num(s.get("euclidean_radius_m"), 0),
        speed=_num(s.get("walk_speed_kmh")),
        minutes=_num(s.get("minutes"), 0),
        net=_pct(net),
        eucl=_pct(eucl),
        diff=_num(diff),
    )
    bars = _bars_svg([(lab["along_network"], net, "#c0392b"), (lab["circles"], eucl, "#95a5a6")])
    return f"<p>{_e(text)}</p><figure>{bars}</figure>"


def _district_frame(cov: Any, after: Any | None) -> pd.DataFrame:
    """``by_district`` with ``sites_added`` and ``coverage_pct_after`` when ``after`` is given."""
    bd = cov.by_district
    if after is None or after.by_district is None or not len(after.by_district):
        return bd
    a = after.by_district.set_index("district")
    keyed = bd.set_index("district")
    added = (a["stations"].reindex(keyed.index).fillna(0) - keyed["stations"]).clip(lower=0)
    out = keyed.assign(
        sites_added=added.astype(int).to_numpy(),
        coverage_pct_after=a["coverage_pct"].reindex(keyed.index).to_numpy(),
    )
    return out.reset_index()


def _district_table(cov: Any, lab: dict[str, str], after: Any | None = None) -> str:
    bd = _district_frame(cov, after)
    with_after = "coverage_pct_after" in bd
    header = [
        lab["district"],
        lab["stations"],
        lab["demand_total"],
        lab["demand_covered"],
        lab["coverage_pct"],
        lab["euclidean_coverage_pct"],
        lab["difference"],
        lab["time_median_min"],
        lab["time_p90_min"],
    ]
    if with_after:
        header += [lab["sites_added"], lab["coverage_after"]]

    def rows() -> Iterable[list[tuple[str, bool]]]:
        for _, r in bd.iterrows():
            net, eu = _get(r, "coverage_pct"), _get(r, "euclidean_coverage_pct")
            diff = None if _is_missing(net) or _is_missing(eu) else float(eu) - float(net)
            extra = (
                [
                    (_e(_num(_get(r, "sites_added"), 0)), True),
                    (_e(_pct(_get(r, "coverage_pct_after"))), True),
                ]
                if with_after
                else []
            )
            yield [
                (_e(_get(r, "district")), False),
                (_e(_num(_get(r, "stations"))), True),
                (_e(_num(_get(r, "demand_total"), 0)), True),
                (_e(_num(_get(r, "demand_covered"), 0)), True),
                (_e(_pct(net)), True),
                (_e(_pct(eu)), True),
                (_e(_num(diff)), True),
                (_e(_num(_get(r, "time_median_min"))), True),
                (_e(_num(_get(r, "time_p90_min"))), True),
                *extra,
            ]

    return _table(header, rows())


def _station_table(cov: Any, lab: dict[str, str]) -> str:
    st = cov.stations
    if "importance_rank" in st:
        key = st["importance_rank"].where(st["importance_rank"] > 0, np.iinfo(np.int64).max)
        st = st.assign(_k=key).sort_values("_k", kind="stable")
    cols = [
        ("station_id", False, str),
        ("name", False, str),
        ("district", False, str),
        ("status", False, str),
        ("on_network", False, str),
        ("demand_nearest", True, lambda v: _num(v, 0)),
        ("unique_demand", True, lambda v: _num(v, 0)),
        ("importance_rank", True, _num),
    ]
    cols = [c for c in cols if c[0] in st]
    zh = lab is _LABELS["zh"]

    def fmt(col: str, v: Any, f: Any) -> str:
        if _is_missing(v):
            return "-"
        if col == "on_network":
            return lab["yes"] if bool(v) else lab["no"]
        if col == "status" and zh:
            return _STATUS_ZH.get(str(v), str(v))
        if col == "importance_rank" and int(v) < 0:
            return "-"
        return f(v)

    def rows() -> Iterable[list[tuple[str, bool]]]:
        for _, r in st.head(MAX_HTML_ROWS).iterrows():
            yield [(_e(fmt(c, r[c], f)), numeric) for c, numeric, f in cols]

    return _table([lab[c] for c, _, _ in cols], rows(), total=len(st), more=lab["more_rows"])


def _sites_table(sites: Any, lab: dict[str, str]) -> str:
    cols = [
        ("rank", True, _num),
        ("site_id", False, str),
        ("name", False, str),
        ("district", False, str),
        ("kind", False, str),
        ("stage", False, str),
        ("gain", True, lambda v: _num(v, 1)),
    ]
    cols = [
        c
        for c in cols
        if c[0] in sites and not (c[0] in ("stage", "name") and sites[c[0]].fillna("").eq("").all())
    ]

    def rows() -> Iterable[list[tuple[str, bool]]]:
        for _, r in sites.head(MAX_HTML_ROWS).iterrows():
            yield [(_e("-" if _is_missing(r[c]) else f(r[c])), n) for c, n, f in cols]

    return _table([lab[c] for c, _, _ in cols], rows(), total=len(sites), more=lab["more_rows"])


def _selection_block(sel: Any, lab: dict[str, str]) -> str:
    s = sel.summary()
    gap = s.get("optimality_gap")
    rows = [
        (lab["mode"], _tr(s.get("mode"), lab)),
        (lab["solver"], f"{_tr(s.get('solver'), lab)} ({_tr(s.get('status'), lab)})"),
        (lab["sites_added"], _num(s.get("sites_added"))),
        (lab["coverage_before"], _pct(s.get("coverage_pct_before"), 2)),
        (lab["coverage_after"], _pct(s.get("coverage_pct_after"), 2)),
        (lab["optimality_gap"], "-" if gap is None else f"{100 * gap:.2f}%"),
    ]
    return _table(
        [lab["parameter"], lab["value"]], ([(_e(k), False), (_e(v), False)] for k, v in rows)
    )


def _curve_block(sel: Any, lab: dict[str, str]) -> str:
    curve = sel.curve
    if curve is None or len(curve) == 0:
        return f'<p class="note">{_e(lab["none"])}</p>'
    stages = curve["stage"].astype(str).tolist() if "stage" in curve else None
    if stages is not None and len(set(stages)) <= 1:
        stages = None
    svg = coverage_curve_svg(
        curve["coverage_pct"].to_numpy(np.float64).tolist(),
        start_pct=sel.coverage_pct_before,
        labels=curve["site_id"].astype(str).tolist() if "site_id" in curve else None,
        stages=stages,
        x_label=lab["curve_x"],
        y_label=lab["curve_y"],
    )
    return f"<figure>{svg}</figure>"


def _parameters_block(parameters: Mapping[str, Any], lab: dict[str, str]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, Mapping | list | tuple):
            return json.dumps(_jsonable(v), ensure_ascii=False)
        if isinstance(v, float | np.floating):
            return f"{float(v):g}"
        return "-" if v is None else str(v)

    return _table(
        [lab["parameter"], lab["value"]],
        ([(f"<code>{_e(k)}</code>", False), (_e(show(v)), False)] for k, v in parameters.items()),
    )


def _sources_block(info: list[dict[str, Any]], lab: dict[str, str]) -> str:
    def rows() -> Iterable[list[tuple[str, bool]]]:
        for r in info:
            if not r["exists"]:
                yield [
                    (f'<span title="{_e(r["path"])}">{_e(r["file"])}</span>', False),
                    (_e(lab["missing"]), False),
                    ("-", False),
                    ("-", False),
                ]
                continue
            digest = r["sha256"][:12] if r["sha256"] else lab["directory"]
            yield [
                (f'<span title="{_e(r["path"])}">{_e(r["file"])}</span>', False),
                (_e(_size(r["size_bytes"])), True),
                (_e(r["modified"]), False),
                (f"<code>{_e(digest)}</code>", False),
            ]

    return _table([lab["file"], lab["size"], lab["modified"], lab["sha256"]], rows())


def _uses_osm(info: list[dict[str, Any]], parameters: Mapping[str, Any] | None) -> bool:
    names = [str(r["file"]).lower() for r in info]
    if any(n.endswith(_OSM_SUFFIXES) for n in names):
        return True
    text = json.dumps(_jsonable(dict(parameters or {})), ensure_ascii=False).lower()
    return any(t in text for t in (".osm", "place:", "openstreetmap", '"auto"'))


def report_html(
    *,
    coverage: Any | None = None,
    coverage_after: Any | None = None,
    selection: Any | None = None,
    sites: Any | None = None,
    parameters: Mapping[str, Any] | None = None,
    sources: Iterable[str | os.PathLike[str]] | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> str:
    """A self-contained, printable HTML report of a coverage run and/or a site selection.

    Parameters
    ----------
    coverage
        A :class:`~harbor_planner.coverage.CoverageResult`: headline figures, the
        network-vs-circle comparison, the per-district and station tables.
    coverage_after
        Coverage by the stations and the new sites together: the district table gains the new
        sites and the coverage after them, per district.
    selection
        A :class:`~harbor_planner.optimize.SiteSelection`: its figures and coverage curve.
    sites
        The selected sites (:func:`harbor_planner.optimize.output.selected_sites`): their table.
    parameters
        The scenario's parameters, shown as given (nested values as JSON).
    sources
        Paths of the data files used: name, size, modification date and SHA-256 prefix.
    lang
        ``"zh"`` (default) or ``"en"``.
    title
        Report title (default: a title in ``lang``).

    Returns
    -------
    str
        The HTML document: no external CSS, scripts, fonts or images; every string taken
        from the data is HTML-escaped.

    Raises
    ------
    InputDataError
        Nothing to report, or an unknown ``lang``.

    """
    lab = _labels(lang)
    if coverage is None and selection is None and sites is None:
        raise InputDataError("report: give coverage, selection and/or sites; nothing to report")
    info = source_info(sources or [])
    heading = title or lab["title"]
    from harbor_planner import __version__

    now = dt.datetime.now().replace(microsecond=0).isoformat(" ")
    body = [
        f"<h1>{_e(heading)}</h1>",
        f'<p class="meta">{_e(lab["generated"])}: {_e(now)} · harbor-planner {_e(__version__)}</p>',
        f'<section id="headline"><h2>{_e(lab["headline"])}</h2>'
        f"{_headline(coverage, selection, lab)}</section>",
    ]
    if coverage is not None:
        body.append(
            f'<section id="compare"><h2>{_e(lab["compare"])}</h2>'
            f"{_comparison(coverage, lab)}</section>"
        )
        if coverage.by_district is not None and len(coverage.by_district):
            body.append(
                f'<section id="districts"><h2>{_e(lab["districts"])}</h2>'
                f"{_district_table(coverage, lab, coverage_after)}</section>"
            )
    if selection is not None or sites is not None:
        block = [f'<section id="selection" class="break"><h2>{_e(lab["selection"])}</h2>']
        if selection is not None:
            block.append(_selection_block(selection, lab))
            block.append(f"<h2>{_e(lab['curve'])}</h2>{_curve_block(selection, lab)}")
        if sites is not None:
            block.append(f"<h2>{_e(lab['sites'])}</h2>{_sites_table(sites, lab)}")
        block.append("</section>")
        body.append("".join(block))
    if coverage is not None and coverage.stations is not None and len(coverage.stations):
        body.append(
            f'<section id="stations" class="break"><h2>{_e(lab["station_table"])}</h2>'
            f"{_station_table(coverage, lab)}</section>"
        )
    if parameters:
        body.append(
            f'<section id="parameters"><h2>{_e(lab["parameters"])}</h2>'
            f"{_parameters_block(parameters, lab)}</section>"
        )
    if info:
        body.append(
            f'<section id="sources"><h2>{_e(lab["sources"])}</h2>'
            f"{_sources_block(info, lab)}</section>"
        )
    footer = lab["osm"] if _uses_osm(info, parameters) else ""
    body.append(f"<footer>{_e(footer)} harbor-planner {_e(__version__)}</footer>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_report_html(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`report_html` (same keyword arguments) to ``path``, UTF-8, atomically."""
    text = report_html(**kwargs)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote %s (%s)", path, _size(path.stat().st_size))
    return path


# --------------------------------------------------------------------------- XLSX


def _display_width(text: str) -> int:
    """Columns needed in Excel: East Asian characters count twice."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _add_sheet(
    wb: Any,
    title: str,
    frame: pd.DataFrame,
    *,
    chinese: bool,
    formats: Mapping[str, str] | None = None,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    cols = list(frame.columns)
    headers = [_HEADERS_ZH.get(c, c) if chinese else c for c in cols]
    ws.append(headers)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EDEDED")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    widths = [_display_width(h) for h in headers]
    for row in frame.itertuples(index=False, name=None):
        values = [_plain(v) for v in row]
        ws.append(values)
        for k, v in enumerate(values):
            if v is None:
                continue
            w = len(f"{v:,.2f}") if isinstance(v, float) else _display_width(str(v))
            widths[k] = max(widths[k], w)
    for k, c in enumerate(cols):
        letter = get_column_letter(k + 1)
        ws.column_dimensions[letter].width = min(max(widths[k] + 2, 8), 60)
        fmt = (formats or {}).get(c)
        if fmt is None:
            kind = frame[c].dtype.kind if len(frame) else "O"
            fmt = "#,##0.00" if kind == "f" else "0" if kind in "iu" else None
        if fmt is not None:
            for (cell,) in ws.iter_rows(min_row=2, min_col=k + 1, max_col=k + 1):
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
    ws.freeze_panes = "A2"
    if len(frame) and cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(frame) + 1}"


_XLSX_FORMATS = {
    "lon": "0.0000000",
    "lat": "0.0000000",
    "coverage_pct": "0.00",
    "euclidean_coverage_pct": "0.00",
    "double_coverage_pct": "0.00",
    "exit_loss_pct": "0.00",
    "time_median_min": "0.0",
    "time_p90_min": "0.0",
    "snap_dist_m": "0.0",
}


def _summary_frame(coverage: Any | None, selection: Any | None, *, chinese: bool) -> pd.DataFrame:
    rows: list[tuple[str, str, Any]] = []
    if coverage is not None:
        for key, v in _flatten(coverage.summary):
            rows.append((key, _SUMMARY_ZH.get(key, key) if chinese else key, v))
    if selection is not None:
        for key, v in _flatten(selection.summary()):
            k = f"selection.{key}" if coverage is not None and key in coverage.summary else key
            rows.append((k, _SUMMARY_ZH.get(key, key) if chinese else k, v))
    return pd.DataFrame(rows, columns=["key", "label", "value"])[["label", "value", "key"]]


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
    if chinese and "status" in table:
        table["status"] = table["status"].map(lambda v: _STATUS_ZH.get(v, v))
    return table.reset_index(drop=True)


def write_report_xlsx(
    path: str | os.PathLike[str],
    *,
    coverage: Any | None = None,
    coverage_after: Any | None = None,
    selection: Any | None = None,
    sites: Any | None = None,
    parameters: Mapping[str, Any] | None = None,
    chinese_headers: bool = True,
) -> Path:
    """Write the report workbook for district offices.

    Sheets (Chinese names and headers by default): 汇总/Summary (every figure of the coverage
    summary and the selection), 区县/Districts (with ``coverage_after``: new sites and the
    coverage after them per district), 站点/Stations (each station with its coverage
    figures and WGS-84 lon/lat, by importance), 新增站点/Selected sites, 覆盖曲线/Coverage curve
    and 参数/Parameters, each only when there is something to put in it. Numbers are written
    as numbers; the header row is frozen and filterable.

    Raises
    ------
    InputDataError
        Nothing to write, or the output directory does not exist.

    """
    from openpyxl import Workbook

    if coverage is None and selection is None and sites is None:
        raise InputDataError("report: give coverage, selection and/or sites; nothing to write")
    zh = chinese_headers
    name = {k: v[0] if zh else v[1] for k, v in _SHEETS.items()}
    wb = Workbook()
    wb.remove(wb.active)
    _add_sheet(wb, name["summary"], _summary_frame(coverage, selection, chinese=zh), chinese=zh)
    if coverage is not None and coverage.by_district is not None:
        _add_sheet(
            wb, name["districts"], _district_frame(coverage, coverage_after), chinese=zh,
            formats=_XLSX_FORMATS,
        )  # fmt: skip
    if coverage is not None and coverage.stations is not None:
        _add_sheet(
            wb, name["stations"], _station_frame(coverage, chinese=zh), chinese=zh,
            formats=_XLSX_FORMATS,
        )  # fmt: skip
    if sites is not None:
        frame = pd.DataFrame(sites.drop(columns=sites.geometry.name, errors="ignore"))
        if "geometry" in frame:
            frame = frame.drop(columns="geometry")
        _add_sheet(wb, name["sites"], frame, chinese=zh, formats=_XLSX_FORMATS)
    if selection is not None and selection.curve is not None:
        _add_sheet(wb, name["curve"], selection.curve, chinese=zh, formats=_XLSX_FORMATS)
    if parameters:
        frame = pd.DataFrame(
            [(k, _plain(v)) for k, v in _flatten(parameters)], columns=["parameter", "value"]
        )
        _add_sheet(wb, name["parameters"], frame, chinese=zh)
    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    log.info("wrote %s with sheets %s", path, ", ".join(wb.sheetnames))
    return path


# --------------------------------------------------------------------------- GeoPackage

_RESERVED = ("gpkg_", "rtree_", "sqlite_")


def _safe_layer_name(name: str, taken: set[str]) -> str:
    """ASCII letters, digits and ``_``, starting with a letter, unique (case-insensitive)."""
    safe = re.sub(r"[^A-Za-z0-9_]+", "_", str(name)).strip("_").lower()
    if not safe or not safe[0].isalpha() or safe.startswith(_RESERVED):
        safe = f"layer_{safe}" if safe else "layer"
    safe = safe[:60]
    out, k = safe, 2
    while out in taken:
        out, k = f"{safe}_{k}", k + 1
    taken.add(out)
    return out


def _gpkg_ready(frame: Any) -> Any:
    """Columns pyogrio can write: lists and mappings as JSON text."""
    frame = frame.copy()
    for col in frame.columns:
        if col == frame.geometry.name or frame[col].dtype != object:
            continue
        values = frame[col]
        if values.map(lambda v: isinstance(v, Mapping | list | tuple | np.ndarray)).any():
            frame[col] = values.map(
                lambda v: (
                    json.dumps(_jsonable(v), ensure_ascii=False)
                    if isinstance(v, Mapping | list | tuple | np.ndarray)
                    else v
                )
            )
    return frame


def report_layers(
    *,
    coverage: Any | None = None,
    sites: Any | None = None,
    isochrones: Any | None = None,
    service_area: Any | None = None,
    districts: Any | None = None,
    district_column: str | None = None,
) -> dict[str, Any]:
    """The map layers of a run, by name, for :func:`write_layers_gpkg`.

    ``stations`` (with their coverage figures), ``sites``, ``isochrones``, ``service_area``
    (computed from ``isochrones`` when not given), ``gaps`` and ``covered`` (demand points)
    and ``districts``: the district polygons holding demand, with the per-district figures
    (coverage %, straight-line %, walking times) for a choropleth. Missing inputs give
    ``None`` (skipped when written).

    Parameters
    ----------
    coverage
        A :class:`~harbor_planner.coverage.CoverageResult`.
    sites
        Selected sites (:func:`harbor_planner.optimize.output.selected_sites`).
    isochrones, service_area
        Outputs of :func:`harbor_planner.isochrones.isochrones` and ``service_area``.
    districts, district_column
        The district polygons and their name column, as given to
        :func:`~harbor_planner.coverage.coverage` (default: Chongqing's 区县, ``name_zh``).

    """
    layers: dict[str, Any] = dict.fromkeys(
        ("stations", "sites", "isochrones", "service_area", "gaps", "covered", "districts")
    )
    layers["sites"] = sites
    layers["isochrones"] = isochrones
    if service_area is None and isochrones is not None and len(isochrones):
        from harbor_planner.analysis.isochrones import service_area as _service_area

        service_area = _service_area(isochrones)
    layers["service_area"] = service_area
    if coverage is not None:
        layers["stations"] = coverage.stations
        covered = coverage.demand["covered"].to_numpy(bool)
        layers["gaps"] = coverage.demand[~covered]
        layers["covered"] = coverage.demand[covered]
        bd = coverage.by_district
        if bd is not None and len(bd):
            if districts is None:
                from harbor_planner.districts import chongqing_districts

                districts, district_column = chongqing_districts(), "name_zh"
            names = [c for c in ("name_zh", "name", "district", "区县", "NAME") if c in districts]
            name = district_column or (names[0] if names else "name")
            if name not in districts:
                raise InputDataError(
                    f"district layer has no column {name!r}; columns: {list(districts.columns)}"
                )
            polys = districts.rename(columns={name: "district"})[["district", "geometry"]]
            layers["districts"] = polys.merge(bd, on="district", how="inner")
    return layers


def write_layers_gpkg(
    path: str | os.PathLike[str],
    layers: Mapping[str, Any],
    *,
    crs: Any | None = "EPSG:4326",
) -> dict[str, str]:
    """Write every layer into one GeoPackage, atomically.

    Parameters
    ----------
    path
        The ``.gpkg`` file (replaced if it exists).
    layers
        Layer name → GeoDataFrame, e.g. ``stations``, ``sites``, ``isochrones``,
        ``service_area``, ``gaps``, ``covered``, ``districts``. ``None`` and empty layers are
        skipped with a log line. Names are made safe (ASCII letters, digits, ``_``).
    crs
        CRS every layer is written in (default WGS-84); ``None`` keeps each layer's own.

    Returns
    -------
    dict
        Given name → layer name written.

    Raises
    ------
    InputDataError
        A layer is not a GeoDataFrame or has no CRS, or no layer has any feature.

    """
    import geopandas as gpd

    written: dict[str, str] = {}
    taken: set[str] = set()
    ready: list[tuple[str, str, Any]] = []
    for name, layer in layers.items():
        if layer is None or len(layer) == 0:
            log.info("layer %s is empty: not written to %s", name, Path(path).name)
            continue
        if not isinstance(layer, gpd.GeoDataFrame):
            raise InputDataError(
                f"layer {name!r} is a {type(layer).__name__}, not a GeoDataFrame", path=path
            )
        if layer.crs is None:
            raise InputDataError(
                f"layer {name!r} has no CRS; set one (GeoDataFrame.set_crs) before writing",
                path=path,
            )
        frame = layer.to_crs(crs) if crs is not None else layer
        ready.append((name, _safe_layer_name(name, taken), _gpkg_ready(frame)))
    if not ready:
        raise InputDataError("every layer is empty: nothing to write", path=path)
    path = Path(path)
    with atomic_path(path) as tmp:
        for name, safe, frame in ready:
            frame.to_file(tmp, layer=safe, driver="GPKG")
            written[name] = safe
    log.info(
        "wrote %s: %s",
        path,
        ", ".join(f"{s} ({len(f):,})" for _, s, f in ready),
    )
    return written
