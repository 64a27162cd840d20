"""The headline figure with its sensitivity range, and the DEM's reach, for reports and maps.

The figures come from a coverage summary (see :mod:`harbor_planner.pipeline.sensitivity`):
``coverage_range_pct`` and, for a network with a DEM, ``dem_flat_length_pct`` and
``dem_flat_demand_pct``.
"""

from __future__ import annotations

import math
from typing import Any

from harbor_planner._text import pct1
from harbor_planner.settings import DEM_FLAT_LABELS

__all__ = ["dem_flat_cards", "map_title", "pct_with_range", "range_text"]


def range_text(summary: dict[str, Any], lang: str = "en") -> str:
    """The range of ``coverage_pct``: ``" (range 44-61 %)"``, ``"（范围 44-61 %）"`` or ``""``.

    Parameters
    ----------
    summary
        A coverage summary; without ``coverage_range_pct`` the text is empty, with it
        ``None`` (``coverage.range = false``) it says that no range was measured.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str

    """
    if summary.get("coverage_pct") is None:
        return ""
    if "coverage_range_pct" in summary and summary["coverage_range_pct"] is None:
        # switched off (coverage.range = false): the figure says that it has no range
        return "（未测范围）" if lang == "zh" else " (no range measured)"
    rng = summary.get("coverage_range_pct") or {}
    low, high = rng.get("low"), rng.get("high")
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    # whole percents, rounded outwards so that the range holds the figure (5.2 %: "2-6 %")
    low_pct, high_pct = math.floor(low), math.ceil(high)
    span = f"{low_pct}" if low_pct == high_pct else f"{low_pct}-{high_pct}"
    if lang == "zh":
        return f"（范围 {span} %）"
    return f" (range {span} %)"


def pct_with_range(summary: dict[str, Any], lang: str = "en") -> str:
    """The coverage figure with its range: ``"57.1 % (range 44-61 %)"`` (or in Chinese).

    Parameters
    ----------
    summary
        A coverage summary; without ``coverage_range_pct`` the figure alone.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str

    """
    pct = summary.get("coverage_pct")
    return "-" if pct is None else f"{pct1(pct)} %{range_text(summary, lang)}"


def dem_flat_cards(summary: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """``(label, value)`` of the shares timed flat outside the DEM (none without a DEM).

    Parameters
    ----------
    summary
        A coverage summary.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of (str, str)

    """
    if "dem_flat_demand_pct" not in summary:
        return []
    i = 0 if lang == "zh" else 1
    return [
        (DEM_FLAT_LABELS["demand"][i], f"{pct1(summary['dem_flat_demand_pct'])} %"),
        (DEM_FLAT_LABELS["length"][i], f"{pct1(summary['dem_flat_length_pct'])} %"),
    ]


def walk_basis(summary: dict[str, Any], lang: str) -> str:
    """What the figure rests on, for the map's title: minutes, speed, direction, model, demand.

    Probe 22M: a stairs-model and a hilly map read the same but for the figure. ``summary``
    holds a coverage summary's ``minutes``, ``walk_speed_kmh``, ``walk_direction``,
    ``walk_model``, ``walk_dem`` and ``demand_kind`` (any may be missing).
    """
    from harbor_planner.outputs.wording import demand_kind_text, walk_model_text

    minutes, speed = summary.get("minutes"), summary.get("walk_speed_kmh")
    if minutes is None:
        return ""
    to = summary.get("walk_direction") == "to-station"
    model, kind = summary.get("walk_model"), summary.get("demand_kind")
    if lang == "zh":
        way = "步行前往站点" if to else "从站点步行"
        at = f"，{speed:g}公里/小时" if speed else ""
        rest = f"；{walk_model_text(model, lang, dem=summary.get('walk_dem'))}" if model else ""
        rest += f"；需求：{demand_kind_text(kind, lang)}" if kind else ""
        return f"（{way}{minutes:g}分钟{at}{rest}）"
    way = "walk to the stations" if to else "walk from the stations"
    rest = f"; {walk_model_text(model, lang, dem=summary.get('walk_dem'))}" if model else ""
    rest += f"; demand: {demand_kind_text(kind, lang)}" if kind else ""
    return f" ({minutes:g}-min {way}" + (f", {speed:g} km/h" if speed else "") + f"{rest})"


def map_title(
    title: str | None, coverage: Any, coverage_after: Any = None, lang: str = "en"
) -> str | None:
    """The map's title with the headline, e.g. ``"Yuzhong: 已建成站点覆盖 41.1 %；... → 89.8 %"``.

    The coverage reads as :func:`~harbor_planner.outputs.wording.status_headline` (built
    stations first, the figure with all the stations used beside it, with its range); the
    figure after the new sites follows with its range.

    Parameters
    ----------
    title
        The study's title (or ``None``).
    coverage, coverage_after
        ``CoverageResult`` objects (or ``None``); the figure after the new sites when given.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str or None
        ``title`` unchanged without a coverage.

    """
    from harbor_planner.outputs.wording import status_headline

    summary = getattr(coverage, "summary", None)
    if not summary:
        return title
    figure = status_headline(summary, lang) + walk_basis(summary, lang)
    after = getattr(coverage_after, "summary", None)
    if after:
        figure += (" → 新址后 " if lang == "zh" else " → with the new sites ") + pct_with_range(
            after, lang
        )
    return f"{title}: {figure}" if title else figure
