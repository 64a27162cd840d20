"""The study area in the report: what it is, and the districts whose figures are published.

Districts marked ``outside`` (研究范围外), ``no_network`` (路网未覆盖), ``no_demand`` (无需求),
``too_small`` (需求过少) or ``partial`` (路网仅覆盖部分, with the share of their area the network
reaches) by :func:`harbor_planner.study_area.district_status` are named as such in the
district table and left out of the lowest and highest district figures of the text.
"""

from __future__ import annotations

from typing import Any

from harbor_planner.outputs.labels import value_text
from harbor_planner.outputs.values import esc, is_missing, num_text, pct_text
from harbor_planner.settings import (
    DISTRICT_STATUS_LABELS,
    OUTSIDE_CHONGQING,
    OUTSIDE_DISTRICTS,
    OUTSIDE_LABELS_ZH,
    STUDY_AREA_LABEL,
)

__all__ = ["district_name_text", "study_area_note"]

_TEXT = {
    "zh": {
        "area": "{label}：{names}（{km2} km²）。",
        "none": "未指定研究范围：列出需求所在的全部区县。",
        "range": "覆盖率最低的区县为{low}（{low_pct}），最高的为{high}（{high_pct}）。",
        "one": "{name}的覆盖率为{pct}。",
        "marked": "未计入区县比较（{what}）：{names}。",
        "partial": "{what}；括号内为路网所及面积占其面积的比例",
        "share": "{name}（{pct}）",
        "scope": "本表覆盖率按所用全部站点（{scope}）计算；仅已建成站点的覆盖率为{built}。",
        "beyond": "需求中有{pct}（{amount}）距路网中任何可步行街道超出吸附距离，按未覆盖计；"
        "路网不含其街道时，请用包含这些街道的文件建路网。",
        "sep": "、",
    },
    "en": {
        "area": "{label}: {names} ({km2} km²). ",
        "none": "No study area given: every district holding demand is listed. ",
        "range": "Lowest district coverage: {low} ({low_pct}); highest: {high} ({high_pct}). ",
        "one": "Coverage of {name}: {pct}. ",
        "marked": "Not compared ({what}): {names}. ",
        "partial": "{what}; in brackets the share of its area the network reaches",
        "share": "{name} ({pct})",
        "scope": "Coverage in this table counts every station used (built {scope}); the built "
        "stations alone cover {built}. ",
        "beyond": "{pct} of the demand ({amount}) lies farther than the snapping distance from "
        "every walkable street of the network and counts as not covered; where the network "
        "lacks those streets, build it from files that hold them. ",
        "sep": ", ",
    },
}


def district_text(name: Any, lang: str) -> str:
    """A district's name as shown: the rows of demand in no district in the language.

    Parameters
    ----------
    name
        A district name (``settings.OUTSIDE_DISTRICTS``, ``OUTSIDE_CHONGQING`` included).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    text = "" if is_missing(name) else str(name)
    return OUTSIDE_LABELS_ZH.get(text, text) if lang == "zh" else text


def district_name_text(row: Any, lang: str) -> str:
    """A district table's name cell: the name, and its status when it is not in the study.

    Parameters
    ----------
    row
        A row of ``by_district`` (``district``, optionally ``status`` as a code).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        Plain text (escape it).

    """
    name = district_text(row.get("district"), lang)  # in no district: in words (probe 18R)
    status = row.get("status")
    if is_missing(status) or status == "study" or status not in DISTRICT_STATUS_LABELS:
        return name
    return f"{name}（{DISTRICT_STATUS_LABELS[status][0]}）" if lang == "zh" else (
        f"{name} ({DISTRICT_STATUS_LABELS[status][1]})"
    )  # fmt: skip


def _marked_sentences(bd: Any, partial: dict[str, float], lang: str) -> list[str]:
    """One sentence per status of the districts not compared, naming them.

    A ``partial`` district says the share of its area the network reaches (probe 27A).
    """
    t, k = _TEXT["zh" if lang == "zh" else "en"], 0 if lang == "zh" else 1
    out = []
    for code in ("outside", "no_network", "no_demand", "too_small", "partial"):
        names = bd.loc[bd["status"] == code, "district"].astype(str).tolist()
        what = DISTRICT_STATUS_LABELS[code][k]
        if code == "partial" and names:
            what = t["partial"].format(what=what)
            names = [t["share"].format(name=n, pct=pct_text(partial[n])) if n in partial
                     else n for n in names]  # fmt: skip
        if names:
            out.append(t["marked"].format(what=what, names=t["sep"].join(names)))
    return out


def study_area_note(cov: Any, lang: str) -> str:
    """A paragraph (HTML) naming the study area and the lowest and highest district coverage.

    Only districts of the study with enough demand (status ``study``) are compared; the
    others are named as not compared.

    Parameters
    ----------
    cov
        A :class:`~harbor_planner.analysis.coverage.CoverageResult`.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        ``<p class="study-area">...</p>``, or ``""`` without a district table.

    """
    t = _TEXT["zh" if lang == "zh" else "en"]
    k = 0 if lang == "zh" else 1
    area = (cov.summary or {}).get("study_area")
    parts = []
    if area:
        names = t["sep"].join(area.get("districts") or [])
        if area.get("file"):
            names = f"{area['file']}" + (f" ({names})" if names else "")
        parts.append(
            t["area"].format(
                label=STUDY_AREA_LABEL[k], names=names, km2=num_text(area["area_km2"], 2)
            )
        )
    else:
        parts.append(t["none"])
    bd = cov.by_district
    if bd is None or not len(bd) or "district" not in bd:
        return ""
    shown = bd if "status" not in bd else bd[bd["status"] == "study"]
    shown = shown[~shown["coverage_pct"].isna()]
    # the demand in no district (of the layer, of Chongqing) is no district (probe 18R)
    shown = shown[~shown["district"].isin([OUTSIDE_DISTRICTS, OUTSIDE_CHONGQING])]
    if len(shown) == 1:
        row = shown.iloc[0]
        parts.append(t["one"].format(name=row["district"], pct=pct_text(row["coverage_pct"])))
    elif len(shown) > 1:
        ordered = shown.sort_values(["coverage_pct", "district"])
        low, high = ordered.iloc[0], ordered.iloc[-1]
        parts.append(
            t["range"].format(
                low=low["district"],
                low_pct=pct_text(low["coverage_pct"]),
                high=high["district"],
                high_pct=pct_text(high["coverage_pct"]),
            )
        )
    summary = cov.summary or {}
    if "status" in bd:
        parts += _marked_sentences(bd, summary.get("districts_partial") or {}, lang)
    if (summary.get("beyond_network_pct") or 0) >= 0.05:  # as the headline: "0.0 %" is none
        amount = num_text(summary.get("demand_beyond_network"), 0)
        unit = summary.get("demand_unit") or ""
        unit = value_text(unit, lang) if unit != "weight" else ""  # a bare weight: no unit
        amount = f"{amount} {unit}" if unit else amount
        parts.append(t["beyond"].format(pct=pct_text(summary["beyond_network_pct"]),
                                        amount=amount))  # fmt: skip
    scopes = summary.get("coverage_by_status") or []
    if len(scopes) > 1:  # the table counts more than the built stations of the headline
        scope = scopes[-1]["label"] if lang == "zh" else scopes[-1]["label_en"]
        parts.append(t["scope"].format(scope=scope, built=pct_text(scopes[0]["coverage_pct"])))
    return f'<p class="study-area">{esc("".join(parts).strip())}</p>'
