"""The layers of the HTML maps as compact specs that the page's ``hpLayer`` turns into Leaflet.

Each spec holds a style, popup field labels and one small record per feature (position or
GeoJSON geometry, tooltip, popup values). Every string in a spec is HTML-escaped here; the
page only concatenates them with fixed markup. Layers are reprojected to WGS-84 (or shifted to
GCJ-02 for the AMap basemap), simplified and rounded for display first
(:func:`display_frame`).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from harbor_planner._text import clean_text, pct1
from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.errors import InputDataError
from harbor_planner.outputs.labels import map_text, status_text
from harbor_planner.outputs.values import is_missing, points_between
from harbor_planner.settings import site_kind_label
from harbor_planner.stations.keys import station_keys

__all__ = [
    "BAND_COLORS",
    "CANVAS_THRESHOLD",
    "COVERAGE_CLASSES",
    "DOUBLE_COLOR",
    "GAP_COLOR",
    "NO_DATA_COLOR",
    "SERVICE_COLOR",
    "SIMPLIFY_DISTRICT_DEG",
    "SITE_COLOR",
    "STATUS_COLOR",
    "auto_districts",
    "column",
    "coverage_tip",
    "display_frame",
    "district_layer",
    "gap_layer",
    "html_text",
    "isochrone_layer",
    "present",
    "service_area_layer",
    "site_layer",
    "station_layers",
    "study_area_layer",
]

#: Layers with more features than this render through the canvas renderer instead of SVG.
CANVAS_THRESHOLD = 1000

#: Decimal places kept for displayed points (1e-6 degrees is about 0.1 m) and polygon
#: vertices (1e-5 degrees, about 1 m: isochrones are street corridors tens of metres wide).
_POINT_DECIMALS = 6
_POLYGON_DECIMALS = 5
#: Polygon simplification for display, degrees: about 2.5 m for walk polygons, 10 m for
#: district boundaries (a Yuzhong coverage map shrinks from 2.8 MB to about half).
_SIMPLIFY_DEG = 2.5e-5
SIMPLIFY_DISTRICT_DEG = 1e-4

#: Marker colour of each station status.
STATUS_COLOR = {
    "existing": "#15803d",
    "building": "#d97706",
    "proposed": "#7c3aed",
    "candidate": "#0284c7",
    "closed": "#9ca3af",
}
SITE_COLOR = "#dc2626"
GAP_COLOR = "#e11d48"
DOUBLE_COLOR = "#0d9488"
SERVICE_COLOR = "#1d4ed8"
#: Isochrone fills from the shortest band to the longest (darker = closer).
BAND_COLORS = ("#08306b", "#2171b5", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
#: Coverage choropleth classes: (upper bound %, colour), red (low) to green (high).
COVERAGE_CLASSES = (
    (20.0, "#d7191c"),
    (40.0, "#fdae61"),
    (60.0, "#ffffbf"),
    (80.0, "#a6d96a"),
    (math.inf, "#1a9641"),
)
NO_DATA_COLOR = "#d1d5db"
#: Districts outside the study area or with too little demand (grey, dashed outline).
MARKED_COLOR = "#9ca3af"


# --------------------------------------------------------------------------- values


def present(value: Any) -> bool:
    """Whether ``value`` is given: not ``None``, NaN or NA.

    Parameters
    ----------
    value
        Any value.

    Returns
    -------
    bool
        False for a missing scalar.

    """
    return not is_missing(value)


def html_text(value: Any) -> str | None:
    """Escaped display text of a value, ``None`` when missing."""
    if not present(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "✓" if value else None
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return None
        if abs(value) >= 10 or value == round(value):  # from the two-decimal figure, halves up
            return f"{float(pct1(value)):,.1f}"  # (76.7487 -> 76.75 -> 76.8, as the report)
        return f"{value:.2f}"
    return html.escape(clean_text(str(value)))


# --------------------------------------------------------------------------- geometries


def display_frame(
    frame: Any,
    what: str,
    *,
    gcj: bool,
    problems: list[str],
    crs_problems: list[str],
    simplify_deg: float = _SIMPLIFY_DEG,
) -> Any:
    """``frame`` in WGS-84 (shifted to GCJ-02 when asked), empty geometries dropped."""
    if frame is None:
        return None
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        problems.append(f"{what} must be a GeoDataFrame, got {type(frame).__name__}")
        return None
    if frame.crs is None:
        crs_problems.append(
            f"{what} has no CRS; set it first (e.g. .set_crs('EPSG:4326'), or convert AMap "
            "coordinates with read_stations(..., crs='gcj02'))"
        )
        return None
    out = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if (shapely.get_type_id(out.geometry.to_numpy()) >= 3).any():  # areas before simplifying
        out = out.assign(**{_AREA_COLUMN: _areas_km2(out)})
    out = out.to_crs("EPSG:4326")
    geoms = out.geometry.to_numpy()
    polygonal = shapely.get_type_id(geoms) >= 3
    if polygonal.any():
        geoms = geoms.copy()
        geoms[polygonal] = shapely.simplify(geoms[polygonal], simplify_deg)

    def move(decimals: int) -> Any:
        def apply(xy: np.ndarray) -> np.ndarray:
            if gcj and len(xy):
                lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
                xy = np.column_stack([lon, lat])
            return np.round(xy, decimals)

        return apply

    geoms = geoms.copy()
    geoms[polygonal] = shapely.transform(geoms[polygonal], move(_POLYGON_DECIMALS))
    geoms[~polygonal] = shapely.transform(geoms[~polygonal], move(_POINT_DECIMALS))
    out = out.set_geometry(geoms, crs="EPSG:4326")
    return out.reset_index(drop=True)


#: The column of :func:`display_frame` holding each polygon's area, measured before the
#: outline was simplified for display (probe 22M: the map's areas were 0.3-1.2 % low).
_AREA_COLUMN = "_area_km2"


def _areas_km2(frame: Any) -> np.ndarray:
    """Areas in km²: in ``frame``'s own CRS in metres, else in its UTM zone."""
    if _AREA_COLUMN in frame:
        return frame[_AREA_COLUMN].to_numpy(dtype=float)
    crs = frame.crs
    in_metres = crs.is_projected and crs.axis_info[0].unit_name in ("metre", "meter")
    metric = frame if in_metres else frame.to_crs(frame.estimate_utm_crs())
    return np.asarray(metric.area, dtype=float) / 1e6


def _geojson_geometry(geom: Any) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geom))


def column(frame: Any, name: str) -> pd.Series:
    """Column ``name`` of ``frame``, or a column of ``None`` when it has none.

    Parameters
    ----------
    frame
        A (Geo)DataFrame.
    name
        The column.

    Returns
    -------
    pandas.Series
        The column, aligned with ``frame``.

    """
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


# --------------------------------------------------------------------------- layer specs


def _spec(kind: str, style: dict[str, Any], fields: Sequence[str], features: list[dict]) -> dict:
    return {
        "kind": kind,
        "canvas": kind != "label" and len(features) > CANVAS_THRESHOLD,
        "style": style,
        "fields": [html.escape(f) for f in fields],
        "features": features,
    }


def _station_fields(frame: Any, lang: str) -> tuple[list[str], list[list[str | None]]]:
    """Popup labels and per-row escaped values for stations (coverage figures when present)."""
    cols = [("station_id", "id"), ("name", "name"), ("status", "status")]
    cols += [("district", "district"), ("address", "address"), ("flagship", "flagship")]
    cols += [
        (c, c)
        for c in (
            "demand_covered",
            "unique_demand",
            "exit_loss_pct",
            "exit_loss_built_pct",
            "importance_rank",
        )
        if c in frame
    ]
    labels = [map_text(key, lang) for _, key in cols]
    rows: list[list[str | None]] = []
    for rec in frame[[c for c, _ in cols if c in frame]].to_dict("records"):
        vals: list[str | None] = []
        for col, _ in cols:
            v = rec.get(col)
            if col == "status":
                vals.append(html.escape(status_text(v, lang)) or None)
            elif col == "flagship":
                said = ("yes" if bool(v) else "no") if present(v) else None  # 否 as in the table
                vals.append(html.escape(map_text(said, lang)) if said else None)
            elif col == "importance_rank":
                vals.append(html_text(int(v)) if present(v) and int(v) >= 0 else None)
            else:
                vals.append(html_text(v))
        rows.append(vals)
    return labels, rows


def coverage_tip(pct: Any, built: Any, lang: str) -> str:
    """A tooltip's coverage, with the built stations' figure beside it when there is one.

    ``58.8 %``; with statuses used (the headline the built stations'), ``已建成 41.3 % ·
    全部站点 58.8 %``; ``""`` when missing.

    Parameters
    ----------
    pct
        The coverage by every station used.
    built
        The built stations' alone (``None``: no statuses).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    if not present(pct):
        return ""
    if not present(built):
        return f"{pct1(pct)} %"
    return (
        f"{map_text('built_short', lang)} {pct1(built)} % · "
        f"{map_text('all_stations_short', lang)} {pct1(pct)} %"
    )


def _tooltip(name: Any, ident: Any) -> str | None:
    n, i = html_text(name), html_text(ident)
    if n and i:
        return f"{n} ({i})"
    return n or i


def station_layers(stations: Any, lang: str) -> list[tuple[str, dict]]:
    """The closed, planned, status-less and existing stations as circle specs (one per group).

    Parameters
    ----------
    stations
        Stations in display coordinates (:func:`display_frame`); a missing status: a layer
        of its own, drawn as built.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of (str, dict)
        ``(layer key, spec)`` of each non-empty group, in drawing order.

    """
    status = column(stations, "status").map(lambda s: str(s).strip().lower() if present(s) else "")
    flagship = column(stations, "flagship").map(lambda v: present(v) and bool(v))
    labels, rows = _station_fields(stations, lang)
    names, ids = column(stations, "name").tolist(), column(stations, "station_id").tolist()
    groups = {
        "closed": status == "closed",
        "planned": status.isin(["building", "proposed", "candidate"]),
        "nostatus": status == "",  # counted as built, and the legend says so
    }
    groups["existing"] = ~(groups["closed"] | groups["planned"] | groups["nostatus"])
    out = []
    for key in ("closed", "planned", "nostatus", "existing"):
        idx = np.flatnonzero(groups[key].to_numpy())
        if not len(idx):
            continue
        feats = []
        for i in idx:
            st = status.iloc[i]
            color = STATUS_COLOR.get(st, STATUS_COLOR["existing"])
            geom = stations.geometry.iloc[i]
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            flag = bool(flagship.iloc[i])
            feats.append(
                {
                    "x": pt.x,
                    "y": pt.y,
                    "s": {
                        "fillColor": color,
                        "weight": 3 if flag else 1.5,
                        "color": "#facc15" if flag else "#ffffff",
                        "className": f"hp-station hp-st-{key}",
                    },
                    "t": _tooltip(names[i], ids[i]),
                    "p": rows[i],
                }
            )
        style = {"radius": 7, "fillOpacity": 0.95 if key != "closed" else 0.6, "opacity": 1}
        out.append((key, _spec("circle", style, labels, feats)))
    return out


def site_layer(sites: Any, lang: str) -> dict:
    """New sites as labels numbered by ``rank``.

    Parameters
    ----------
    sites
        Selected sites in display coordinates.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict
        The layer spec.

    """
    order = (
        np.argsort(pd.to_numeric(sites["rank"], errors="coerce").to_numpy(), kind="stable")
        if "rank" in sites
        else np.arange(len(sites))
    )
    cols = [
        ("rank", "rank"),
        ("site_id", "id"),
        ("name", "name"),
        ("status", "status"),  # 建议新址: a site, not a station (probe 26B)
        ("district", "district"),
        ("kind", "kind"),
        ("stage", "stage"),
        ("gain", "gain"),
    ]
    cols += [(c, c) for c in ("gain_pct", "coverage_pct_cum") if c in sites]
    labels = [map_text(k, lang) for _, k in cols]
    feats = []
    for n, i in enumerate(order, start=1):
        rec = sites.iloc[i]
        rank = rec["rank"] if "rank" in sites and present(rec["rank"]) else n
        rank_text = (
            html_text(int(rank)) if isinstance(rank, int | np.integer | float) else html_text(rank)
        )
        pt = sites.geometry.iloc[i]
        pt = pt if pt.geom_type == "Point" else pt.representative_point()
        vals = [rank_text] + [
            html_text(site_kind_label(v, lang) if c == "kind" and present(v) else v)
            if c != "status"
            else html.escape(map_text("new_site", lang))
            for c, v in ((c, rec.get(c)) for c, _ in cols[1:])
        ]  # the kind in words (街道点位), as the report and the workbook give it
        feats.append(
            {
                "x": pt.x,
                "y": pt.y,
                "l": rank_text or "",
                "t": _site_tooltip(rank_text, rec, lang),
                "p": vals,
            }
        )
    return _spec("label", {}, labels, feats)


def _site_tooltip(rank_text: str | None, rec: Any, lang: str = "en") -> str:
    """``Suggested new site #1 c12 · +3.20 pp → 61.5 %``: rank, id, gain, cumulative coverage.

    In Chinese the points read 个百分点 (``建议新址 #1 c12 · +3.20 个百分点``).
    """
    ident = f"#{rank_text} {html_text(rec.get('site_id')) or ''}".strip()
    tip = f"{html.escape(map_text('new_site', lang))} {ident}"
    gain_pct, cum = rec.get("gain_pct"), rec.get("coverage_pct_cum")
    if present(gain_pct):
        tip += f" · +{float(gain_pct):.2f} {html.escape(map_text('pp', lang))}"
    if present(cum):
        tip += f" → {pct1(cum)} %"
    return tip


def isochrone_layer(iso: Any, stations: Any, lang: str) -> tuple[dict, list[tuple[float, str]]]:
    """Isochrone polygons, one colour per band, the largest band drawn first.

    Parameters
    ----------
    iso
        Isochrones in display coordinates, with ``minutes`` (and ``station_id``).
    stations
        Stations in display coordinates, for the names in tooltips (or ``None``).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    tuple of (dict, list of (float, str))
        The layer spec and the legend's ``(minutes, colour)`` bands.

    Raises
    ------
    InputDataError
        No ``minutes`` column.

    """
    if "minutes" not in iso:
        raise InputDataError(
            f"isochrones need a 'minutes' column (the output of harbor_planner.isochrones()); "
            f"it has {', '.join(map(str, iso.columns))}"
        )
    bands = sorted({float(m) for m in iso["minutes"]})
    colors = {m: BAND_COLORS[min(i, len(BAND_COLORS) - 1)] for i, m in enumerate(bands)}
    names: dict[str, Any] = {}
    if stations is not None and "station_id" in stations and "name" in stations:
        names = dict(zip(station_keys(stations), stations["name"], strict=False))
    # largest band first so that the smaller ones draw on top
    iso = iso.assign(_m=iso["minutes"].astype(float)).sort_values("_m", ascending=False)
    area_km2 = _areas_km2(iso)
    labels = [map_text(k, lang) for k in ("station", "id", "minutes", "area_km2")]
    band_fmt = map_text("min_band", lang)
    feats = []
    for j, (geom, sid, m) in enumerate(
        zip(iso.geometry, column(iso, "station_id"), iso["_m"], strict=True)
    ):
        name = names.get(str(sid)) if present(sid) else None
        band = band_fmt.format(m=f"{m:g}")
        tip = " · ".join(x for x in (_tooltip(name, sid), html.escape(band)) if x)
        feats.append(
            {
                "g": _geojson_geometry(geom),
                "s": {
                    "fillColor": colors[m],
                    "className": f"hp-iso hp-iso-{m:g}",
                },
                "t": tip,
                "p": [html_text(name), html_text(sid), f"{m:g}", f"{area_km2[j]:.3f}"],
            }
        )
    style = {"color": "#1e3a8a", "weight": 0.6, "opacity": 0.5, "fillOpacity": 0.28}
    legend = [(m, colors[m]) for m in bands]
    return _spec("shape", style, labels, feats), legend


def service_area_layer(area: Any, lang: str) -> dict:
    """The dissolved service area, a dashed outline.

    Parameters
    ----------
    area
        Service-area polygons in display coordinates.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict
        The layer spec.

    """
    labels = [map_text(k, lang) for k in ("minutes", "stations_n", "area_km2")]
    area_km2 = _areas_km2(area)
    band_fmt = map_text("min_band", lang)
    feats = []
    for j, geom in enumerate(area.geometry):
        m = area["minutes"].iloc[j] if "minutes" in area else None
        n = area["stations"].iloc[j] if "stations" in area else None
        tip = map_text("service_area", lang)
        if present(m):
            tip += " " + band_fmt.format(m=f"{float(m):g}")
        feats.append(
            {
                "g": _geojson_geometry(geom),
                "s": {"className": "hp-service"},
                "t": html.escape(tip),
                "p": [html_text(m), html_text(n), f"{area_km2[j]:.2f}"],
            }
        )
    style = {
        "color": SERVICE_COLOR,
        "weight": 2,
        "dashArray": "6 4",
        "fillColor": SERVICE_COLOR,
        "fillOpacity": 0.06,
    }
    return _spec("shape", style, labels, feats)


def gap_layer(gaps: Any, lang: str, *, color: str = GAP_COLOR, cls: str = "hp-gap") -> dict:
    """Demand points as small dots with their walk to the nearest station.

    Parameters
    ----------
    gaps
        Demand points in display coordinates.
    lang
        ``"zh"`` or ``"en"``.
    color, cls
        Fill colour and CSS class (uncovered demand by default).

    Returns
    -------
    dict
        The layer spec.

    """
    labels = [map_text(k, lang) for k in ("time_min", "nearest", "district")]
    unreachable = html.escape(map_text("unreachable", lang))
    times = pd.to_numeric(column(gaps, "time_min"), errors="coerce").to_numpy(dtype=float)
    nearest, district = column(gaps, "nearest_station").tolist(), column(gaps, "district").tolist()
    feats = []
    for j, pt in enumerate(gaps.geometry):
        pt = pt if pt.geom_type == "Point" else pt.representative_point()
        t = times[j]
        feats.append(
            {
                "x": pt.x,
                "y": pt.y,
                "p": [
                    # two decimals: 15.04 is not 15.0 on the uncovered layer of a 15-min study
                    f"{t:.2f}" if math.isfinite(t) else unreachable if "time_min" in gaps else None,
                    html_text(nearest[j]) if math.isfinite(t) else None,
                    html_text(district[j]),
                ],
            }
        )
    style = {
        "radius": 3,
        "stroke": False,
        "fillColor": color,
        "fillOpacity": 0.8,
        "className": cls,
    }
    return _spec("circle", style, labels, feats)


def _coverage_color(pct: float | None) -> str:
    if pct is None or not math.isfinite(pct):
        return NO_DATA_COLOR
    return next(c for upper, c in COVERAGE_CLASSES if pct < upper)


def district_layer(districts: Any, stats: Any, lang: str) -> dict:
    """District outlines filled by coverage class.

    Parameters
    ----------
    districts
        District polygons in display coordinates.
    stats
        Table with ``district`` and ``coverage_pct``, or ``None`` (outlines only). With
        ``coverage_pct_after`` and ``sites_added`` (an optimisation:
        :func:`harbor_planner.outputs.values.district_frame`) the popups and tooltips give
        the coverage before and after the new sites, the gain in percentage points and the
        sites added; the fill stays the coverage before them.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict
        The layer spec.

    Raises
    ------
    InputDataError
        ``stats`` lacks the columns.

    """
    name_cols = [c for c in ("name_zh", "name", "district", "区县", "NAME") if c in districts]
    keys_cols = [*name_cols, *(c for c in ("name_en", "adcode") if c in districts)]
    pct_by_key: dict[str, float] = {}
    if stats is not None:
        if "district" not in stats or "coverage_pct" not in stats:
            raise InputDataError(
                "district_stats needs 'district' and 'coverage_pct' columns (as in "
                f"CoverageResult.by_district); it has {', '.join(map(str, stats.columns))}"
            )
        for d, p in zip(stats["district"], stats["coverage_pct"], strict=True):
            if present(d) and present(p):
                pct_by_key[str(d).strip()] = float(p)
    marks = district_marks(stats, lang)
    for key in marks:
        pct_by_key.pop(key, None)  # outside the study area or too little demand: not a figure
    built_by_key = _figure_by_key(stats, "coverage_built_pct")
    after_by_key = _figure_by_key(stats, "coverage_pct_after")  # the optimise map (26B)
    before = "coverage_before_pct" if after_by_key else "coverage_pct"
    labels = [map_text(k, lang) for k in ("district", before)]
    if built_by_key:  # the fill counts every station used; the headline the built ones
        labels = [labels[0], labels[1] + ("（全部站点）" if lang == "zh" else " (all stations)"),
                  map_text("coverage_built_pct", lang)]  # fmt: skip
    if after_by_key:
        labels += [map_text(k, lang) for k in ("coverage_after_pct", "gain_pct", "sites_added")]
    added_by_key = _figure_by_key(stats, "sites_added")
    feats = []
    for j, geom in enumerate(districts.geometry):
        rec = districts.iloc[j]
        keys = [str(rec[c]).strip() for c in keys_cols]
        pct = _first(pct_by_key, keys)
        name = rec[name_cols[0]] if name_cols else None
        if lang == "en" and "name_en" in districts and present(rec["name_en"]):
            name = rec["name_en"]
        pct_text = f"{pct1(pct)} %" if pct is not None else map_text("no_data", lang)
        mark, built = _first(marks, keys), _first(built_by_key, keys)
        tip = coverage_tip(pct, built, lang) or pct_text
        after = None if mark is not None else _first(after_by_key, keys)
        feats.append(
            {
                "g": _geojson_geometry(geom),
                "s": {
                    "fillColor": _coverage_color(pct) if mark is None else MARKED_COLOR,
                    "fillOpacity": 0.3 if pct is not None or mark is not None else 0.08,
                    "className": "hp-district" if mark is None else "hp-district hp-marked",
                    **({} if mark is None else {"dashArray": "4 4"}),
                },
                "t": f"{html_text(name) or ''} {html.escape(mark or tip)}".strip(),
                "p": [html_text(name), html.escape(mark or pct_text)],
            }
        )
        if built_by_key:
            shown = f"{pct1(built)} %" if built is not None and mark is None else ""
            feats[-1]["p"].append(html.escape(shown))
        if after_by_key:
            gain = points_between(after, pct)
            feats[-1]["p"] += _after_values(after, gain, _first(added_by_key, keys))
            if after is not None and gain is not None:
                feats[-1]["t"] += html.escape(
                    f" → {map_text('after_short', lang)} {pct1(after)} % · "
                    f"{gain:+.1f} {map_text('pp', lang)}"
                )
    style = {"color": "#374151", "weight": 1.5, "opacity": 0.9}
    return _spec("shape", style, labels, feats)


def _figure_by_key(stats: Any, col: str) -> dict[str, float]:
    """District name → its figure in ``col`` (empty without the column)."""
    if stats is None or col not in stats or "district" not in stats:
        return {}
    pairs = zip(stats["district"], stats[col], strict=True)
    return {str(d).strip(): float(p) for d, p in pairs if present(d) and present(p)}


def _first(by_key: dict[str, Any], keys: Sequence[str]) -> Any:
    """The value of the first of ``keys`` (a district's names and code) in ``by_key``."""
    return next((by_key[k] for k in keys if k in by_key), None)


def _after_values(after: float | None, gain: float | None, added: float | None) -> list[str]:
    """A district popup's coverage after the new sites, its gain in points and the sites added.

    The figures of :func:`harbor_planner.outputs.values.district_frame`, as the report and the
    workbook give them; the gain is the difference of the two percentages shown.
    """
    if after is None:
        return ["", "", ""]
    return [
        f"{pct1(after)} %",
        "" if gain is None else f"{gain:+.1f}",
        "" if added is None else f"{int(added)}",
    ]


def auto_districts(stats: Any) -> Any:
    """Chongqing's district polygons named in ``stats['district']`` (None if none match)."""
    from harbor_planner.districts import chongqing_districts

    wanted = {str(d).strip() for d in stats.get("district", pd.Series(dtype=object)).dropna()}
    table = chongqing_districts()
    mask = np.zeros(len(table), dtype=bool)
    for col in ("name_zh", "name_en", "adcode"):
        if col in table:
            mask |= table[col].astype(str).isin(wanted).to_numpy()
    return table[mask] if mask.any() else None


# --------------------------------------------------------------------------- study area


def district_marks(stats: Any, lang: str) -> dict[str, str]:
    """District name → the label of its status, for the rows that are not figures to publish.

    Rows of ``stats`` whose ``status`` (see :func:`harbor_planner.study_area.district_status`)
    is ``outside`` (研究范围外) or ``too_small`` (需求过少); empty without a ``status`` column.
    """
    from harbor_planner.settings import DISTRICT_STATUS_LABELS

    if stats is None or "status" not in stats or "district" not in stats:
        return {}
    out = {}
    for d, st in zip(stats["district"], stats["status"], strict=True):
        if present(d) and present(st) and str(st) != "study" and st in DISTRICT_STATUS_LABELS:
            zh, en = DISTRICT_STATUS_LABELS[str(st)]
            out[str(d).strip()] = zh if lang == "zh" else en
    return out


def study_area_layer(area: Any, lang: str) -> dict:
    """The study area: a thick dark outline, no fill.

    Parameters
    ----------
    area
        The study area in display coordinates (``name``: how it is named).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict
        The layer spec.

    """
    from harbor_planner.settings import STUDY_AREA_COLOR, STUDY_AREA_LABEL

    title = STUDY_AREA_LABEL[0 if lang == "zh" else 1]
    area_km2 = _areas_km2(area)
    names = column(area, "name").tolist()
    feats = [
        {
            "g": _geojson_geometry(geom),
            "s": {"className": "hp-study-area"},
            "t": html.escape(f"{title} {names[j] or ''}".strip()),
            "p": [html_text(names[j]), f"{area_km2[j]:.2f}"],
        }
        for j, geom in enumerate(area.geometry)
    ]
    style = {"color": STUDY_AREA_COLOR, "weight": 3, "opacity": 0.9, "fill": False}
    return _spec("shape", style, [title, map_text("area_km2", lang)], feats)
