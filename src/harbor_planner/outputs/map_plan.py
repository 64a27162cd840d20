"""Map layers of a plan and of a study's context.

Demand covered before and after new sites, the remaining gaps, and city centres with their
radius (the study-area outline is :func:`.map_specs.study_area_layer`).

Like :mod:`.map_specs`, each function returns compact layer specs (every string escaped) for
the page's ``hpLayer``; the frames are already in display coordinates
(:func:`~harbor_planner.outputs.map_specs.display_frame`).
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import pandas as pd
import shapely

from harbor_planner._text import pct1
from harbor_planner.errors import InputDataError
from harbor_planner.outputs.labels import map_text
from harbor_planner.outputs.map_specs import (
    CANVAS_THRESHOLD,
    GAP_COLOR,
    column,
    coverage_tip,
    gap_layer,
    html_text,
)

__all__ = [
    "CENTRE_COLOR",
    "COVERED_BEFORE_COLOR",
    "NEWLY_COVERED_COLOR",
    "STUDY_AREA_COLOR",
    "centre_layers",
    "coverage_change_layers",
    "plan_legend_rows",
    "site_gain_columns",
]

#: Demand covered by the stations already (muted), newly covered by the new sites (bright).
COVERED_BEFORE_COLOR = "#60a5fa"
NEWLY_COVERED_COLOR = "#16a34a"
#: City centres: marker and radius circle.
CENTRE_COLOR = "#9333ea"
#: Study-area outline.
STUDY_AREA_COLOR = "#111827"
#: Vertices of a centre's radius circle.
_CIRCLE_SEGMENTS = 16


def _covered(frame: Any) -> np.ndarray:
    return column(frame, "covered").fillna(False).astype(bool).to_numpy()


def coverage_change_layers(before: Any, after: Any, lang: str) -> list[tuple[str, dict]]:
    """Demand covered before, newly covered by the new sites, and still uncovered.

    Parameters
    ----------
    before, after
        The same demand points in display coordinates, with ``covered``: by the stations
        (``CoverageResult.demand``) and by the stations with the new sites.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of (str, dict)
        ``(layer key, spec)`` of ``covered_before``, ``newly_covered`` and
        ``remaining_gaps``, each left out when empty, in drawing order.

    Raises
    ------
    InputDataError
        ``before`` and ``after`` are not the same points.

    """
    if len(before) != len(after):
        raise InputDataError(
            f"demand before ({len(before)} points) and after ({len(after)}) must be the same points"
        )
    was, now = _covered(before), _covered(after)
    groups = (
        ("covered_before", before, was, COVERED_BEFORE_COLOR, "hp-covered-before"),
        ("newly_covered", after, now & ~was, NEWLY_COVERED_COLOR, "hp-newly-covered"),
        ("remaining_gaps", after, ~now, GAP_COLOR, "hp-gap-after"),
    )
    out = []
    for key, frame, mask, color, cls in groups:
        if mask.any():
            part = frame[mask].reset_index(drop=True)
            spec = gap_layer(part, lang, color=color, cls=cls)
            if key == "covered_before":
                spec["style"]["radius"] = 2
                spec["style"]["fillOpacity"] = 0.6
            elif key == "newly_covered":
                spec["style"]["radius"] = 3.5
            out.append((key, spec))
    return out


def site_gain_columns(sites: Any, selection: Any) -> Any:
    """``sites`` with ``gain_pct`` (percentage points) and ``coverage_pct_cum`` per rank.

    Parameters
    ----------
    sites
        Chosen sites with ``rank`` and ``gain`` (:func:`harbor_planner.optimize.output.
        selected_sites`).
    selection
        The :class:`~harbor_planner.optimize.SiteSelection` (its ``total`` and ``curve``).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the two columns (``sites`` unchanged when the figures are missing).

    """
    if sites is None or selection is None or "rank" not in sites or not selection.total:
        return sites
    out = sites.copy()
    gain = pd.to_numeric(column(out, "gain"), errors="coerce").to_numpy(dtype=float)
    out["gain_pct"] = 100.0 * gain / float(selection.total)
    curve = selection.curve
    if curve is not None and {"rank", "coverage_pct"} <= set(curve.columns):
        cum = dict(zip(curve["rank"].astype(int), curve["coverage_pct"].astype(float), strict=True))
        ranks = pd.to_numeric(out["rank"], errors="coerce")
        out["coverage_pct_cum"] = [cum.get(int(r)) if pd.notna(r) else None for r in ranks]
    return out


def _circle(x: float, y: float, radius_m: float) -> dict[str, Any]:
    """A ``radius_m`` circle around lon/lat ``(x, y)`` as GeoJSON (local flat-earth scale)."""
    angles = np.linspace(0.0, 2.0 * np.pi, _CIRCLE_SEGMENTS * 4 + 1)
    dlat = radius_m / 111_320.0
    dlon = dlat / max(np.cos(np.radians(y)), 1e-6)
    ring = np.column_stack([x + dlon * np.cos(angles), y + dlat * np.sin(angles)])
    return json.loads(shapely.to_geojson(shapely.Polygon(np.round(ring, 6))))


def _centre_popups(centres: Any, lang: str) -> tuple[list[str], list[list[str | None]]]:
    cols = ["name", "radius_m", "centre_demand_total", "centre_demand_covered", "coverage_pct"]
    if "district" in centres:
        cols.insert(1, "district")
    for extra in ("coverage_built_pct", "coverage_after_pct"):
        if extra in centres:
            cols.append(extra)
    labels = [map_text(c, lang) for c in cols]
    if "coverage_built_pct" in centres:  # every station used, beside the built ones (22M)
        labels[cols.index("coverage_pct")] += "（全部站点）" if lang == "zh" else " (all stations)"
    source = {"centre_demand_total": "demand_total", "centre_demand_covered": "demand_covered"}
    rows = []
    for rec in centres.to_dict("records"):
        vals = []
        for c in cols:
            v = rec.get(source.get(c, c))
            vals.append(f"{pct1(v)} %" if c.endswith("_pct") and v is not None and v == v else
                        html_text(v))  # fmt: skip
        rows.append(vals)
    return labels, rows


def centre_layers(centres: Any, lang: str) -> list[tuple[str, dict]]:
    """City centres: their radius circles (shapes) and markers, with the coverage figures.

    Parameters
    ----------
    centres
        Centre points in display coordinates with ``name``, ``radius_m`` and the figures of
        :func:`harbor_planner.analysis.centres.centre_coverage`.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of (str, dict)
        ``("centre_areas", spec)`` and ``("centres", spec)``.

    """
    labels, rows = _centre_popups(centres, lang)
    pct = pd.to_numeric(column(centres, "coverage_pct"), errors="coerce").to_numpy(dtype=float)
    built = pd.to_numeric(column(centres, "coverage_built_pct"), errors="coerce").to_numpy(float)
    names = column(centres, "name").tolist()
    radius = pd.to_numeric(column(centres, "radius_m"), errors="coerce").to_numpy(dtype=float)
    areas, points = [], []
    for j, pt in enumerate(centres.geometry):
        pt = pt if pt.geom_type == "Point" else pt.representative_point()
        tip = html_text(names[j]) or ""
        shown = coverage_tip(pct[j], built[j] if "coverage_built_pct" in centres else None, lang)
        tip += f" · {html.escape(shown)}" if shown else ""
        if np.isfinite(radius[j]) and radius[j] > 0:
            areas.append({"g": _circle(pt.x, pt.y, radius[j]), "t": tip, "p": rows[j]})
        points.append({"x": pt.x, "y": pt.y, "t": tip, "p": rows[j]})
    fields = [html.escape(f) for f in labels]
    area_style = {
        "color": CENTRE_COLOR,
        "weight": 2,
        "dashArray": "2 4",
        "fillColor": CENTRE_COLOR,
        "fillOpacity": 0.05,
        "className": "hp-centre-area",
    }
    point_style = {
        "radius": 6,
        "color": "#ffffff",
        "weight": 2,
        "fillColor": CENTRE_COLOR,
        "fillOpacity": 1,
        "className": "hp-centre",
    }
    return [
        ("centre_areas", _spec("shape", area_style, fields, areas)),
        ("centres", _spec("circle", point_style, fields, points)),
    ]


def _spec(kind: str, style: dict[str, Any], fields: list[str], features: list[dict]) -> dict:
    return {
        "kind": kind,
        "canvas": len(features) > CANVAS_THRESHOLD,
        "style": style,
        "fields": fields,
        "features": features,
    }


def plan_legend_rows(items: dict[str, Any], lang: str) -> list[str]:
    """Legend rows (HTML) of the layers of this module that the map shows.

    Parameters
    ----------
    items
        The map's legend flags: ``covered_before``, ``newly_covered``, ``remaining_gaps``,
        ``centres`` (the study area's row is :mod:`harbor_planner.outputs.map`'s).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of str

    """
    swatches = {
        "covered_before": f'<i class="hp-dot" style="background:{COVERED_BEFORE_COLOR};'
        f'border-color:{COVERED_BEFORE_COLOR}"></i>',
        "newly_covered": f'<i class="hp-dot" style="background:{NEWLY_COVERED_COLOR};'
        f'border-color:{NEWLY_COVERED_COLOR}"></i>',
        "remaining_gaps": f'<i class="hp-dot" style="background:{GAP_COLOR};'
        f'border-color:{GAP_COLOR}"></i>',
        "centres": f'<i style="background:transparent;border:2px dotted {CENTRE_COLOR}"></i>',
    }
    rows = []
    for key, swatch in swatches.items():
        if items.get(key):
            label = html.escape(map_text(key, lang))
            if lang == "zh":
                label += f' <span class="hp-en">{html.escape(map_text(key, "en"))}</span>'
            rows.append(f"<div>{swatch}{label}</div>")
    return rows
