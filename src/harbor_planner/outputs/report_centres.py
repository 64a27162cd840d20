"""The city-centre table of the reports: coverage around each centre (城市中心覆盖).

:func:`centres_section` is the HTML section of ``report.html``, :func:`centres_frame` the
table of the ``report.xlsx`` sheet; both take the table of
:func:`harbor_planner.analysis.centres.centre_coverage` (or the study's centres layer).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harbor_planner.outputs.values import esc, is_missing, num_text, pct_text

__all__ = ["CENTRE_TABLE_COLUMNS", "centres_frame", "centres_section"]

#: Columns of the centre table, in order (``coverage_after_pct`` only when optimised,
#: ``district`` when the pipeline located the centres).
CENTRE_TABLE_COLUMNS: tuple[str, ...] = (
    "name", "district", "lon", "lat", "radius_m", "demand_total", "demand_covered", "coverage_pct",
    "coverage_built_pct", "coverage_after_pct",
)  # fmt: skip


def centres_frame(centres: Any) -> pd.DataFrame | None:
    """The centre table without geometry, in :data:`CENTRE_TABLE_COLUMNS` order.

    Parameters
    ----------
    centres
        Centre coverage table or layer, or ``None``.

    Returns
    -------
    pandas.DataFrame or None

    """
    if centres is None:
        return None
    cols = [c for c in CENTRE_TABLE_COLUMNS if c in centres]
    return pd.DataFrame(centres[cols]).reset_index(drop=True)


def _cell(col: str, value: Any) -> tuple[str, bool]:
    if is_missing(value):
        return "-", col != "name"
    if col in ("name", "district"):
        return esc(value), False
    if col in ("lon", "lat"):
        return f"{float(value):.5f}", True
    if col.endswith("_pct"):
        return esc(pct_text(value)), True
    return esc(num_text(value, 0 if col == "radius_m" else 1)), True


def centres_section(centres: Any, lab: dict[str, str]) -> list[str]:
    """The ``<section id="centres">`` of ``report.html`` (empty without centres).

    Parameters
    ----------
    centres
        Centre coverage table or layer, or ``None``.
    lab
        The report's labels (:func:`harbor_planner.outputs.labels.report_labels`).

    Returns
    -------
    list of str
        No item or one HTML section.

    """
    frame = centres_frame(centres)
    if frame is None or not len(frame):
        return []
    label = {
        "name": lab["name"], "district": lab["district"],
        "lon": "经度 (WGS-84)" if lab["lang"] == "zh" else "lon (WGS-84)",
        "lat": "纬度 (WGS-84)" if lab["lang"] == "zh" else "lat (WGS-84)",
        "radius_m": lab["radius_m"], "demand_total": lab["demand_total"],
        "demand_covered": lab["demand_covered"], "coverage_pct": lab["coverage_pct_centre"],
        "coverage_after_pct": lab["coverage_after_pct"],
        "coverage_built_pct": lab["coverage_built_centre"],
    }  # fmt: skip
    head = "".join(f"<th>{esc(label[c])}</th>" for c in frame.columns)
    rows = []
    for rec in frame.to_dict("records"):
        cells = [_cell(c, rec[c]) for c in frame.columns]
        rows.append(
            "<tr>"
            + "".join(f'<td class="n">{t}</td>' if n else f"<td>{t}</td>" for t, n in cells)
            + "</tr>"
        )
    return [
        f'<section id="centres"><h2>{esc(lab["centres"])}</h2>'
        f'<p class="note">{esc(lab["centre_text"])}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    ]
