"""Values for display, shared by the HTML report, its charts and the workbook.

Numbers and percentages as text, HTML escaping, workbook cells, flattened summaries and the
per-district table with the coverage after new sites.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._io import jsonable
from harbor_planner._text import clean_text, pct1, redact_secrets

__all__ = [
    "ALL_STATIONS_KEYS",
    "BANDS",
    "all_stations_note",
    "band_rows",
    "bands_card",
    "cell_value",
    "district_frame",
    "district_status_text",
    "esc",
    "flatten",
    "is_missing",
    "num_text",
    "pct_text",
    "points_between",
    "report_parameters",
    "size_text",
]


def esc(value: Any) -> str:
    """HTML-escaped text of any value (``None`` gives ``""``), control characters removed.

    Parameters
    ----------
    value
        Any value; its ``str`` is cleaned (:func:`harbor_planner._text.clean_text`)
        and escaped, quotes included.

    Returns
    -------
    str
        Text safe in HTML content and attribute values.

    """
    return html.escape(clean_text("" if value is None else str(value)), quote=True)


def is_missing(value: Any) -> bool:
    """Whether ``value`` is ``None``, NaN or NA (arrays and lists are not missing).

    Parameters
    ----------
    value
        Any value.

    Returns
    -------
    bool
        True for a missing scalar.

    """
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists
        return False


def num_text(value: Any, digits: int = 1) -> str:
    """A number for display: thousands separators, ``-`` when missing or infinite.

    Parameters
    ----------
    value
        A number (other values are shown as their ``str``).
    digits
        Decimal places of a float (whole floats of 1,000 and more get none; with none, a
        fraction under 10 keeps two significant digits: 0.43, 7.5).

    Returns
    -------
    str
        The text (``∞`` for positive infinity).

    """
    if is_missing(value):
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
        if digits == 1:  # as pct1: the published two-decimal figure, halves up (8.85 -> 8.9)
            two = Decimal(repr(round(v, 2))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            return format(two, ",.1f")
        if digits == 0 and 0 < abs(v) < 10 and v != round(v):
            return f"{v:.2g}"  # a small amount (0.43 w) is not shown as 0 (probe 18R)
        return f"{v:,.{digits}f}"
    return str(value)


def pct_text(value: Any, digits: int = 1) -> str:
    """A percentage for display, e.g. ``62.5%`` (``-`` when missing).

    Parameters
    ----------
    value
        The percentage (0-100).
    digits
        Decimal places.

    Returns
    -------
    str
        The text.

    """
    if is_missing(value):
        return "-"
    return f"{pct1(value)}%" if digits == 1 else f"{float(value):.{digits}f}%"


#: The figures counting every station used (built, under construction, proposed): labelled
#: as such wherever the headline is the built stations' alone (probe 22M: the workbook's
#: 覆盖率 58.8 % beside a 41.3 % headline).
ALL_STATIONS_KEYS: tuple[str, ...] = (
    "demand_covered", "coverage_pct", "euclidean_demand_covered", "euclidean_coverage_pct",
    "overstatement_pct_points", "time_median_min", "time_p90_min", "demand_unreachable",
    "demand_double_covered", "double_coverage_pct",
)  # fmt: skip


def all_stations_note(summary: Any, lang: str) -> str:
    """The note ``（全部 14 个站点）`` where the headline is the built stations' alone.

    ``""`` where it is not (no statuses used).

    Parameters
    ----------
    summary
        A coverage summary (``coverage_by_status`` with two scopes or more: statuses used).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    if len((summary or {}).get("coverage_by_status") or []) < 2:
        return ""
    n = num_text(summary.get("stations_on_network"))
    return f"（全部 {n} 个站点）" if lang == "zh" else f" (all {n} stations)"


def points_between(high: Any, low: Any) -> float | None:
    """``high - low`` in percentage points, of the two percentages as shown (one decimal).

    A difference printed beside its two figures is the reader's own subtraction of them
    (probe 22M: 100.0 % and 87.3 % beside "12.8", taken from 100.00 - 87.25).

    Parameters
    ----------
    high, low
        Percentages (``None``/NaN: missing).

    Returns
    -------
    float or None
        Rounded to one decimal; ``None`` when either is missing.

    """
    if is_missing(high) or is_missing(low):
        return None
    return round(float(pct1(high)) - float(pct1(low)), 1)


def cell_value(value: Any) -> Any:
    """A Python scalar for a workbook cell: numbers stay numbers, missing becomes empty.

    Parameters
    ----------
    value
        Any value; mappings, lists and arrays become JSON text, dates naive datetimes.

    Returns
    -------
    object
        ``None``, a bool, number, string, date or datetime.

    """
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
        return json.dumps(jsonable(value), ensure_ascii=False)
    if is_missing(value):
        return None
    return str(value)


def flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"a": {"b": 1}}`` → ``[("a.b", 1)]``; lists and empty mappings stay values.

    Parameters
    ----------
    d
        A nested mapping.
    prefix
        Prepended to every key.

    Returns
    -------
    list of (str, object)
        Dotted key and value pairs, in order.

    """
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.extend(flatten(v, key + "."))
        else:
            out.append((key, v))
    return out


def size_text(n: int | None) -> str:
    """A file size for display, e.g. ``12.3 KB`` (``-`` when unknown).

    Parameters
    ----------
    n
        Size in bytes.

    Returns
    -------
    str
        The text in B, KB, MB or GB.

    """
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def district_frame(cov: Any, after: Any | None, *, lang: str | None = None) -> pd.DataFrame:
    """``cov.by_district`` with ``sites_added`` and ``coverage_pct_after`` from ``after``.

    Parameters
    ----------
    cov
        A :class:`~harbor_planner.analysis.coverage.CoverageResult` by the stations.
    after
        Coverage by the stations and the new sites, or ``None`` (the table is returned as is).
    lang
        Show the ``status`` of each district (研究范围外, 需求过少...) in this language
        (default: the codes of :data:`harbor_planner.settings.DISTRICT_STATUSES`).

    Returns
    -------
    pandas.DataFrame
        One row per district.

    """
    bd = district_status_text(cov.by_district, lang)
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


def district_status_text(table: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """``table`` with its ``status`` codes as words in ``lang`` (unchanged for ``None``)."""
    from harbor_planner.settings import DISTRICT_STATUS_LABELS

    if lang is None or "status" not in table:
        return table
    k = 0 if lang == "zh" else 1
    words = {code: pair[k] for code, pair in DISTRICT_STATUS_LABELS.items()}
    return table.assign(status=table["status"].map(lambda v: words.get(v, v)))


def report_parameters(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters as the reports show them: secrets redacted.

    ``output.dir`` is kept: the report records the folder the run really wrote to (the
    ``--out`` given), as run.json does.

    Parameters
    ----------
    parameters
        Nested parameters (e.g. ``Scenario.to_dict()``).

    Returns
    -------
    dict
        A copy, :func:`harbor_planner._text.redact_secrets` applied.

    """
    return redact_secrets(dict(parameters or {}))


#: The summary key of the demand within each map band (``coverage_by_minutes``).
BANDS = "coverage_by_minutes"


def band_rows(summary: Any, lang: str, every: str = "") -> list[tuple[str, str, Any]]:
    """The summary rows of the coverage within each band ("5 分钟内覆盖率(%)"...).

    Parameters
    ----------
    summary
        A coverage summary (``coverage_by_minutes``; none: no rows).
    lang
        ``"zh"`` or ``"en"``.
    every
        The note of the figures counting every station used (:func:`all_stations_note`).

    Returns
    -------
    list of (str, str, object)
        ``(key, label, value)`` rows, the key ``coverage_by_minutes.5``...

    """
    rows = []
    for band in (summary or {}).get(BANDS) or []:
        m = f"{float(band.get('minutes') or 0):g}"
        label = f"{m} 分钟内覆盖率(%)" if lang == "zh" else f"Coverage within {m} min (%)"
        rows.append((f"{BANDS}.{m}", label + every, band.get("coverage_pct")))
    return rows


def bands_card(summary: Any, lang: str) -> tuple[str, str] | None:
    """The report's card of the coverage within each band: ("5 / 10 / 15 分钟内覆盖率", ...).

    ``None`` without bands below the limit (a limit under 5 minutes: the coverage itself).
    """
    bands = (summary or {}).get(BANDS) or []
    if len(bands) < 2:
        return None
    minutes = " / ".join(f"{float(b.get('minutes') or 0):g}" for b in bands)
    label = f"{minutes} 分钟内覆盖率" if lang == "zh" else f"Coverage within {minutes} min"
    return label, " / ".join(pct_text(b.get("coverage_pct")) for b in bands)
