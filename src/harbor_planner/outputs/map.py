"""Self-contained interactive HTML maps of stations, isochrones, coverage gaps and new sites.

:func:`make_map` builds a :class:`folium.Map` from any of the package's results, every layer
optional and switchable in the layer control; :func:`save_map` writes it atomically. The saved
file works from disk with no network: Leaflet's JavaScript and CSS (vendored in
``harbor_planner/_static``, BSD-2-Clause) are inlined (:mod:`.map_assets`), and folium's other
CDN links (jQuery, Bootstrap, Font Awesome, awesome-markers) are dropped because nothing here
uses them: points are circle markers, new sites numbered ``L.divIcon`` labels. With
``basemap="none"`` the map makes no request at all.

Layers (each in the layer control, drawn in this order, later on top):

============================  ==========================================================
district boundaries           choropleth of ``coverage_pct`` from ``district_stats``
isochrone bands               5/10/15-minute polygons per station, graded blues, largest first
service area                  dissolved isochrones, dashed outline (off at first when the
                              isochrone bands are shown too)
uncovered demand (gaps)       demand points not covered, red dots (canvas renderer)
closed stations               grey
stations building / proposed  orange (building), purple (proposed), blue (candidate)
existing stations             green; flagship (最美渝工港湾) with a thick outline
new sites                     red circles numbered by rank
============================  ==========================================================

Layers with more than :data:`~harbor_planner.outputs.map_specs.CANVAS_THRESHOLD` features draw
through Leaflet's canvas renderer, so that thousands of points stay fluid; smaller ones are SVG
paths (each feature one ``<path>`` carrying a ``hp-...`` class). The layers are built in
:mod:`.map_specs`.

Basemaps: ``"osm"`` (OpenStreetMap, default), ``"amap"`` (高德 AutoNavi, GCJ-02 tiles: every
overlay is shifted from WGS-84 to GCJ-02 for display so it sits on the right streets),
``"tianditu"`` (天地图, CGCS2000 ≈ WGS-84, needs a key: ``tianditu_key`` or the
``TIANDITU_KEY`` environment variable) and ``"none"`` (no tiles). "© OpenStreetMap
contributors" is credited whenever the basemap is OSM or an OSM-derived layer (isochrones,
service area, gaps) is shown.

Every user-provided string (names, addresses, ids, column values, the title) is HTML-escaped
before it reaches the page, and the JSON embedded in ``<script>`` is escaped so that no value
can close the script element.
"""

from __future__ import annotations

import copy
import html
import logging
import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from harbor_planner._owned import GENERATOR, SEAL_BLANK, seal_page
from harbor_planner._text import clean_text
from harbor_planner.errors import CRSError, DependencyError, InputDataError
from harbor_planner.outputs.labels import MAP_TEXT, TIANDITU_KEY_MISSING, map_text, status_text
from harbor_planner.outputs.map_assets import (
    LAYER_JS,
    STYLE_CSS,
    element_classes,
    leaflet_css,
    leaflet_js,
    script_safe,
)
from harbor_planner.outputs.map_plan import (
    centre_layers,
    coverage_change_layers,
    plan_legend_rows,
)
from harbor_planner.outputs.map_specs import (
    COVERAGE_CLASSES,
    DOUBLE_COLOR,
    GAP_COLOR,
    NO_DATA_COLOR,
    SERVICE_COLOR,
    SIMPLIFY_DISTRICT_DEG,
    SITE_COLOR,
    STATUS_COLOR,
    auto_districts,
    column,
    display_frame,
    district_layer,
    gap_layer,
    isochrone_layer,
    present,
    service_area_layer,
    site_layer,
    station_layers,
    study_area_layer,
)
from harbor_planner.settings import BASEMAPS, LANGS, STATUS_VALUES

__all__ = ["make_map", "save_map", "seed_element_ids"]

log = logging.getLogger(__name__)

# the ODbL credit: on every map whose layers come from OSM data, whatever the basemap
_OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors, '
    '<a href="https://opendatacommons.org/licenses/odbl/1-0/">ODbL</a>'
)


#: Demand covered only thanks to stations under construction or proposed (issue 16).
PLANNED_ONLY_COLOR = "#f59e0b"


def _layer_name(key: str, lang: str) -> str:
    """Layer-control label (HTML): Chinese with the English in grey, or English."""
    zh, en = MAP_TEXT[key]
    if lang == "en":
        return html.escape(en)
    return f'{html.escape(zh)} <span class="hp-en">{html.escape(en)}</span>'


# --------------------------------------------------------------------------- legend


def _legend_html(items: dict[str, Any], lang: str) -> str:
    def row(swatch: str, key: str | None = None, text: str | None = None) -> str:
        label = html.escape(text) if text is not None else html.escape(map_text(key or "", lang))
        if lang == "zh" and key is not None and text is None:
            label += f' <span class="hp-en">{html.escape(MAP_TEXT[key][1])}</span>'
        return f"<div>{swatch}{label}</div>"

    def dot(color: str, border: str = "#fff") -> str:
        return f'<i class="hp-dot" style="background:{color};border-color:{border}"></i>'

    def box(color: str, extra: str = "") -> str:
        return f'<i style="background:{color};{extra}"></i>'

    parts = [f"<h4>{html.escape(map_text('legend', lang))}</h4>"]
    statuses = items.get("statuses", [])
    for st in STATUS_VALUES:
        if st in statuses:
            parts.append(row(dot(STATUS_COLOR[st]), text=status_text(st, lang)))
    if items.get("flagship"):
        parts.append(row(dot(STATUS_COLOR["existing"], "#facc15"), "flagship"))
    if items.get("sites"):
        parts.append(row(dot(SITE_COLOR), "sites"))
    band_fmt = map_text("min_band", lang)
    for m, color in items.get("bands", []):
        parts.append(row(box(color, "opacity:.7"), text=band_fmt.format(m=f"{m:g}")))
    if items.get("service_area"):
        parts.append(row(box("transparent", f"border:2px dashed {SERVICE_COLOR}"), "service_area"))
    if items.get("gaps"):
        parts.append(row(dot(GAP_COLOR, GAP_COLOR), "gaps"))
    for key in ("double", "double_before"):
        if items.get(key):
            parts.append(row(dot(DOUBLE_COLOR, DOUBLE_COLOR), key))
    if items.get("planned_only"):
        parts.append(row(dot(PLANNED_ONLY_COLOR, PLANNED_ONLY_COLOR), "planned_only"))
    if items.get("districts"):
        parts.append(f"<div><b>{html.escape(map_text('coverage_pct', lang))}</b></div>")
        lower = 0.0
        for upper, color in COVERAGE_CLASSES:
            text = f"≥ {lower:g}" if math.isinf(upper) else f"{lower:g}–{upper:g}"
            parts.append(row(box(color), text=text))
            lower = upper
        parts.append(row(box(NO_DATA_COLOR), text=map_text("no_data", lang)))
    parts += plan_legend_rows(items, lang)
    parts += _study_legend(items, lang)
    return "".join(parts)


def _study_legend(items: dict[str, Any], lang: str) -> list[str]:
    """Legend rows of the study area and of the districts left uncoloured (研究范围外/需求过少)."""
    from harbor_planner.outputs.map_specs import MARKED_COLOR
    from harbor_planner.settings import (
        DISTRICT_STATUS_LABELS,
        STUDY_AREA_COLOR,
        STUDY_AREA_LABEL,
    )

    k = 0 if lang == "zh" else 1
    rows = []
    if items.get("study_area"):
        swatch = f'<i style="background:transparent;border:3px solid {STUDY_AREA_COLOR}"></i>'
        en = f' <span class="hp-en">{html.escape(STUDY_AREA_LABEL[1])}</span>' if k == 0 else ""
        rows.append(f"<div>{swatch}{html.escape(STUDY_AREA_LABEL[k])}{en}</div>")
    marked = items.get("districts_marked") or ()
    if marked:
        swatch = f'<i style="background:{MARKED_COLOR};border:1px dashed #374151"></i>'
        text = " / ".join(DISTRICT_STATUS_LABELS[st][k] for st in sorted(marked))
        rows.append(f"<div>{swatch}{html.escape(text)}</div>")
    return rows


def _add_study_area(m: Any, shown: dict[str, Any], district_stats: Any, lang: str) -> dict:
    """The study-area outline (its own layer) and the legend entries of the study area."""
    from harbor_planner.settings import STUDY_AREA_LABEL

    legend: dict[str, Any] = {}
    if _has(shown.get("study_area")):
        zh, en = STUDY_AREA_LABEL
        name = html.escape(en) if lang == "en" else (
            f'{html.escape(zh)} <span class="hp-en">{html.escape(en)}</span>'
        )  # fmt: skip
        vl = element_classes()["VectorLayer"]
        vl(study_area_layer(shown["study_area"], lang), name=name).add_to(m)
        legend["study_area"] = True
    if _has(shown["districts"]) and district_stats is not None and "status" in district_stats:
        marked = set(district_stats["status"].astype(str)) - {"study"}
        legend["districts_marked"] = sorted(marked)
    return legend


# --------------------------------------------------------------------------- basemaps


def _tile_layers(basemap: str, lang: str, key: str | None) -> list[Any]:
    import folium

    if basemap == "osm":
        return [
            folium.TileLayer(
                tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                attr=_OSM_ATTRIBUTION,
                name=_layer_name("basemap_osm", lang),
                max_zoom=19,
                overlay=False,
            )
        ]
    if basemap == "amap":
        amap_lang = "zh_cn" if lang == "zh" else "en"
        return [
            folium.TileLayer(
                tiles=(
                    "https://webrd0{s}.is.autonavi.com/appmaptile?"
                    f"lang={amap_lang}&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
                ),
                attr="© 高德地图 AutoNavi (GCJ-02)",
                name=_layer_name("basemap_amap", lang),
                subdomains="1234",
                max_zoom=18,
                overlay=False,
            )
        ]
    if basemap == "tianditu":
        tk = quote(key or "", safe="")

        def wmts(layer: str) -> str:
            return (
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={tk}"
            )

        subdomains = "01234567"
        return [
            folium.TileLayer(
                tiles=wmts("vec"),
                attr="© 天地图 Tianditu",
                name=_layer_name("basemap_tianditu", lang),
                subdomains=subdomains,
                max_zoom=18,
                overlay=False,
            ),
            folium.TileLayer(
                tiles=wmts("cva" if lang == "zh" else "eva"),
                attr="© 天地图 Tianditu",
                name=_layer_name("tianditu_labels", lang),
                subdomains=subdomains,
                max_zoom=18,
                overlay=True,
            ),
        ]
    return []


# --------------------------------------------------------------------------- steps of make_map


def _basemap_problems(basemap: str, lang: str, key: str | None) -> list[str]:
    """What is wrong with the basemap, language and Tianditu key."""
    problems: list[str] = []
    if basemap not in BASEMAPS:
        problems.append(f"basemap must be one of {', '.join(BASEMAPS)}, got {basemap!r}")
    if lang not in LANGS:
        problems.append(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if basemap == "tianditu" and not key:
        problems.append(TIANDITU_KEY_MISSING)
    return problems


def _display_layers(
    frames: dict[str, Any],
    districts: Any,
    district_stats: Any,
    *,
    gcj: bool,
    problems: list[str],
) -> dict[str, Any]:
    """Every layer in display coordinates; all problems of the arguments raised at once."""
    crs_problems: list[str] = []
    shown = {
        what: display_frame(frame, what, gcj=gcj, problems=problems, crs_problems=crs_problems)
        for what, frame in frames.items()
    }
    shown["districts"] = display_frame(
        districts,
        "districts",
        gcj=gcj,
        problems=problems,
        crs_problems=crs_problems,
        simplify_deg=SIMPLIFY_DISTRICT_DEG,
    )
    if district_stats is not None and not isinstance(district_stats, pd.DataFrame):
        problems.append(f"district_stats must be a DataFrame, got {type(district_stats).__name__}")
    if problems or crs_problems:
        error = CRSError if crs_problems and not problems else InputDataError
        raise error("; ".join(problems + crs_problems))
    if shown["districts"] is None and district_stats is not None:
        shown["districts"] = display_frame(
            auto_districts(district_stats),
            "districts",
            gcj=gcj,
            problems=problems,
            crs_problems=crs_problems,
            simplify_deg=SIMPLIFY_DISTRICT_DEG,
        )
    return _demand_subsets(shown)


def _demand_subsets(shown: dict[str, Any]) -> dict[str, Any]:
    """Gaps without the covered demand; double coverage only where two stations reach."""
    gaps_frame = shown["gaps"]
    if gaps_frame is not None and "covered" in gaps_frame:
        gaps_frame = gaps_frame[~gaps_frame["covered"].fillna(False).astype(bool)]
        shown["gaps"] = gaps_frame.reset_index(drop=True)
    double_frame = shown["double_covered"]
    if double_frame is not None and "n_stations" in double_frame:
        keep = pd.to_numeric(double_frame["n_stations"], errors="coerce").fillna(0) >= 2
        shown["double_covered"] = double_frame[keep.to_numpy()].reset_index(drop=True)
    shown["planned_only"] = _planned_only(shown.get("planned_only"))
    return shown


def _planned_only(frame: Any) -> Any:
    """Demand covered, but not by the built stations alone (``covered & ~covered_built``)."""
    if frame is None or "covered_built" not in frame or "covered" not in frame:
        return None
    keep = frame["covered"].fillna(False).astype(bool) & ~frame["covered_built"].fillna(
        False
    ).astype(bool)
    return frame[keep.to_numpy()].reset_index(drop=True)


def _new_map(title: str | None) -> Any:
    """An empty :class:`folium.Map` with Leaflet and the page's CSS and JavaScript inlined."""
    import folium

    m = folium.Map(
        location=[29.56, 106.55],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    # no CDN: Leaflet inlined below, nothing else of folium's default assets is used
    m.default_js = []
    m.default_css = []
    fig = m.get_root()
    el = element_classes()["Element"]
    fig.header.add_child(  # the seal: the page's SHA-256, filled in when it is saved
        el(f'<meta name="generator" content="{GENERATOR}" data-sha256="{SEAL_BLANK}">'),
        name="harbor_gen",
    )
    fig.header.add_child(
        el(f"<style>{script_safe(leaflet_css())}</style>"), name="harbor_leaflet_css"
    )
    fig.header.add_child(
        el(f"<script>{script_safe(leaflet_js())}</script>"), name="harbor_leaflet_js"
    )
    fig.header.add_child(el(f"<style>{STYLE_CSS}</style>"), name="harbor_css")
    fig.header.add_child(el(f"<script>{LAYER_JS}</script>"), name="harbor_js")
    if title:
        fig.title = html.escape(clean_text(title))
    return m


def _has(frame: Any) -> bool:
    return frame is not None and bool(len(frame))


def _add_areas(m: Any, shown: dict[str, Any], district_stats: Any, lang: str) -> dict[str, Any]:
    """Districts, isochrone bands and service area; their legend entries."""
    vl = element_classes()["VectorLayer"]
    legend: dict[str, Any] = {}
    if _has(shown["districts"]):
        spec = district_layer(shown["districts"], district_stats, lang)
        vl(spec, name=_layer_name("districts", lang)).add_to(m)
        legend["districts"] = district_stats is not None
    if _has(shown["isochrones"]):
        spec, legend["bands"] = isochrone_layer(shown["isochrones"], shown["stations"], lang)
        vl(spec, name=_layer_name("isochrones", lang)).add_to(m)
    if _has(shown["service_area"]):
        spec = service_area_layer(shown["service_area"], lang)
        # it covers the same ground as the isochrone bands: off at first when both are given
        show = not _has(shown["isochrones"])
        vl(spec, name=_layer_name("service_area", lang), show=show).add_to(m)
        legend["service_area"] = True
    return legend


def _add_context(m: Any, shown: dict[str, Any], lang: str) -> dict[str, Any]:
    """Demand covered before/after new sites and city centres; legend entries.

    The study area is drawn by :func:`_add_study_area`.
    """
    vl = element_classes()["VectorLayer"]
    legend: dict[str, Any] = {}
    before, after = shown["demand_before"], shown["demand_after"]
    if _has(before) and _has(after):
        for key, spec in coverage_change_layers(before, after, lang):
            vl(spec, name=_layer_name(key, lang)).add_to(m)
            legend[key] = True
    if _has(shown["centres"]):
        for key, spec in centre_layers(shown["centres"], lang):
            vl(spec, name=_layer_name(key, lang)).add_to(m)
        legend["centres"] = True
    return legend


def _add_points(m: Any, shown: dict[str, Any], lang: str) -> dict[str, Any]:
    """Gaps, double coverage, stations and new sites; their legend entries."""
    vl = element_classes()["VectorLayer"]
    legend: dict[str, Any] = {}
    if _has(shown["gaps"]):
        vl(gap_layer(shown["gaps"], lang), name=_layer_name("gaps", lang)).add_to(m)
        legend["gaps"] = True
    if _has(shown["double_covered"]):
        spec = gap_layer(shown["double_covered"], lang, color=DOUBLE_COLOR, cls="hp-double")
        key = "double_before" if _has(shown.get("sites")) else "double"  # a plan: before it
        vl(spec, name=_layer_name(key, lang), show=False).add_to(m)
        legend[key] = True
    if _has(shown.get("planned_only")):
        spec = gap_layer(
            shown["planned_only"], lang, color=PLANNED_ONLY_COLOR, cls="hp-planned-only"
        )
        vl(spec, name=_layer_name("planned_only", lang)).add_to(m)
        legend["planned_only"] = True
    if _has(shown["stations"]):
        st = shown["stations"]
        for key_name, spec in station_layers(st, lang):
            vl(spec, name=_layer_name(key_name, lang)).add_to(m)
        statuses = column(st, "status").map(
            lambda s: str(s).strip().lower() if present(s) else "existing"
        )
        legend["statuses"] = set(statuses)
        legend["flagship"] = bool(
            column(st, "flagship").map(lambda v: present(v) and bool(v)).any()
        )
    if _has(shown["sites"]):
        vl(site_layer(shown["sites"], lang), name=_layer_name("sites", lang)).add_to(m)
        legend["sites"] = True
    return legend


def _add_controls(
    m: Any,
    shown: dict[str, Any],
    legend: dict[str, Any],
    *,
    osm: bool,
    lang: str,
    title: str | None,
) -> None:
    """OSM credit, title, legend and the layer control."""
    import folium

    classes = element_classes()
    derived = ("isochrones", "service_area", "gaps", "double_covered", "demand_after")
    if osm or any(shown.get(k) is not None for k in derived):  # drawn from the network
        classes["Attribution"](_OSM_ATTRIBUTION).add_to(m)
    if title:
        shown_title = html.escape(clean_text(title))
        classes["MapControl"](shown_title, position="topleft", css_class="hp-title").add_to(m)
    if any(legend.values()):
        classes["MapControl"](
            _legend_html(legend, lang), position="bottomright", css_class="hp-legend"
        ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)


def _fit_bounds(m: Any, shown: dict[str, Any]) -> None:
    """Zoom to the layers (to the districts only when nothing else is shown)."""
    bounds = [
        f.total_bounds for f in shown.values() if _has(f) and f is not shown["districts"]
    ] or [f.total_bounds for f in (shown["districts"],) if _has(f)]
    if bounds:
        b = np.vstack(bounds)
        m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]])


# --------------------------------------------------------------------------- public API


def make_map(
    *,
    stations: Any = None,
    sites: Any = None,
    isochrones: Any = None,
    service_area: Any = None,
    gaps: Any = None,
    double_covered: Any = None,
    planned_only: Any = None,
    districts: Any = None,
    district_stats: Any = None,
    demand_after: Any = None,
    centres: Any = None,
    study_area: Any = None,
    basemap: str = "osm",
    lang: str = "zh",
    title: str | None = None,
    tianditu_key: str | None = None,
) -> Any:
    """A self-contained interactive map (a :class:`folium.Map`) of any of the given layers.

    Parameters
    ----------
    stations
        Stations (:attr:`StationCheck.stations` or :attr:`CoverageResult.stations`): existing,
        building/proposed/candidate and closed ones go to three layers by ``status``
        (missing status: existing). Popups show ``station_id``, ``name``, ``status``,
        ``district``, ``address``, ``flagship`` and the coverage figures when present.
    sites
        New sites (:func:`harbor_planner.optimize.output.selected_sites`), numbered by ``rank``.
    isochrones
        Isochrone polygons (:func:`harbor_planner.analysis.isochrones.isochrones`) with
        ``station_id`` and ``minutes``; one colour per band, largest band drawn first.
    service_area
        Dissolved service area (:func:`harbor_planner.analysis.isochrones.service_area`).
    gaps
        Uncovered demand points (e.g. :attr:`CoverageResult.demand`; rows whose ``covered``
        is true are left out), with ``time_min``, ``nearest_station`` and ``district`` in the
        popups when present.
    double_covered
        Demand points covered by two or more stations (e.g. :attr:`CoverageResult.demand`;
        rows whose ``n_stations`` is below 2 are left out); off at first.
    planned_only
        Demand points with ``covered`` and ``covered_built`` (e.g. :attr:`CoverageResult.demand`):
        those covered only thanks to stations under construction or proposed are drawn.
    districts
        District polygons with a name column (``name_zh``, ``name``, ``district`` or ``区县``;
        ``name_en`` and ``adcode`` also match the stats). Default when ``district_stats`` is
        given: Chongqing's districts named in it.
    district_stats
        Table with ``district`` and ``coverage_pct`` (:attr:`CoverageResult.by_district`),
        drawn as a choropleth on ``districts``; rows whose ``status`` is ``outside`` or
        ``too_small`` (:func:`harbor_planner.study_area.district_status`) are grey, dashed and
        named so, never coloured by their coverage. With ``coverage_pct_after`` and
        ``sites_added`` (:func:`harbor_planner.outputs.values.district_frame` of an
        optimisation), the popups and tooltips give the coverage before and after the new
        sites and the gain in percentage points.
    demand_after
        The demand with the new sites (``coverage_after.demand``, the same points as
        ``gaps``). With it, ``gaps`` is read as the demand before them and the map shows
        three layers instead of the gaps: covered before, newly covered by the new sites and
        still uncovered (the remaining gaps).
    centres
        City centres with ``name``, ``radius_m`` and their coverage figures
        (:func:`harbor_planner.analysis.centres.centre_coverage`): markers and radius circles.
    study_area
        The study area's polygon(s) (:meth:`harbor_planner.study_area.StudyArea.frame`),
        drawn as a dark outline in a layer of its own (研究范围 / Study area).
    basemap
        ``"osm"`` (default), ``"amap"`` (GCJ-02: overlays are shifted to match),
        ``"tianditu"`` or ``"none"``.
    lang
        ``"zh"`` (Chinese labels with English beside them where it helps) or ``"en"``.
    title
        Shown at the top of the map and as the page title.
    tianditu_key
        Tianditu key for ``basemap="tianditu"`` (default: the ``TIANDITU_KEY`` environment
        variable).

    Every GeoDataFrame needs a CRS; it is reprojected to WGS-84 for display.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` (``Map.save`` works too but is not atomic).

    Raises
    ------
    InputDataError
        Unknown basemap or language, a Tianditu basemap without a key, a layer that is not a
        GeoDataFrame, or missing columns; all problems of the arguments are named at once.
    CRSError
        A layer has no CRS.
    DependencyError
        folium is not installed.

    """
    try:
        import folium  # noqa: F401
    except ImportError as exc:  # pragma: no cover - folium is a dependency
        raise DependencyError("maps need folium: pip install folium") from exc
    key = tianditu_key or os.environ.get("TIANDITU_KEY") or None
    frames = {
        "stations": stations,
        "sites": sites,
        "isochrones": isochrones,
        "service_area": service_area,
        "gaps": gaps,
        "double_covered": double_covered,
        **_context_frames(gaps, demand_after, centres, study_area),
        "planned_only": planned_only,
    }
    shown = _display_layers(
        frames,
        districts,
        district_stats,
        gcj=basemap == "amap",
        problems=_basemap_problems(basemap, lang, key),
    )
    m = _new_map(title)
    for tile in _tile_layers(basemap, lang, key):
        tile.add_to(m)
    legend = _add_areas(m, shown, district_stats, lang)
    legend.update(_add_context(m, shown, lang))
    legend.update(_add_study_area(m, shown, district_stats, lang))
    legend.update(_add_points(m, shown, lang))
    _add_controls(m, shown, legend, osm=basemap == "osm", lang=lang, title=title)
    _fit_bounds(m, shown)
    log.info(
        "map: %s",
        ", ".join(f"{k} {len(v)}" for k, v in shown.items() if v is not None) or "no layers",
    )
    return m


def _context_frames(gaps: Any, demand_after: Any, centres: Any, study_area: Any) -> dict:
    """The frames of :func:`_add_context`: with ``demand_after``, the gaps are the demand before."""
    change = demand_after is not None and gaps is not None
    return {
        "gaps": None if change else gaps,
        "demand_before": gaps if change else None,
        "demand_after": demand_after if change else None,
        "centres": centres,
        "study_area": study_area,
    }


def seed_element_ids(m: Any) -> None:
    """Number the map's elements in order, so that the same map renders to the same bytes.

    folium gives each element a random id; these become ``00000000``, ``00000001``...

    Parameters
    ----------
    m
        A folium map (or any branca element): its whole page, from the root, is renumbered.

    """
    root = m.get_root()
    count = 0

    def visit(el: Any) -> None:
        nonlocal count
        el._id = f"{count:08x}"
        count += 1
        children = getattr(el, "_children", None)
        if children:
            renamed = [(k, c, k == c.get_name()) for k, c in children.items()]
            children.clear()
            for key, child, named in renamed:
                visit(child)
                children[child.get_name() if named else key] = child
        for part in ("header", "html", "script"):
            sub = getattr(el, part, None) if el is root else None
            if sub is not None:
                visit(sub)

    visit(root)


def save_map(m: Any, path: str | os.PathLike[str]) -> int:
    """Write the map as one self-contained HTML file, atomically; return its size in bytes.

    Element ids are numbered (:func:`seed_element_ids`) and control characters removed, so
    that the same map gives the same bytes and nothing unprintable reaches the page. A page
    of that name is replaced only when harbor-planner wrote it and nobody edited it since,
    and not when a result folder's ``run.json`` lists it (an :class:`OutputError` otherwise).
    """
    from harbor_planner._io import atomic_path
    from harbor_planner._safety import check_output_file

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputDataError(
            f"the map is an HTML page: give a .html file name, not {path.name!r}", path=path
        )
    check_output_file(path, option="path")
    seed_element_ids(m)  # the map's own elements keep the names the page uses
    # rendering adds its controls to the map: a copy is rendered (probe 23R: each save of one
    # map added its layers again)
    page = seal_page(clean_text(copy.deepcopy(m).get_root().render()))
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    size = path.stat().st_size
    log.info("map: wrote %s (%.1f kB, self-contained)", path.name, size / 1024)
    return size
