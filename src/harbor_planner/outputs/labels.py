"""The words of maps, reports and workbooks, in Chinese and English, defined once.

Every label is a ``(Chinese, English)`` pair (or a Chinese word for an English column name or
value). Station statuses are labelled by :func:`harbor_planner.settings.status_label`, so that
a status reads the same on the map, in the HTML report and in the workbook.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from harbor_planner.errors import InputDataError
from harbor_planner.settings import (
    LANGS,
    STATUS_LABELS,
    WALK_DIRECTION_LABELS,
    WALK_DIRECTIONS,
    status_label,
)

__all__ = [
    "GRADE_SOURCE_ZH",
    "HEADER_ZH",
    "MAP_TEXT",
    "REPORT_TEXT",
    "SHEET_COLUMNS",
    "SHEET_NAMES",
    "SUMMARY_EN",
    "SUMMARY_ZH",
    "TIANDITU_KEY_MISSING",
    "VALUE_EN",
    "VALUE_ZH",
    "map_text",
    "report_labels",
    "status_text",
    "value_text",
]

# ----------------------------------------------------------------------------- map

#: Why a map on Tianditu tiles cannot be drawn: checked with the scenario, before any work
#: (probe 25E: a city run's coverage and plan were computed, then thrown away for it).
TIANDITU_KEY_MISSING = (
    "basemap 'tianditu' needs a Tianditu key: give --tianditu-key (output.tianditu_key; with "
    "run, --set output.tianditu_key=KEY; tianditu_key= in Python) or set the TIANDITU_KEY "
    "environment variable (a free key from console.tianditu.gov.cn)"
)

#: Map labels. With ``lang="zh"`` the Chinese one is shown with the English beside it in the
#: layer control and legend where it helps; with ``lang="en"`` the English one.
MAP_TEXT: dict[str, tuple[str, str]] = {
    "existing": ("已建港湾", "Existing stations"),
    "planned": ("在建/拟建港湾", "Stations building / proposed"),
    "closed": ("已退出港湾", "Closed stations"),
    "nostatus": ("未注明状态的港湾（按已建成计）", "Stations without a status (counted as built)"),
    "sites": ("建议新址", "Suggested new sites"),
    "isochrones": ("步行等时圈", "Walking isochrones"),
    "service_area": ("服务范围", "Service area"),
    "gaps": ("未覆盖需求", "Uncovered demand"),
    "double": ("交叉覆盖需求", "Demand covered twice"),
    "double_before": ("新增前交叉覆盖需求", "Demand covered twice (before the new sites)"),
    "districts": ("区县覆盖率", "District coverage"),
    "basemap_osm": ("OpenStreetMap 底图", "OpenStreetMap"),
    "basemap_amap": ("高德地图", "AMap (Gaode)"),
    "basemap_tianditu": ("天地图", "Tianditu"),
    "tianditu_labels": ("天地图注记", "Tianditu labels"),
    "legend": ("图例", "Legend"),
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "status": ("状态", "Status"),
    "district": ("区县", "District"),
    "address": ("地址", "Address"),
    "flagship": ("最美渝工港湾", "Flagship"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "demand_covered": ("覆盖需求", "Demand covered"),
    "unique_demand": ("独有覆盖", "Covered by it alone"),
    # the workbook's and the report's words (probe 22M: 关闭损失 on the map, 撤站损失 there)
    "exit_loss_pct": ("撤站损失 %", "Loss if closed, %"),
    "exit_loss_built_pct": (
        "现时撤站损失 %（仅计已建成站点）",
        "Loss if closed now (built only), %",
    ),
    "importance_rank": ("重要性排名", "Importance rank"),
    "rank": ("排名", "Rank"),
    "gain": ("新增覆盖", "Coverage gain"),
    "kind": ("类型", "Kind"),
    "stage": ("阶段", "Stage"),
    "station": ("港湾", "Station"),
    "minutes": ("步行时间 (分钟)", "Walk (minutes)"),
    "area_km2": ("面积 (km²)", "Area (km²)"),
    "stations_n": ("港湾数", "Stations"),
    "time_min": ("最近港湾步行 (分钟)", "Walk to nearest station (min)"),
    "nearest": ("最近港湾", "Nearest station"),
    "unreachable": ("不可达", "unreachable"),
    "coverage_pct": ("覆盖率 %", "Coverage, %"),
    # tooltips beside a headline of the built stations (probe 22M: 大坪 · 19.1 %, 0.0 % built)
    "built_short": ("已建成", "built"),
    "all_stations_short": ("全部站点", "all stations"),
    "no_data": ("无数据", "no data"),
    "min_band": ("{m} 分钟", "{m} min"),
    "min_suffix": ("分钟", "min"),
    # issue 16: station status in the headline
    "planned_only": ("仅靠在建/拟建站点覆盖的需求", "Covered only by stations building / proposed"),
}

# ----------------------------------------------------------------------------- report

#: Labels and headings of the HTML report (``report_labels(lang)["lang"]`` is the language).
REPORT_TEXT: dict[str, tuple[str, str]] = {
    "lang": ("zh", "en"),
    "title": (
        "渝工港湾 {m}分钟步行覆盖报告",  # the study's limit (a 12-minute study said 15)
        "Worker harbour stations: {m}-minute walking coverage report",
    ),
    "headline": ("覆盖概况", "Coverage at a glance"),
    "coverage_pct": ("路网步行覆盖率", "Coverage along the network"),
    "euclidean_coverage_pct": ("直线圆覆盖率", "Coverage by straight-line circles"),
    "overstatement": ("直线圆高估", "Circles overstate by"),
    "points": ("个百分点", "points"),
    "stations": ("站点数", "Stations"),
    "stations_on_network": ("路网上站点", "Stations on the network"),
    "minutes": ("步行时间上限", "Walking-time limit"),
    "min": ("分钟", "min"),
    "kmh": ("公里/小时", "km/h"),
    "walk_speed": ("步行速度", "Walking speed"),
    "walk_model": ("步行模型", "Walk model"),
    "walk_direction": ("步行方向", "Walk direction"),
    "demand": ("需求", "Demand"),
    "demand_total": ("需求总量", "Demand total"),
    "demand_covered": ("已覆盖需求", "Demand covered"),
    "time_median_min": ("到最近站步行时间中位数", "Median walk to the nearest station"),
    "time_p90_min": ("到最近站步行时间90分位", "90th-percentile walk to the nearest station"),
    "double_coverage_pct": ("双重覆盖率", "Covered by two or more stations"),
    "compare": ("路网步行与直线圆对比", "Along the network vs straight-line circles"),
    "compare_text": (
        (
            "直线圆按半径 {radius} 米（{speed} 公里/小时 × {minutes} 分钟）绘制；"
            "{route}步行 {minutes} 分钟可达的需求只占 {net}，"
            "直线圆声称 {eucl}，高估 {diff} 个百分点。"
        ),
        (
            "Circles of radius {radius} m ({speed} km/h × {minutes} min) claim {eucl} of the "
            "demand; walking {minutes} min {route} "
            "reaches {net}: circles overstate coverage by {diff} points."
        ),
    ),
    "along_network": ("沿路网步行", "Along the network"),
    "circles": ("直线圆", "Straight-line circles"),
    "districts": ("分区县覆盖", "Coverage by district"),
    "district": ("区县", "District"),
    "difference": ("差值(百分点)", "Difference (points)"),
    "station_table": ("站点", "Stations"),
    "station_id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "status": ("状态", "Status"),
    "on_network": ("在路网上", "On the network"),
    "demand_nearest": ("最近站服务需求", "Demand served as nearest"),
    "unique_demand": ("独有覆盖需求", "Demand only it covers"),
    "importance_rank": ("重要性排名", "Importance rank"),
    "redundant": (
        "{n} 个站点无独有覆盖需求：其中任一个单独撤出，覆盖率不变（同时撤出几个则可能下降）；"
        "排名按独有覆盖需求，相同时按其覆盖的需求。",
        "Stations covering no demand alone: {n}. Closing any one of them alone loses no "
        "coverage (closing several may); stations rank by the demand only they cover, ties "
        "by the demand they cover.",
    ),
    "selection": ("新增站点选址", "New sites"),
    "mode": ("模式", "Mode"),
    "target_pct": ("目标覆盖率", "Coverage target"),
    "solver": ("求解器", "Solver"),
    "sites_added": ("新增站点数", "Sites added"),
    "coverage_before": ("新增前覆盖率", "Coverage before"),
    "coverage_after": ("新增后覆盖率", "Coverage after"),
    "optimality_gap": ("最优性差距", "Optimality gap"),
    "gap_staged": (
        "（相对一次选出全部 {n} 处的最优方案）",
        " (against the best {n} sites chosen at once)",
    ),
    "sites": ("新增站点", "Selected sites"),
    "rank": ("排序", "Rank"),
    "site_id": ("站点编号", "Site ID"),
    "kind": ("类型", "Kind"),
    "stage": ("阶段", "Stage"),
    "gain": ("新增覆盖需求", "Demand added"),
    "curve": ("覆盖曲线", "Coverage curve"),
    "curve_x": ("新增站点数", "Sites added"),
    "curve_y": ("覆盖率(%)", "Coverage (%)"),
    "parameters": ("情景参数", "Scenario parameters"),
    "parameter": ("参数", "Parameter"),
    "value": ("取值", "Value"),
    "sources": ("数据来源", "Data sources"),
    "file": ("文件", "File"),
    "size": ("大小", "Size"),
    "modified": ("修改日期", "Modified"),
    "sha256": ("SHA-256（前12位）", "SHA-256 (first 12)"),
    "missing": ("缺失", "missing"),
    "directory": ("目录", "directory"),
    "more_rows": (
        "另有 {n} 行未列出，见 report.xlsx。",
        "{n} more rows are not shown; see report.xlsx.",
    ),
    "osm": (
        "路网数据 © OpenStreetMap contributors（ODbL 1.0）。",
        "Network data © OpenStreetMap contributors (ODbL 1.0).",
    ),
    "none": ("无", "none"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # issue 16: station status in the headline, one vocabulary
    "coverage_built": ("已建成站点覆盖率", "Coverage by built stations"),
    "status_headline": ("覆盖结论", "Headline"),
    "out_dir": ("输出目录", "Output folder"),
    "lon_lat": ("经纬度 (WGS-84)", "Lon/lat (WGS-84)"),
    "lon_lat_gcj": ("经纬度 (GCJ-02，高德)", "Lon/lat (GCJ-02, AMap)"),
    "unnamed": ("无名道路", "unnamed street"),
}

# ----------------------------------------------------------------------------- workbook and values

#: Chinese words for values that appear in summaries (units, modes, solvers).
VALUE_ZH: dict[str, str] = {
    **{d: WALK_DIRECTION_LABELS["zh"][d] for d in WALK_DIRECTIONS},
    "m of main street": "米主干道",
    "people": "人",
    "m² floor area": "㎡建筑面积",
    "points": "个点",
    "cells": "个网格",
    "max-cover": "最大覆盖（新增N个站点）",
    "cover": "集合覆盖（以尽量少的站点达到目标覆盖率）",
    "greedy": "贪心算法",
    "exact": "精确求解（HiGHS）",
    "optimal": "已证明最优",
    "feasible": "可行解",
    "time_limit": "达到时间上限",
    # issue 17: gap within the requested tolerance, not proven optimal
    "gap_met": "达到目标差距（未证明最优）",
    # issue 16: one vocabulary
    "network": "路网",
    "line": "直线",
    "walk": "步行",
    "gcj02": "GCJ-02",
    "wgs84": "WGS-84",
    "bd09": "BD-09",
}
#: English words for the codes of a summary an English reader would not know (probe 18R).
VALUE_EN: dict[str, str] = {
    **{d: WALK_DIRECTION_LABELS["en"][d] for d in WALK_DIRECTIONS},
    "max-cover": "maximal coverage (N new sites)",
    "cover": "set cover (as few sites as possible reaching the target)",
    "exact": "exact (HiGHS)",
    "time_limit": "time limit reached",
    "gap_met": "target gap reached (not proven optimal)",
}
#: Chinese headers of the workbook's columns (English headers are the column names).
HEADER_ZH: dict[str, str] = {
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
    "demand_beyond_network": "路网以外需求",
    "demand_double_covered": "双重覆盖需求",
    "double_coverage_pct": "双重覆盖率(%)",
    "sites_added": "新增站点数",
    "coverage_pct_after": "新增后覆盖率(%)",
    "demand_share_pct": "需求占比(%)",  # study area: share of the study's demand
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
    "exit_loss_built_pct": "现时撤站损失(%)（仅计已建成站点）",
    "importance_rank": "重要性排名",
    "site_id": "站点编号",
    "lon": "经度(WGS-84)",
    "lat": "纬度(WGS-84)",
    "rank": "排序",
    "gain": "新增覆盖需求",
    "objective_gain": "目标函数增量(含第二重覆盖)",
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
    # issue 16: new sites named, with their kind in words and GCJ-02 coordinates
    "kind_text": "类型",
    "lon_gcj02": "经度(GCJ-02)",
    "lat_gcj02": "纬度(GCJ-02)",
    "covered_built": "已建成站点覆盖",
}
#: English labels where the words of the key alone would mislead.
SUMMARY_EN: dict[str, str] = {
    "demand_beyond_network": "Demand beyond the network (farther than the snapping distance)",
    "beyond_network_pct": "Demand beyond the network (%)",
    "solver_info.sites_without_gain": "New sites that cover no more demand",
    "optimality_gap": "Optimality gap (a fraction: 0.01 is 1 %)",
    "network_grades.flat_outside_dem_share": (
        "Network timed flat outside the DEM (a fraction: 0.01 is 1 %)"
    ),
    "overstatement_pct_points": "Straight-line circles overstate by (percentage points)",
    "time_p90_min": "Walk time, 90th percentile (min)",
    "time_median_min": "Walk time, median (min)",
    "walk_dem": "Slopes from an elevation model (DEM)",
    "coverage_built_pct": "Coverage by the built stations (%)",
    "euclidean_coverage_pct": "Coverage claimed by straight-line circles (%)",
    "euclidean_demand_covered": "Demand within straight-line circles",
    "euclidean_radius_m": "Straight-line circle radius (m)",
    "stations_redundant": "Stations covering nothing alone (closing any one loses no coverage)",
}

#: Chinese labels of summary fields (coverage summary.json and SiteSelection.summary()).
SUMMARY_ZH: dict[str, str] = {
    "stations": "站点数",
    "stations_on_network": "路网上站点数",
    "stations_redundant": "无独有覆盖的站点数（任一单独撤出不减覆盖）",
    "stations_rejected": "站点文件中被拒绝的行数",
    **{
        f"stations_by_status.{status}": f"站点数（{zh}）"
        for status, (zh, _) in STATUS_LABELS.items()
    },
    "minutes": "步行时间上限(分钟)",
    "walk_speed_kmh": "步行速度(公里/小时)",
    "walk_model": "步行模型",
    "walk_direction": "步行方向",
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
    "demand_beyond_network": "路网以外需求(超出吸附距离)",
    "beyond_network_pct": "路网以外需求占比(%)",
    "demand_double_covered": "双重覆盖需求",
    "double_coverage_pct": "双重覆盖率(%)",
    "mode": "选址模式",
    "target_pct": "目标覆盖率(%)",
    "solver": "求解器",
    "status": "求解状态",
    "sites_added": "新增站点数",
    "objective": "目标值",
    "upper_bound": "上界",
    "lower_bound": "下界",
    "optimality_gap": "最优性差距(比例，0.01 即 1%)",
    "solver_info.bound_scope": "最优性差距的比较对象",
    "solver_info.time_budgets_hit": "因时间预算提前停止的步骤",
    "solver_info.budgets": "交换搜索与界的停止方式",
    "solver_info.sites_without_gain": "不再增加覆盖的新增站点数",
    "demand_covered_before": "新增前已覆盖需求",
    "demand_covered_after": "新增后已覆盖需求",
    "coverage_pct_before": "新增前覆盖率(%)",
    "coverage_pct_after": "新增后覆盖率(%)",
    "min_cover": "覆盖重数",
    "double_coverage_pct_before": "新增前双重覆盖率(%)",
    "double_coverage_pct_after": "新增后双重覆盖率(%)",
    "runtime_s": "运行时间(秒)",
    # issue 16: station status in the headline, the walk model used
    "coverage_built_pct": "已建成站点覆盖率(%)",
    "walk_dem": "使用地形高程(DEM)",
    "stations_by_status.unknown": "站点数（无状态）",
    # issue 15: the DEM's reach and the headline's range
    "dem_flat_length_pct": "DEM 未覆盖、按平地计时的路网长度(%)",
    "dem_flat_demand_pct": "DEM 未覆盖、按平地计时的需求(%)",
    "dem_demand_cover_pct": "DEM 覆盖的需求(%)",
    "coverage_range_pct.low": "覆盖率敏感性区间下限(%)",
    "coverage_range_pct.high": "覆盖率敏感性区间上限(%)",
    "coverage_range_pct_after.low": "新增后覆盖率敏感性区间下限(%)",
    "coverage_range_pct_after.high": "新增后覆盖率敏感性区间上限(%)",
    "network_grades.above_cap_edges": "坡度超过道路等级上限的路段数",
    "network_grades.above_cap_km": "坡度超过道路等级上限的路段长度(公里)",
    "network_grades.flat_outside_dem_share": "DEM 范围外按平地计时的路网占比(比例，0.01 即 1%)",
    # the selection's figures
    "stations_existing": "现有站点数",
    "candidates": "候选点数",
    "candidates_spec": "候选点设定",
    "matrix.minutes": "覆盖矩阵：步行时间上限(分钟)",
    "matrix.candidates": "覆盖矩阵：候选点数",
    "matrix.candidates_off_network": "覆盖矩阵：离网候选点数",
    "matrix.demand_points": "覆盖矩阵：需求点数",
    "matrix.demand_off_network": "覆盖矩阵：离网需求点数",
    "matrix.pairs": "覆盖矩阵：可达点对数",
    "run": "分区计算（Dask）",  # [run] of a partitioned run (issue 18)
}
#: Chinese names of where an edge's grade comes from (``grade_source``).
GRADE_SOURCE_ZH: dict[str, str] = {
    "flat": "平地",
    "dem": "DEM",
    "incline": "OSM 坡度标注",
    "bridge": "桥梁、隧道（两端直线坡度）",
    "flat-outside-dem": "DEM 范围外（按平地）",
}
#: (Chinese, English) names of the workbook's sheets.
SHEET_NAMES: dict[str, tuple[str, str]] = {
    "summary": ("汇总", "Summary"),
    "districts": ("区县", "Districts"),
    "stations": ("站点", "Stations"),
    "sites": ("新增站点", "Selected sites"),
    "curve": ("覆盖曲线", "Coverage curve"),
    "parameters": ("参数", "Parameters"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def map_text(key: str, lang: str) -> str:
    """The map label ``key`` (a key of :data:`MAP_TEXT`) in ``lang``.

    Parameters
    ----------
    key
        A key of :data:`MAP_TEXT`.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The label, not escaped.

    """
    return _pick(MAP_TEXT[key], lang)


@functools.cache
def _report_labels(lang: str) -> dict[str, str]:
    return {key: _pick(pair, lang) for key, pair in REPORT_TEXT.items()}


def report_labels(lang: str) -> dict[str, str]:
    """Every report label in ``lang``, by key (the same dict for the same language).

    Parameters
    ----------
    lang
        One of :data:`harbor_planner.settings.LANGS`.

    Returns
    -------
    dict
        Key → label; ``"lang"`` → the language.

    Raises
    ------
    InputDataError
        Unknown language.

    """
    if lang not in LANGS:
        raise InputDataError(f"lang must be one of {sorted(LANGS)}, got {lang!r}")
    return _report_labels(lang)


def status_text(status: Any, lang: str) -> str:
    """The label of a station status as shown on maps, in reports and in workbooks.

    Parameters
    ----------
    status
        A status value; case and surrounding spaces are ignored. Missing values give ``""``,
        unknown ones are returned as given.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        :func:`harbor_planner.settings.status_label` of the normalised status.

    """
    if _missing(status):
        return ""
    key = str(status).strip().lower()
    return status_label(key, lang) if key in STATUS_LABELS else str(status)


def value_text(value: Any, lang: str) -> str:
    """A summary value in ``lang`` (Chinese words for the known English ones).

    Parameters
    ----------
    value
        A unit, mode, solver or solver status from a summary (``None`` gives ``""``).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The value's text.

    """
    text = "" if value is None else str(value)
    return (VALUE_ZH if lang == "zh" else VALUE_EN).get(text, text)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- optimise map context and city centres (issue 16) --
MAP_TEXT.update(
    {
        "covered_before": ("原已覆盖需求", "Demand covered before"),
        "newly_covered": ("新址新增覆盖需求", "Demand newly covered by the new sites"),
        "remaining_gaps": ("仍未覆盖需求（剩余缺口）", "Still uncovered (remaining gaps)"),
        "centres": ("城市中心", "City centres"),
        "centre_areas": ("城市中心范围", "City-centre radius"),
        "study_area": ("研究范围", "Study area"),
        "reach_title": ("渝工港湾步行范围", "Walking reach of the stations"),
        "radius_m": ("半径 (米)", "Radius (m)"),
        "centre_demand_total": ("范围内需求", "Demand within the radius"),
        "centre_demand_covered": ("已覆盖需求", "Demand covered"),
        "coverage_after_pct": ("新增后覆盖率 %", "Coverage after, %"),
        "coverage_built_pct": ("仅已建成站点覆盖率 %", "Built stations only, %"),
        "gain_pct": ("新增覆盖 (百分点)", "Gain (percentage points)"),
        "coverage_pct_cum": ("累计覆盖率 %", "Cumulative coverage, %"),
        # the optimise map's districts before and after the new sites (probe 26B)
        "coverage_before_pct": ("新增前覆盖率 %", "Coverage before, %"),
        "sites_added": ("新增站点数", "Sites added"),
        "after_short": ("新增后", "with the new sites"),
        "pp": ("个百分点", "pp"),
        "new_site": ("建议新址", "Suggested new site"),
    }
)
REPORT_TEXT.update(
    {
        "centres": ("城市中心覆盖", "Coverage around the city centres"),
        "centre_text": (
            "每个城市中心周围直线半径范围内的需求及其步行覆盖率。",
            "Demand within a straight-line radius of each city centre and its walking coverage.",
        ),
        "radius_m": ("半径(米)", "Radius (m)"),
        "coverage_pct_centre": ("覆盖率", "Coverage"),
        # the coverage column counts every station used; this one the headline's built ones
        "coverage_built_centre": ("仅已建成站点覆盖率", "Built stations only"),
        "coverage_after_pct": ("新增后覆盖率", "Coverage after"),
    }
)
HEADER_ZH.update({"radius_m": "半径(米)", "coverage_after_pct": "新增后覆盖率(%)",
                  "coverage_built_pct": "仅已建成站点覆盖率(%)"})  # fmt: skip
SHEET_NAMES["centres"] = ("城市中心", "City centres")

#: The columns every 新增站点/城市中心 sheet of the workbook is written with (its headers:
#: :data:`HEADER_ZH`, a unit in brackets after some). They, never the sheets' names, tell
#: these sheets of no stations when a workbook is read back (probe 26R: a planner's own
#: 新增站点 sheet of 14 stations was left out for its name).
SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": ("rank", "gain"),
    "centres": ("radius_m", "demand_total"),
}
