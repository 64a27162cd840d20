"""Reports in one vocabulary: figures, settings and models in words, in Chinese or English.

The HTML report and the workbook show the summary figures (:func:`summary_rows`), the settings
that matter (:func:`parameter_rows`: no JSON, no empty settings), the walk model in words
(:func:`walk_model_text`, :func:`walk_route_text`: stairs, slopes and escalators only where the
model used them) and the coverage by station status (:func:`status_headline`). Every value is
put into ``lang``: booleans as 是/否, kinds, modes and solvers as words; nothing reads ``None``,
``True`` or ``null``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from harbor_planner._text import pct1
from harbor_planner.errors import InputDataError
from harbor_planner.outputs.labels import (
    GRADE_SOURCE_ZH,
    MAP_TEXT,
    SUMMARY_EN,
    SUMMARY_ZH,
    status_text,
    value_text,
)
from harbor_planner.outputs.values import (
    ALL_STATIONS_KEYS,
    BANDS,
    all_stations_note,
    band_rows,
)
from harbor_planner.settings import WALK_DIRECTION_LABELS, WALK_DIRECTIONS

__all__ = [
    "DEMAND_KIND_LABELS",
    "ROAD_CLASS_ZH",
    "WALK_MODEL_LABELS",
    "bool_text",
    "demand_kind_text",
    "parameter_rows",
    "road_class_text",
    "status_headline",
    "summary_rows",
    "walk_direction_text",
    "walk_model_text",
    "walk_route_text",
]

#: (Chinese, English) walk models in words; ``hilly-nodem``: hilly asked for without a DEM.
WALK_MODEL_LABELS: dict[str, tuple[str, str]] = {
    "flat": ("平地步行（不计台阶、坡度）", "flat ground (no stairs or slopes)"),
    "stairs": ("含台阶、扶梯（不计坡度）", "stairs and escalators (no slopes)"),
    "hilly": ("含台阶、坡道、扶梯（地形高程）", "stairs, slopes and escalators (terrain)"),
    "hilly-nodem": (
        "含台阶、扶梯（无高程数据，不计坡度）",
        "stairs and escalators (no DEM: no slopes)",
    ),
}
#: The walk along the network, in the sentence comparing it with circles.
_ROUTE_TEXT: dict[str, tuple[str, str]] = {
    "flat": (
        "沿实际路网（按平地步行，不计台阶与坡度）",
        "along the real network (as on flat ground)",
    ),
    "stairs": (
        "沿实际路网（含台阶、扶梯，不计坡度）",
        "along the real network (stairs and escalators; slopes not modelled)",
    ),
    "hilly": (
        "沿实际路网（含台阶、坡道、扶梯）",
        "along the real network (stairs, slopes, escalators)",
    ),
    "hilly-nodem": (
        "沿实际路网（含台阶、扶梯，无高程数据，不计坡度）",
        "along the real network (stairs and escalators; no DEM, slopes not modelled)",
    ),
}
#: (Chinese, English) demand kinds.
DEMAND_KIND_LABELS: dict[str, tuple[str, str]] = {
    "main-streets": ("主干道", "main streets"),
    "buildings": ("建筑（按建筑面积估算人口）", "buildings (population by floor area)"),
    "points": ("需求点", "demand points"),
    "grid": ("网格", "grid cells"),
}
#: Chinese names of OSM road classes (main-street demand).
ROAD_CLASS_ZH: dict[str, str] = {
    "motorway": "高速公路", "trunk": "快速路", "primary": "主干路", "secondary": "次干路",
    "tertiary": "支路", "pedestrian": "步行街", "residential": "居住区道路",
    "living_street": "生活街道", "unclassified": "未分级道路", "service": "服务道路",
    "footway": "人行道", "steps": "台阶", "path": "小路", "corridor": "室内通道",
    "track": "机耕路", "cycleway": "自行车道", "bridleway": "马道", "busway": "公交专用道",
    "elevator": "电梯", "platform": "站台", "road": "未分类道路",
}  # fmt: skip
#: Chinese labels of the demand details (``demand_info``) shown in the summary.
_DEMAND_INFO_ZH: dict[str, str] = {
    "classes": "主干道等级", "spacing_m": "需求点间距(米)", "edges": "主干道路段数",
    "length_km": "主干道长度(公里)", "length_km_by_class": "主干道长度(公里)",
    "cell_m": "网格边长(米)", "max_dist_m": "距路网上限(米)", "cells": "网格数",
    "cells_in_box": "外包矩形网格数", "area_km2": "面积(平方公里)", "points": "需求点数",
    "weight_column": "权重字段", "dropped_outside_chongqing": "重庆市外剔除点数",
    "floor_area_m2": "建筑面积(㎡)", "levels_source": "层数来源",
    "within": "研究范围", "clipped": "离网剔除", "area": "范围", "points_dropped": "剔除点数",
    "weight_dropped": "剔除需求量",
}  # fmt: skip
_CRS_TEXT: dict[str, tuple[str, str]] = {
    "gcj02": ("GCJ-02（高德/腾讯）", "GCJ-02 (AMap)"),
    "bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "wgs84": ("WGS-84（GPS）", "WGS-84 (GPS)"),
}
_ZH = {
    "bool": ("是", "否"), "minutes": "分钟", "kmh": "公里/小时", "m": "米", "s": "秒",
    "sep": "、", "every": "每 {v} 米", "cell": "边长 {v} 米",
}  # fmt: skip
_EN = {
    "bool": ("yes", "no"), "minutes": "min", "kmh": "km/h", "m": "m", "s": "s",
    "sep": ", ", "every": "every {v} m", "cell": "of {v} m",
}  # fmt: skip


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _words(lang: str) -> dict[str, Any]:
    return _ZH if lang == "zh" else _EN


def bool_text(value: Any, lang: str) -> str:
    """是/否 (yes/no)."""
    yes, no = _words(lang)["bool"]
    return yes if bool(value) else no


def _model_key(kind: Any, dem: Any) -> str:
    kind = str(kind or "stairs")
    if kind == "hilly" and dem is not None and not bool(dem):
        return "hilly-nodem"
    return kind if kind in WALK_MODEL_LABELS else "stairs"


def walk_model_text(kind: Any, lang: str, *, dem: Any = None) -> str:
    """The walk model in words: slopes only for ``hilly`` with a DEM.

    Parameters
    ----------
    kind
        ``flat``, ``stairs`` or ``hilly``.
    lang
        ``"zh"`` or ``"en"``.
    dem
        Whether elevation from a DEM was used (``None``: as the model implies).

    Returns
    -------
    str

    """
    return _pick(WALK_MODEL_LABELS[_model_key(kind, dem)], lang)


def walk_direction_text(direction: Any, lang: str) -> str:
    """Which way the walks were timed, in words (``from-station`` or ``to-station``).

    Parameters
    ----------
    direction
        A value of :data:`~harbor_planner.settings.WALK_DIRECTIONS` (``None``: the default).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    key = direction or WALK_DIRECTIONS[0]
    return WALK_DIRECTION_LABELS["zh" if lang == "zh" else "en"].get(str(key), str(key))


def walk_route_text(kind: Any, lang: str, *, dem: Any = None) -> str:
    """The walk along the network in words: slopes only for hilly with a DEM.

    Parameters
    ----------
    kind, lang, dem
        As for :func:`walk_model_text`.

    Returns
    -------
    str

    """
    return _pick(_ROUTE_TEXT[_model_key(kind, dem)], lang)


def demand_kind_text(kind: Any, lang: str) -> str:
    """The demand kind in words (``main-streets`` → 主干道)."""
    pair = DEMAND_KIND_LABELS.get(str(kind))
    return str(kind) if pair is None else _pick(pair, lang)


def _num(v: Any) -> str:
    f = float(v)
    return f"{f:g}" if math.isfinite(f) else "-"


def _file_name(v: Any, lang: str = "zh") -> str:
    if isinstance(v, list | tuple):  # several files (stations.file = [...]): each named
        return ("、" if lang == "zh" else ", ").join(_file_name(x) for x in v)
    text = str(v)
    if text.startswith("place:"):
        return text
    return PurePath(text).name or text


def _spec_text(spec: Any, lang: str) -> str:
    """``main-streets`` → 主干道; ``grid:100`` → 网格 边长 100 米; ``points:PATH`` → 需求点.

    Several demands (``buildings:A + buildings:B``) are each named: 建筑（A、B）.
    """
    parts = [p.strip().partition(":") for p in str(spec).split(" + ")]
    kinds = {kind for kind, _, _ in parts}
    if len(kinds) > 1 or (len(parts) > 1 and ("grid" in kinds or not all(r for *_, r in parts))):
        return " + ".join(_spec_text("".join(p), lang) for p in parts)
    kind, rests = kinds.pop(), [r for *_, r in parts]
    words = demand_kind_text(kind, lang)
    if not rests[0]:
        return words
    if kind == "grid":
        return f"{words} {_words(lang)['cell'].format(v=rests[0])}"
    return words + _bracketed(_file_name(rests if len(rests) > 1 else rests[0], lang), lang)


def _bracketed(text: str, lang: str) -> str:
    """``（text）`` in Chinese, `` (text)`` in English."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def road_class_text(value: Any) -> str:
    """The Chinese name of an OSM road class (``trunk_link`` → 快速路连接道)."""
    text = str(value)
    base, link = (text[:-5], True) if text.endswith("_link") else (text, False)
    name = ROAD_CLASS_ZH.get(base)
    if name is None:
        return "其他道路"
    return name + ("连接道" if link else "")


#: ``solver_info.budgets`` in words.
_BUDGETS = {
    "steps": ("按步数停止（各机器结果相同）", "by their steps (the same on every machine)"),
    "time": ("按时间预算停止", "by time budgets"),
}


def _value(key: str, value: Any, lang: str) -> Any:
    """A summary value in ``lang``: numbers stay numbers, words become words."""
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return bool_text(value, lang)
    if last == "walk_model":
        return walk_model_text(value, lang)
    if last == "demand_kind":
        return demand_kind_text(value, lang)
    if last == "demand_spec":
        return _spec_text(value, lang)
    if last == "time_budgets_hit" and lang == "zh":
        zh = {"swap search": "交换搜索", "Lagrangian bound": "拉格朗日界",
              "whole-plan bound": "全方案上界"}  # fmt: skip
        return "、".join(zh.get(v, v) for v in value)
    if last == "budgets":  # what stopped the swap search and the bound
        return _pick(_BUDGETS.get(value, (value, value)), lang)
    if last == "bound_scope" and lang == "zh":  # "the best plan of all N sites at once"
        n = re.search(r"\d+", str(value))
        return f"一次选出全部 {n.group()} 处的最优方案" if n else value
    if isinstance(value, list | tuple):
        items = [road_class_text(v) if lang == "zh" else str(v) for v in value]
        return _words(lang)["sep"].join(items)
    if isinstance(value, str):
        return value_text(value, lang)
    return value


_UNITS_EN = {"pct": "%", "kmh": "km/h", "km2": "km²", "km": "km", "m": "m", "min": "min", "s": "s"}


def _english_label(key: str) -> str:
    """A summary key in words, not a JSON key (probe 17F).

    ``demand_info.length_km_by_class.primary`` reads "Demand info – length (km) by class –
    primary".
    """
    if key in SUMMARY_EN:
        return SUMMARY_EN[key]
    units = "|".join(sorted(_UNITS_EN, key=len, reverse=True))

    def words(part: str) -> str:
        part = re.sub(rf"_({units})(?=_|$)", lambda m: f" ({_UNITS_EN[m.group(1)]})", part)
        return part.replace("_", " ").strip()

    text = re.sub(r"\bdem\b", "DEM", " – ".join(words(p) for p in key.split(".")))
    return text[:1].upper() + text[1:]


def _summary_label(key: str, lang: str) -> str | None:
    """The label of a summary key in ``lang`` (``None``: a detail without one, left out).

    English shows the figures the Chinese table shows (a detail without a Chinese label is
    left out of both), labelled in words.
    """
    if lang != "zh":
        return None if _summary_label(key, "zh") is None else _english_label(key)
    if key in SUMMARY_ZH:
        return SUMMARY_ZH[key]
    if key.startswith("demand_info."):
        parts = key.split(".")[1:]
        head = _DEMAND_INFO_ZH.get(parts[0])
        if head is None or any(p not in _DEMAND_INFO_ZH and not _road_zh(p) for p in parts):
            return None
        tail = [_road_zh(p) or _DEMAND_INFO_ZH[p] for p in parts[1:]]
        return head + "".join(f"（{t}）" for t in tail)
    return _grades_label(key)  # None: a detail without a Chinese label, left out


def _road_zh(value: str) -> str | None:
    """A road class in Chinese, its ``_link`` too (主干路连接道); ``None``: not a class.

    The ``_link`` classes were dropped from the workbook's main-street lengths (42 of the
    demo's 381.4 km: probe 17F).
    """
    base = value.removesuffix("_link")
    return None if base not in ROAD_CLASS_ZH else road_class_text(value)


_CAP_FIELDS_ZH = {"edges": "路段数", "km": "长度(公里)", "cap_pct": "坡度上限(%)"}


def _grades_label(key: str) -> str | None:
    """Chinese labels of ``network_grades.*`` (by grade source, by road class)."""
    parts = key.split(".")
    if parts[:2] == ["network_grades", "length_km_by_source"] and len(parts) == 3:
        source = GRADE_SOURCE_ZH.get(parts[2])
        return None if source is None else f"路网长度(公里)（坡度来源：{source}）"
    if parts[:2] == ["network_grades", "above_cap_by_class"] and len(parts) == 4:
        field = _CAP_FIELDS_ZH.get(parts[3])
        if field is None:
            return None
        # a class without a Chinese name keeps its row, named by its tag (probe 22M: the
        # rows left out of the workbook did not add up to the total)
        road = ROAD_CLASS_ZH.get(parts[2]) or f"其他道路 {parts[2]}"
        return f"坡度超限（{road}）{field}"
    return None


def _flat(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        if isinstance(v, Mapping) and v:
            out.extend(_flat(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", v))
    return out


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return isinstance(value, Mapping | list | tuple) and not value


def summary_rows(summary: Mapping[str, Any], lang: str) -> list[tuple[str, str, Any]]:
    """The figures of a summary as ``(key, label, value)`` rows in ``lang``.

    ``coverage_by_status`` becomes one row per scope ("覆盖率(%)（已建成）" ...); unset values
    and demand details without a label are left out; booleans read 是/否.

    Parameters
    ----------
    summary
        A coverage summary or a selection summary (timings already removed).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of (str, str, object)

    """
    rows: list[tuple[str, str, Any]] = []
    scopes = summary.get("coverage_by_status") or []
    plain = {k: v for k, v in summary.items() if k not in ("coverage_by_status", BANDS)}
    if "coverage_by_status" in summary and not scopes:  # no status given: nothing is "built"
        plain.pop("coverage_built_pct", None)
    every = all_stations_note(summary, lang)
    for key, value in _flat(plain):
        label = _summary_label(key, lang)
        if label is None or _missing(value):
            continue
        label += every if key in ALL_STATIONS_KEYS else ""
        rows.append((key, label, _value(key, value, lang)))
    rows += band_rows(summary, lang, every)
    for entry in scopes:
        name = entry["label"] if lang == "zh" else entry.get("label_en", entry["label"])
        key = "coverage_by_status." + "+".join(entry["statuses"])
        head = "覆盖率(%)" if lang == "zh" else "Coverage (%)"
        rows.append((key, f"{head}（{name}）" if lang == "zh" else f"{head} ({name})",
                     entry["coverage_pct"]))  # fmt: skip
    return rows


def status_headline(summary: Mapping[str, Any], lang: str) -> str:
    """The coverage by built stations, with building/proposed beside it ("已建成站点覆盖 ...").

    The last figure (all the stations used, ``coverage_pct``) carries its sensitivity range.

    Parameters
    ----------
    summary
        A coverage summary with ``coverage_by_status`` (else ``coverage_pct`` alone).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    from harbor_planner.outputs.ranges import pct_with_range, range_text

    scopes = summary.get("coverage_by_status") or []
    if not scopes:
        return pct_with_range(dict(summary), lang)
    first, last = scopes[0], scopes[-1]
    pct = first["coverage_pct"] or 0.0
    text = (
        f"已建成站点覆盖 {pct1(pct)} %" if lang == "zh" else f"built stations cover {pct1(pct)} %"
    )
    unknown = (summary.get("stations_by_status") or {}).get("unknown") or 0
    if unknown:  # the built figure counts them: said beside it, as the CLI does (probe 19Z)
        text += (
            f"（含 {unknown} 个未注明状态、按已建成计的站点）"
            if lang == "zh"
            else f" ({unknown} without a status counted as built)"
        )
    if len(scopes) > 1:
        more = last["coverage_pct"] or 0.0
        name = last["label"] if lang == "zh" else last.get("label_en", last["label"])
        text += f"；{name} {pct1(more)} %" if lang == "zh" else f"; {name}: {pct1(more)} %"
    return text + range_text(dict(summary), lang)  # the range of all the stations used


# --------------------------------------------------------------------------- parameters

_PARAM_ZH = {
    "title": "情景", "network": "路网", "walk_model": "步行模型", "walk_direction": "步行方向",
    "dem": "高程数据 (DEM)",
    "speed": "步行速度", "minutes": "步行时间上限", "stations": "站点文件", "crs": "站点坐标系",
    "status": "纳入的站点状态", "demand": "需求", "within": "研究范围", "study": "研究范围",
    "candidates": "候选点位", "mode": "选址模式", "add": "新增站点数", "target": "目标覆盖率",
    "solver": "求解器", "time_limit": "求解时间上限", "spacing": "站点最小间距",
    "quota": "区县配额", "budget": "预算", "stages": "分期", "exclude": "排除站点",
    "out": "输出目录", "basemap": "底图", "lang": "语言", "reproducible": "可复现求解",
    "centres": "城市中心", "population": "人口总数（按建筑面积分配）",
}  # fmt: skip
_PARAM_EN = {
    "title": "Scenario", "network": "Network", "walk_model": "Walk model",
    "walk_direction": "Walk direction", "dem": "Elevation (DEM)",
    "speed": "Walking speed", "minutes": "Walking-time limit", "stations": "Station file",
    "crs": "Station coordinates", "status": "Station statuses used", "demand": "Demand",
    "within": "Study area", "study": "Study area", "candidates": "Candidate sites",
    "mode": "Mode", "add": "Sites to add", "target": "Target coverage", "solver": "Solver",
    "time_limit": "Solver time limit", "spacing": "Minimum spacing", "quota": "District quotas",
    "budget": "Budget", "stages": "Stages", "exclude": "Excluded sites", "out": "Output folder",
    "basemap": "Basemap", "lang": "Language", "reproducible": "Reproducible solve",
    "centres": "City centres", "population": "Population (shared by floor area)",
}  # fmt: skip


def _statuses_text(status: Any, lang: str) -> str:
    sep = _words(lang)["sep"]
    if status is None:
        used = ("existing", "building", "proposed")
        note = "（默认）" if lang == "zh" else " (default)"
        return sep.join(status_text(s, lang) for s in used) + note
    items = status.split(",") if isinstance(status, str) else list(status)
    return sep.join(status_text(s.strip(), lang) for s in items)


def _demand_text(d: Mapping[str, Any], lang: str) -> str:
    w = _words(lang)
    text = demand_kind_text(d.get("kind"), lang)
    if d.get("spacing_m") is not None and d.get("kind") == "main-streets":
        text += " " + w["every"].format(v=_num(d["spacing_m"]))
    if d.get("cell_m") is not None and d.get("kind") == "grid":
        text += " " + w["cell"].format(v=_num(d["cell_m"]))
    if d.get("file"):
        text += _bracketed(_file_name(d["file"], lang), lang)
    return text


def _population_text(population: Any, lang: str) -> str | None:
    """``demand.population`` in words: a total, one per district or one per demand file.

    E.g. 渝中区 588,717、江北区 925,800.
    """
    if _missing(population) or population == {}:
        return None

    def people(v: Any) -> str:
        return f"{float(v):,.0f}" if float(v).is_integer() else _num(v)

    sep = _words(lang)["sep"]
    if isinstance(population, Mapping):
        return sep.join(f"{k} {people(v)}" for k, v in population.items())
    if isinstance(population, list | tuple):  # one per demand file (--population repeated)
        return sep.join(people(v) for v in population)
    return people(population)


def _candidates_text(o: Mapping[str, Any], lang: str, osm_network: bool = True) -> str:
    """The candidates as the run took them: street sites, and points of interest from where.

    Probe 19X: "+ 路网兴趣点" was said of a network of line layers (it has none), and the
    metro layer the points of interest came from (``optimize.poi``) was not named.
    """
    spec = o.get("candidates")
    if spec not in (None, "auto"):
        return _file_name(spec)
    v = _num(o.get("candidate_spacing_m") or 200)
    own = ["路网兴趣点" if lang == "zh" else "OSM points of interest"] if osm_network else []
    tail = "".join(f" + {x}" for x in own + [_poi_name(f) for f in o.get("poi") or []])
    if lang == "zh":
        return f"自动：沿街每 {v} 米{tail}"
    return f"automatic: street sites every {v} m{tail}"


def _poi_name(text: Any) -> str:
    """A ``FILE[:CRS[:KIND]]`` point-of-interest source as its file's name."""
    from harbor_planner.candidates.spec import parse_poi_source

    try:
        return _file_name(str(parse_poi_source(str(text)).path))
    except (InputDataError, ValueError):  # as written: a hand-made dict's entry may not parse
        return _file_name(str(text).split("::")[0])


def _optimize_rows(
    o: Mapping[str, Any], lang: str, osm_network: bool = True
) -> list[tuple[str, Any]]:
    w = _words(lang)
    rows: list[tuple[str, Any]] = [
        ("candidates", _candidates_text(o, lang, osm_network)),
        ("mode", value_text(o.get("mode"), lang)),
        # the key of the other mode is unused (a scenario switched by --set keeps it)
        ("add", o.get("add") if o.get("mode") != "cover" else None),
        (
            "target",
            None
            if o.get("target_pct") is None or o.get("mode") != "cover"
            else f"{_num(o['target_pct'])} %",
        ),
        ("solver", value_text(o.get("solver"), lang)),
    ]
    if o.get("solver") == "exact" and o.get("time_limit_s") is not None:
        rows.append(("time_limit", f"{_num(o['time_limit_s'])} {w['s']}"))
    if o.get("min_spacing_m") is not None:
        by = {"line": ("直线", "straight line"), "walk": ("步行", "on foot")}
        how = _pick(by.get(o.get("spacing_by") or "line", by["line"]), lang)
        rows.append(("spacing", f"{_num(o['min_spacing_m'])} {w['m']}（{how}）" if lang == "zh"
                     else f"{_num(o['min_spacing_m'])} m ({how})"))  # fmt: skip
    if o.get("quota") is not None:
        rows.append(("quota", _quota_text(o, lang)))
    for key in ("exclude", "budget"):
        if o.get(key) is not None:
            v = o[key]
            rows.append((key, _file_name(v) if isinstance(v, str) else v))
    if o.get("stages"):
        rows.append(("stages", _stages_text(o["stages"], w["sep"])))
    if o.get("reproducible"):
        rows.append(("reproducible", _value("solver_info.budgets", "steps", lang)))
    return rows


def _quota_text(o: Mapping[str, Any], lang: str) -> Any:
    """The quota table, and the column it splits the sites by (probe 19X: not named)."""
    v = o["quota"]
    name = _file_name(v) if isinstance(v, str) else v
    col = o.get("quota_column")
    if not col:
        return name
    return (
        f"{name}（按 {col} 列比例分配）"
        if lang == "zh"
        else (f"{name} (split in proportion to its {col} column)")
    )


def _osm_network(source: Any) -> bool:
    """Whether the walk network was built from an OSM file (whose POIs are candidates)."""
    from harbor_planner.network.osm import is_osm_path

    sources = source if isinstance(source, list | tuple) else [source]
    return any(isinstance(x, str) and is_osm_path(x) for x in sources)


def _stages_text(stages: Any, sep: str) -> str:
    """The roll-out as ``2025: 5、2026: 5`` (given as ``"2025:5,2026:5"`` or a table)."""
    from harbor_planner.optimize import parse_stages

    if isinstance(stages, str):
        pairs = parse_stages(stages)
    elif isinstance(stages, Mapping):
        pairs = [(str(k), v) for k, v in stages.items()]
    else:
        return sep.join(str(s) for s in stages)
    return sep.join(f"{label}: {count}" for label, count in pairs)


def _study_rows(p: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    """The study area, wherever the scenario names it (``demand.within`` or a study section).

    Each setting of ``[study]`` is named ("需求占比低于 0.5% 的区县标为需求过少"), not its bare
    value.
    """
    rows: list[tuple[str, Any]] = []
    within = _section(p, "demand").get("within")
    if within:
        rows.append(("within", _file_name(within)))
    study = _section(p, "study")
    zh = lang == "zh"
    shown = []
    districts = study.get("districts")
    if not _missing(districts):
        items = districts if isinstance(districts, list | tuple) else [districts]
        shown.append(_words(lang)["sep"].join(map(str, items)))
    if study.get("area"):
        shown.append(_file_name(study["area"]))
    if shown and study.get("confine") is False:
        shown.append("不限定需求、候选点与区县表" if zh else "demand, sites, tables not confined")
    share, points = study.get("min_district_share_pct"), study.get("min_district_points")
    small = "的区县标为需求过少" if zh else "marked too small"
    if shown and not _missing(share):
        shown.append(f"需求占比低于 {_num(share)}% {small}" if zh
                     else f"districts under {_num(share)} % of the demand {small}")  # fmt: skip
    if shown and not _missing(points):
        shown.append(f"需求点少于 {_num(points)} 个{small}" if zh
                     else f"districts under {_num(points)} demand points {small}")  # fmt: skip
    if shown:
        rows.append(("study", "；".join(shown) if zh else "; ".join(shown)))
    return rows


def _crs_text(crs: Any, lang: str) -> str | None:
    """The stations' datum in words; one per file when a list (``["gcj02", "bd09"]``)."""
    if isinstance(crs, list | tuple):
        return _words(lang)["sep"].join(str(_crs_text(c, lang)) for c in crs) or None
    if isinstance(crs, str) and crs in _CRS_TEXT:
        return _pick(_CRS_TEXT[crs], lang)
    return None if crs is None else str(crs)


def _centres_row(p: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    """The city centres' file, radius and datum (``[centres]``), when the scenario has them."""
    c = _section(p, "centres")
    if not c.get("file"):
        return []
    crs = c.get("crs")
    crs_text = _pick(_CRS_TEXT[crs], lang) if crs in _CRS_TEXT else crs
    radius = "" if _missing(c.get("radius_m")) else _num(c["radius_m"])
    if lang == "zh":
        text = f"{_file_name(c['file'])}，半径 {radius} 米" + (f"，坐标系 {crs_text}" * bool(crs))
    else:
        text = f"{_file_name(c['file'])}, radius {radius} m" + (f", {crs_text}" if crs else "")
    return [("centres", text)]


def parameter_rows(
    parameters: Mapping[str, Any], lang: str, *, summary: Mapping[str, Any] | None = None
) -> list[tuple[str, str | int]]:
    """The settings that matter as ``(label, text)`` rows: no JSON, unset ones left out.

    Parameters
    ----------
    parameters
        ``Scenario.to_dict()`` (secrets already redacted).
    lang
        ``"zh"`` or ``"en"``.
    summary
        The coverage summary: the walk model, speed and elevation the figures rest on are
        its own (a scenario without ``walk_model`` is timed ``hilly`` when it has a DEM).

    Returns
    -------
    list of (str, str or int)
        Labels and values in words; whole numbers (sites to add, budget) stay numbers.

    """
    p = parameters
    w = _words(lang)
    net, st = _section(p, "network"), _section(p, "stations")
    cov, out = _section(p, "coverage"), _section(p, "output")
    dem, eff = net.get("dem"), summary or {}
    model = eff.get("walk_model") or net.get("walk_model")
    # slopes from a DEM time the walks only under the hilly model (walk_dem: the network has
    # elevation, which a flat or stairs model does not use)
    used_dem = model == "hilly" and (bool(eff["walk_dem"]) if "walk_dem" in eff else bool(dem))
    speed = eff.get("walk_speed_kmh", net.get("walk_speed_kmh"))
    rows: list[tuple[str, Any]] = [
        ("title", p.get("title") or None),
        ("network", _file_name(net["source"], lang) if net.get("source") else None),
        ("walk_model", walk_model_text(model, lang, dem=used_dem)),
        ("walk_direction", walk_direction_text(net["walk_direction"], lang)
         if net.get("walk_direction") else None),
        ("dem", _file_name(dem) if dem and used_dem else None),
        ("speed", None if speed is None else f"{_num(speed)} {w['kmh']}"),
        ("minutes", None if cov.get("minutes") is None
         else f"{_num(cov['minutes'])} {w['minutes']}"),
        ("stations", _file_name(st["file"], lang) if st.get("file") else None),
        ("crs", _crs_text(st.get("crs"), lang)),
        ("status", _statuses_text(st.get("status"), lang) if st else None),
        ("demand", _demand_text(_section(p, "demand"), lang) if _section(p, "demand") else None),
        ("population", _population_text(_section(p, "demand").get("population"), lang)),
        *_study_rows(p, lang),
        *_centres_row(p, lang),
    ]  # fmt: skip
    opt = p.get("optimize")
    if isinstance(opt, Mapping) and opt.get("enabled", True):
        rows += _optimize_rows(opt, lang, _osm_network(net.get("source")))
    basemap = MAP_TEXT.get(f"basemap_{out.get('basemap')}", ("无", "none"))
    language = {"zh": "中文", "en": "English"}.get(out.get("lang"), out.get("lang"))
    rows += [
        ("out", out.get("dir")),
        ("basemap", _pick(basemap, lang) if out else None),
        ("lang", language),
    ]
    names = _PARAM_ZH if lang == "zh" else _PARAM_EN
    shown = [(names[k], _show(v, lang)) for k, v in rows if not _missing(v) and v != ""]
    return shown + _other_rows(p, lang)


def _section(p: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = p.get(name)
    return value if isinstance(value, Mapping) else {}


_SECTIONS = ("title", "description", "network", "stations", "demand", "coverage", "optimize",
             "output", "study", "centres")  # fmt: skip


def _other_rows(p: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """Settings outside the scenario's sections (a free parameter dict), in words."""
    rows = []
    for key, value in p.items():
        handled = key in ("title", "description") or isinstance(value, Mapping)
        if (key in _SECTIONS and handled) or _missing(value):
            continue
        if isinstance(value, Mapping) and all(_missing(v) for v in value.values()):
            continue  # a section with nothing set ([run] of a run in one process)
        if key == "demand":
            value, key = demand_kind_text(value, lang), "demand_kind"
        label = SUMMARY_ZH.get(key, key) if lang == "zh" else key
        if isinstance(value, Mapping):
            parts = [f"{k}: {_show(_value(k, v, lang), lang)}" for k, v in value.items()
                     if not _missing(v)]  # fmt: skip
            text = "；".join(parts) if lang == "zh" else "; ".join(parts)
        else:
            text = _show(_value(key, value, lang), lang)
        rows.append((label, text))
    return rows


def _show(value: Any, lang: str) -> str | int:
    """A setting's value as shown: words, or a whole number kept a number.

    A workbook cell of 新增站点数 was the text '60' (probe 19X).
    """
    if isinstance(value, bool):
        return bool_text(value, lang)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _num(value)
    return str(value)
