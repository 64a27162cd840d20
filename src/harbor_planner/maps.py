"""Self-contained interactive HTML maps of stations, isochrones, coverage gaps and new sites.

:func:`make_map` builds a :class:`folium.Map` from any of the package's results, every layer
optional and switchable in the layer control; :func:`save_map` writes it atomically. The saved
file works from disk with no network: Leaflet's JavaScript and CSS (vendored in
``harbor_planner/_static``, BSD-2-Clause) are inlined, and folium's other CDN links (jQuery,
Bootstrap, Font Awesome, awesome-markers) are dropped because nothing here uses them: points
are circle markers, new sites numbered ``L.divIcon`` labels. With ``basemap="none"`` the map
makes no request at all.

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

Layers with more than :data:`CANVAS_THRESHOLD` features draw through Leaflet's canvas
renderer, so that thousands of points stay fluid; smaller ones are SVG paths (each feature one
``<path>`` carrying a ``hp-...`` class).

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

import base64
import functools
import html
import json
import logging
import math
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import shapely

from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.errors import CRSError, DependencyError, InputDataError

__all__ = ["BASEMAPS", "CANVAS_THRESHOLD", "LANGS", "make_map", "save_map"]

log = logging.getLogger(__name__)

#: Basemap names accepted by :func:`make_map`.
BASEMAPS: tuple[str, ...] = ("osm", "amap", "tianditu", "none")
#: Label languages accepted by :func:`make_map`.
LANGS: tuple[str, ...] = ("zh", "en")
#: Layers with more features than this render through the canvas renderer instead of SVG.
CANVAS_THRESHOLD = 1000

#: Decimal places kept for displayed points (1e-6 degrees is about 0.1 m) and polygon
#: vertices (1e-5 degrees, about 1 m: isochrones are street corridors tens of metres wide).
_POINT_DECIMALS = 6
_POLYGON_DECIMALS = 5
#: Polygon simplification for display, degrees: about 2.5 m for walk polygons, 10 m for
#: district boundaries (a Yuzhong coverage map shrinks from 2.8 MB to about half).
_SIMPLIFY_DEG = 2.5e-5
_SIMPLIFY_DISTRICT_DEG = 1e-4

_OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

# (Chinese, English) label pairs; lang="zh" shows the Chinese one with the English beside it
# in the layer control and legend where it helps, lang="en" the English one.
_T: dict[str, tuple[str, str]] = {
    "existing": ("已建港湾", "Existing stations"),
    "planned": ("在建/拟建港湾", "Stations building / proposed"),
    "closed": ("已关闭港湾", "Closed stations"),
    "sites": ("建议新址", "Suggested new sites"),
    "isochrones": ("步行等时圈", "Walking isochrones"),
    "service_area": ("服务范围", "Service area"),
    "gaps": ("未覆盖需求", "Uncovered demand"),
    "double": ("交叉覆盖需求", "Demand covered twice"),
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
    "demand_covered": ("覆盖需求", "Demand covered"),
    "unique_demand": ("独有覆盖", "Covered by it alone"),
    "exit_loss_pct": ("关闭损失 %", "Loss if closed, %"),
    "importance_rank": ("重要性排名", "Importance rank"),
    "rank": ("排名", "Rank"),
    "gain": ("新增覆盖", "Coverage gain"),
    "kind": ("类型", "Kind"),
    "stage": ("批次", "Stage"),
    "station": ("港湾", "Station"),
    "minutes": ("步行时间 (分钟)", "Walk (minutes)"),
    "area_km2": ("面积 (km²)", "Area (km²)"),
    "stations_n": ("港湾数", "Stations"),
    "time_min": ("最近港湾步行 (分钟)", "Walk to nearest station (min)"),
    "nearest": ("最近港湾", "Nearest station"),
    "unreachable": ("不可达", "unreachable"),
    "coverage_pct": ("覆盖率 %", "Coverage, %"),
    "no_data": ("无数据", "no data"),
    "min_band": ("{m} 分钟", "{m} min"),
    "min_suffix": ("分钟", "min"),
}

_STATUS: dict[str, tuple[str, str]] = {
    "existing": ("已建成", "existing"),
    "building": ("在建", "under construction"),
    "proposed": ("拟建", "proposed"),
    "candidate": ("候选", "candidate"),
    "closed": ("已关闭", "closed"),
}

_STATUS_COLOR = {
    "existing": "#15803d",
    "building": "#d97706",
    "proposed": "#7c3aed",
    "candidate": "#0284c7",
    "closed": "#9ca3af",
}
_SITE_COLOR = "#dc2626"
_GAP_COLOR = "#e11d48"
_DOUBLE_COLOR = "#0d9488"
_SERVICE_COLOR = "#1d4ed8"
#: Isochrone fills from the shortest band to the longest (darker = closer).
_BAND_COLORS = ("#08306b", "#2171b5", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
#: Coverage choropleth classes: (upper bound %, colour), red (low) to green (high).
_COVERAGE_CLASSES = (
    (20.0, "#d7191c"),
    (40.0, "#fdae61"),
    (60.0, "#ffffbf"),
    (80.0, "#a6d96a"),
    (math.inf, "#1a9641"),
)
_NO_DATA_COLOR = "#d1d5db"

_STYLE_CSS = """
.hp-site-icon{background:none;border:none}
.hp-site-icon div{width:22px;height:22px;border-radius:50%;background:#dc2626;color:#fff;
 border:2px solid #fff;box-shadow:0 0 3px rgba(0,0,0,.6);font:bold 11px/22px sans-serif;
 text-align:center}
.hp-legend,.hp-title{background:rgba(255,255,255,.92);padding:6px 9px;border-radius:5px;
 box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.45 "Helvetica Neue",Arial,"PingFang SC",
 "Microsoft YaHei",sans-serif;color:#222}
.hp-title{font-size:15px;font-weight:bold}
.hp-legend h4{margin:0 0 4px;font-size:13px}
.hp-legend i{display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:-2px;
 border:1px solid rgba(0,0,0,.35)}
.hp-legend i.hp-dot{border-radius:50%}
.hp-en{color:#666;font-size:11px}
table.hp-pop{border-collapse:collapse;font-size:12px}
table.hp-pop th{text-align:left;padding:1px 8px 1px 0;color:#555;font-weight:normal;
 white-space:nowrap}
table.hp-pop td{padding:1px 0}
"""

# Builds the layers from the compact specs written by Python. Every string in a spec is already
# HTML-escaped; this code only concatenates them with fixed markup.
_LAYER_JS = """
function hpPopup(spec, p) {
  var h = '<table class="hp-pop">';
  for (var i = 0; i < spec.fields.length; i++) {
    if (p[i] === null || p[i] === undefined || p[i] === '') continue;
    h += '<tr><th>' + spec.fields[i] + '</th><td>' + p[i] + '</td></tr>';
  }
  return h + '</table>';
}
function hpLayer(spec) {
  var group = L.featureGroup();
  var renderer = spec.canvas ? L.canvas({padding: 0.5}) : L.svg();
  for (var k = 0; k < spec.features.length; k++) {
    var f = spec.features[k];
    var style = Object.assign({}, spec.style, f.s || {}, {renderer: renderer});
    var layer;
    if (spec.kind === 'circle') {
      layer = L.circleMarker([f.y, f.x], style);
    } else if (spec.kind === 'label') {
      layer = L.marker([f.y, f.x], {
        icon: L.divIcon({className: 'hp-site-icon', html: '<div>' + f.l + '</div>',
                         iconSize: [26, 26]}),
        riseOnHover: true
      });
    } else {
      layer = L.GeoJSON.geometryToLayer({type: 'Feature', properties: {}, geometry: f.g}, style);
    }
    if (f.t) layer.bindTooltip(f.t, {sticky: spec.kind === 'shape'});
    if (f.p) layer.bindPopup(hpPopup(spec, f.p), {maxWidth: 360});
    group.addLayer(layer);
  }
  return group;
}
"""


# --------------------------------------------------------------------------- vendored assets


def _static(*parts: str) -> bytes:
    return resources.files("harbor_planner").joinpath("_static", *parts).read_bytes()


@functools.cache
def _leaflet_js() -> str:
    text = _static("leaflet", "leaflet.js").decode("utf-8")
    # the source map is not shipped; a devtools fetch of it would fail
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)


@functools.cache
def _leaflet_css() -> str:
    text = _static("leaflet", "leaflet.css").decode("utf-8")

    def data_uri(match: re.Match[str]) -> str:
        png = base64.b64encode(_static("leaflet", "images", match.group(1))).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, text)


def _js_json(value: Any) -> str:
    """Compact JSON safe to inline in ``<script>`` (``<``, ``>``, ``&``, ``'`` escaped)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(ch, esc)
    # U+2028/2029 are line breaks to older JavaScript parsers
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _script_safe(text: str) -> str:
    """Text that cannot close the ``<script>``/``<style>`` element it is inlined in."""
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


# --------------------------------------------------------------------------- labels


def _t(key: str, lang: str) -> str:
    zh, en = _T[key]
    return zh if lang == "zh" else en


def _layer_name(key: str, lang: str) -> str:
    """Layer-control label (HTML): Chinese with the English in grey, or English."""
    zh, en = _T[key]
    if lang == "en":
        return html.escape(en)
    return f'{html.escape(zh)} <span class="hp-en">{html.escape(en)}</span>'


def _status_label(status: Any, lang: str) -> str:
    key = str(status).strip().lower() if _present(status) else ""
    if key in _STATUS:
        return _STATUS[key][0 if lang == "zh" else 1]
    return str(status) if _present(status) else ""


def _present(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _text(value: Any) -> str | None:
    """Escaped display text of a value, ``None`` when missing."""
    if not _present(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "✓" if value else None
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return None
        return f"{value:,.1f}" if abs(value) >= 10 or value == round(value) else f"{value:.2f}"
    return html.escape(str(value))


# --------------------------------------------------------------------------- geometries


def _display_frame(
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
    out = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].to_crs("EPSG:4326")
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


def _geojson_geometry(geom: Any) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geom))


def _col(frame: Any, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


# --------------------------------------------------------------------------- folium elements


@functools.cache
def _element_classes() -> dict[str, type]:
    """The folium subclasses, defined on first use so that importing this module stays cheap."""
    from branca.element import Element, MacroElement
    from folium.map import Layer
    from jinja2 import Template

    class VectorLayer(Layer):
        """An overlay built in the page by ``hpLayer`` from a compact, pre-escaped spec."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = hpLayer({{ this.spec_json }});
            {% endmacro %}
            """
        )

        def __init__(self, spec: dict[str, Any], *, name: str, show: bool = True) -> None:
            super().__init__(name=name, overlay=True, control=True, show=show)
            self._name = "HarborLayer"
            self.spec = spec
            self.spec_json = _js_json(spec)

    class MapControl(MacroElement):
        """A fixed ``L.control`` holding pre-escaped HTML (legend, title)."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self, content: str, *, position: str, css_class: str) -> None:
            super().__init__()
            self._name = "HarborControl"
            self.content = content
            self.position = position
            self.css_class = css_class

    class Attribution(MacroElement):
        """Adds an attribution to the map's attribution control."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ this.text|tojson }});
            {% endmacro %}
            """
        )

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "HarborAttribution"
            self.text = text

    return {
        "Element": Element,
        "VectorLayer": VectorLayer,
        "MapControl": MapControl,
        "Attribution": Attribution,
    }


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
        for c in ("demand_covered", "unique_demand", "exit_loss_pct", "importance_rank")
        if c in frame
    ]
    labels = [_t(key, lang) for _, key in cols]
    rows: list[list[str | None]] = []
    for rec in frame[[c for c, _ in cols if c in frame]].to_dict("records"):
        vals: list[str | None] = []
        for col, _ in cols:
            v = rec.get(col)
            if col == "status":
                vals.append(html.escape(_status_label(v, lang)) or None)
            elif col == "flagship":
                vals.append(html.escape(_t("yes", lang)) if _present(v) and bool(v) else None)
            elif col == "importance_rank":
                vals.append(_text(int(v)) if _present(v) and int(v) >= 0 else None)
            else:
                vals.append(_text(v))
        rows.append(vals)
    return labels, rows


def _tooltip(name: Any, ident: Any) -> str | None:
    n, i = _text(name), _text(ident)
    if n and i:
        return f"{n} ({i})"
    return n or i


def _station_layers(stations: Any, lang: str) -> list[tuple[str, dict]]:
    status = _col(stations, "status").map(
        lambda s: str(s).strip().lower() if _present(s) else "existing"
    )
    flagship = _col(stations, "flagship").map(lambda v: _present(v) and bool(v))
    labels, rows = _station_fields(stations, lang)
    names, ids = _col(stations, "name").tolist(), _col(stations, "station_id").tolist()
    groups = {
        "closed": status == "closed",
        "planned": status.isin(["building", "proposed", "candidate"]),
    }
    groups["existing"] = ~(groups["closed"] | groups["planned"])
    out = []
    for key in ("closed", "planned", "existing"):
        idx = np.flatnonzero(groups[key].to_numpy())
        if not len(idx):
            continue
        feats = []
        for i in idx:
            st = status.iloc[i]
            color = _STATUS_COLOR.get(st, _STATUS_COLOR["existing"])
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


def _site_layer(sites: Any, lang: str) -> dict:
    order = (
        np.argsort(pd.to_numeric(sites["rank"], errors="coerce").to_numpy(), kind="stable")
        if "rank" in sites
        else np.arange(len(sites))
    )
    cols = [
        ("rank", "rank"),
        ("site_id", "id"),
        ("name", "name"),
        ("district", "district"),
        ("kind", "kind"),
        ("stage", "stage"),
        ("gain", "gain"),
    ]
    labels = [_t(k, lang) for _, k in cols]
    feats = []
    for n, i in enumerate(order, start=1):
        rec = sites.iloc[i]
        rank = rec["rank"] if "rank" in sites and _present(rec["rank"]) else n
        rank_text = _text(int(rank)) if isinstance(rank, int | np.integer | float) else _text(rank)
        pt = sites.geometry.iloc[i]
        pt = pt if pt.geom_type == "Point" else pt.representative_point()
        vals = [rank_text] + [_text(rec.get(c)) for c, _ in cols[1:]]
        feats.append(
            {
                "x": pt.x,
                "y": pt.y,
                "l": rank_text or "",
                "t": f"#{rank_text} {_text(rec.get('site_id')) or ''}".strip(),
                "p": vals,
            }
        )
    return _spec("label", {}, labels, feats)


def _isochrone_layer(iso: Any, stations: Any, lang: str) -> tuple[dict, list[tuple[float, str]]]:
    if "minutes" not in iso:
        raise InputDataError(
            f"isochrones need a 'minutes' column (the output of harbor_planner.isochrones); "
            f"it has {', '.join(map(str, iso.columns))}"
        )
    bands = sorted({float(m) for m in iso["minutes"]})
    colors = {m: _BAND_COLORS[min(i, len(_BAND_COLORS) - 1)] for i, m in enumerate(bands)}
    names: dict[str, Any] = {}
    if stations is not None and "station_id" in stations and "name" in stations:
        names = dict(zip(stations["station_id"].astype(str), stations["name"], strict=False))
    # largest band first so that the smaller ones draw on top
    iso = iso.assign(_m=iso["minutes"].astype(float)).sort_values("_m", ascending=False)
    area_km2 = iso.to_crs("EPSG:32648").area.to_numpy() / 1e6
    labels = [_t(k, lang) for k in ("station", "id", "minutes", "area_km2")]
    band_fmt = _T["min_band"][0 if lang == "zh" else 1]
    feats = []
    for j, (geom, sid, m) in enumerate(
        zip(iso.geometry, _col(iso, "station_id"), iso["_m"], strict=True)
    ):
        name = names.get(str(sid)) if _present(sid) else None
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
                "p": [_text(name), _text(sid), f"{m:g}", f"{area_km2[j]:.3f}"],
            }
        )
    style = {"color": "#1e3a8a", "weight": 0.6, "opacity": 0.5, "fillOpacity": 0.28}
    legend = [(m, colors[m]) for m in bands]
    return _spec("shape", style, labels, feats), legend


def _service_area_layer(area: Any, lang: str) -> dict:
    labels = [_t(k, lang) for k in ("minutes", "stations_n", "area_km2")]
    area_km2 = area.to_crs("EPSG:32648").area.to_numpy() / 1e6
    band_fmt = _T["min_band"][0 if lang == "zh" else 1]
    feats = []
    for j, geom in enumerate(area.geometry):
        m = area["minutes"].iloc[j] if "minutes" in area else None
        n = area["stations"].iloc[j] if "stations" in area else None
        tip = _t("service_area", lang)
        if _present(m):
            tip += " " + band_fmt.format(m=f"{float(m):g}")
        feats.append(
            {
                "g": _geojson_geometry(geom),
                "s": {"className": "hp-service"},
                "t": html.escape(tip),
                "p": [_text(m), _text(n), f"{area_km2[j]:.2f}"],
            }
        )
    style = {
        "color": _SERVICE_COLOR,
        "weight": 2,
        "dashArray": "6 4",
        "fillColor": _SERVICE_COLOR,
        "fillOpacity": 0.06,
    }
    return _spec("shape", style, labels, feats)


def _gap_layer(gaps: Any, lang: str, *, color: str = _GAP_COLOR, cls: str = "hp-gap") -> dict:
    labels = [_t(k, lang) for k in ("time_min", "nearest", "district")]
    unreachable = html.escape(_t("unreachable", lang))
    times = pd.to_numeric(_col(gaps, "time_min"), errors="coerce").to_numpy(dtype=float)
    nearest, district = _col(gaps, "nearest_station").tolist(), _col(gaps, "district").tolist()
    feats = []
    for j, pt in enumerate(gaps.geometry):
        pt = pt if pt.geom_type == "Point" else pt.representative_point()
        t = times[j]
        feats.append(
            {
                "x": pt.x,
                "y": pt.y,
                "p": [
                    f"{t:.1f}" if math.isfinite(t) else unreachable if "time_min" in gaps else None,
                    _text(nearest[j]) if math.isfinite(t) else None,
                    _text(district[j]),
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
        return _NO_DATA_COLOR
    return next(c for upper, c in _COVERAGE_CLASSES if pct < upper)


def _district_layer(districts: Any, stats: Any, lang: str) -> dict:
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
            if _present(d) and _present(p):
                pct_by_key[str(d).strip()] = float(p)
    labels = [_t(k, lang) for k in ("district", "coverage_pct")]
    feats = []
    for j, geom in enumerate(districts.geometry):
        rec = districts.iloc[j]
        pct = next(
            (
                pct_by_key[str(rec[c]).strip()]
                for c in keys_cols
                if str(rec[c]).strip() in pct_by_key
            ),
            None,
        )
        name = rec[name_cols[0]] if name_cols else None
        if lang == "en" and "name_en" in districts and _present(rec["name_en"]):
            name = rec["name_en"]
        pct_text = f"{pct:.1f} %" if pct is not None else _t("no_data", lang)
        feats.append(
            {
                "g": _geojson_geometry(geom),
                "s": {
                    "fillColor": _coverage_color(pct),
                    "fillOpacity": 0.3 if pct is not None else 0.08,
                    "className": "hp-district",
                },
                "t": f"{_text(name) or ''} {html.escape(pct_text)}".strip(),
                "p": [_text(name), html.escape(pct_text)],
            }
        )
    style = {"color": "#374151", "weight": 1.5, "opacity": 0.9}
    return _spec("shape", style, labels, feats)


def _auto_districts(stats: Any) -> Any:
    """Chongqing's district polygons named in ``stats['district']`` (None if none match)."""
    from harbor_planner.districts import chongqing_districts

    wanted = {str(d).strip() for d in stats.get("district", pd.Series(dtype=object)).dropna()}
    table = chongqing_districts()
    mask = np.zeros(len(table), dtype=bool)
    for col in ("name_zh", "name_en", "adcode"):
        if col in table:
            mask |= table[col].astype(str).isin(wanted).to_numpy()
    return table[mask] if mask.any() else None


# --------------------------------------------------------------------------- legend


def _legend_html(items: dict[str, Any], lang: str) -> str:
    def row(swatch: str, key: str | None = None, text: str | None = None) -> str:
        label = html.escape(text) if text is not None else html.escape(_t(key or "", lang))
        if lang == "zh" and key is not None and text is None:
            label += f' <span class="hp-en">{html.escape(_T[key][1])}</span>'
        return f"<div>{swatch}{label}</div>"

    def dot(color: str, border: str = "#fff") -> str:
        return f'<i class="hp-dot" style="background:{color};border-color:{border}"></i>'

    def box(color: str, extra: str = "") -> str:
        return f'<i style="background:{color};{extra}"></i>'

    parts = [f"<h4>{html.escape(_t('legend', lang))}</h4>"]
    statuses = items.get("statuses", [])
    for st in ("existing", "building", "proposed", "candidate", "closed"):
        if st in statuses:
            parts.append(row(dot(_STATUS_COLOR[st]), text=_status_label(st, lang)))
    if items.get("flagship"):
        parts.append(row(dot(_STATUS_COLOR["existing"], "#facc15"), "flagship"))
    if items.get("sites"):
        parts.append(row(dot(_SITE_COLOR), "sites"))
    band_fmt = _T["min_band"][0 if lang == "zh" else 1]
    for m, color in items.get("bands", []):
        parts.append(row(box(color, "opacity:.7"), text=band_fmt.format(m=f"{m:g}")))
    if items.get("service_area"):
        parts.append(row(box("transparent", f"border:2px dashed {_SERVICE_COLOR}"), "service_area"))
    if items.get("gaps"):
        parts.append(row(dot(_GAP_COLOR, _GAP_COLOR), "gaps"))
    if items.get("double"):
        parts.append(row(dot(_DOUBLE_COLOR, _DOUBLE_COLOR), "double"))
    if items.get("districts"):
        parts.append(f"<div><b>{html.escape(_t('coverage_pct', lang))}</b></div>")
        lower = 0.0
        for upper, color in _COVERAGE_CLASSES:
            text = f"≥ {lower:g}" if math.isinf(upper) else f"{lower:g}–{upper:g}"
            parts.append(row(box(color), text=text))
            lower = upper
        parts.append(row(box(_NO_DATA_COLOR), text=_t("no_data", lang)))
    return "".join(parts)


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


# --------------------------------------------------------------------------- public API


def make_map(
    *,
    stations: Any = None,
    sites: Any = None,
    isochrones: Any = None,
    service_area: Any = None,
    gaps: Any = None,
    double_covered: Any = None,
    districts: Any = None,
    district_stats: Any = None,
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
        Isochrone polygons (:func:`harbor_planner.isochrones`) with ``station_id`` and
        ``minutes``; one colour per band, largest band drawn first.
    service_area
        Dissolved service area (:func:`harbor_planner.isochrones.service_area`).
    gaps
        Uncovered demand points (e.g. :attr:`CoverageResult.demand`; rows whose ``covered``
        is true are left out), with ``time_min``, ``nearest_station`` and ``district`` in the
        popups when present.
    double_covered
        Demand points covered by two or more stations (e.g. :attr:`CoverageResult.demand`;
        rows whose ``n_stations`` is below 2 are left out); off at first.
    districts
        District polygons with a name column (``name_zh``, ``name``, ``district`` or ``区县``;
        ``name_en`` and ``adcode`` also match the stats). Default when ``district_stats`` is
        given: Chongqing's districts named in it.
    district_stats
        Table with ``district`` and ``coverage_pct`` (:attr:`CoverageResult.by_district`),
        drawn as a choropleth on ``districts``.
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
        import folium
    except ImportError as exc:  # pragma: no cover - folium is a dependency
        raise DependencyError("maps need folium: pip install folium") from exc
    classes = _element_classes()

    problems: list[str] = []
    crs_problems: list[str] = []
    if basemap not in BASEMAPS:
        problems.append(f"basemap must be one of {', '.join(BASEMAPS)}, got {basemap!r}")
    if lang not in LANGS:
        problems.append(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    key = tianditu_key or os.environ.get("TIANDITU_KEY") or None
    if basemap == "tianditu" and not key:
        problems.append(
            "basemap 'tianditu' needs a Tianditu key: pass tianditu_key=... or set the "
            "TIANDITU_KEY environment variable (a free key from console.tianditu.gov.cn)"
        )
    gcj = basemap == "amap"
    layers_in = {
        "stations": stations,
        "sites": sites,
        "isochrones": isochrones,
        "service_area": service_area,
        "gaps": gaps,
        "double_covered": double_covered,
    }
    shown: dict[str, Any] = {}
    for what, frame in layers_in.items():
        shown[what] = _display_frame(
            frame, what, gcj=gcj, problems=problems, crs_problems=crs_problems
        )
    shown["districts"] = _display_frame(
        districts,
        "districts",
        gcj=gcj,
        problems=problems,
        crs_problems=crs_problems,
        simplify_deg=_SIMPLIFY_DISTRICT_DEG,
    )
    if district_stats is not None and not isinstance(district_stats, pd.DataFrame):
        problems.append(f"district_stats must be a DataFrame, got {type(district_stats).__name__}")
    if problems or crs_problems:
        error = CRSError if crs_problems and not problems else InputDataError
        raise error("; ".join(problems + crs_problems))

    if shown["districts"] is None and district_stats is not None:
        shown["districts"] = _display_frame(
            _auto_districts(district_stats),
            "districts",
            gcj=gcj,
            problems=problems,
            crs_problems=crs_problems,
            simplify_deg=_SIMPLIFY_DISTRICT_DEG,
        )
    gaps_frame = shown["gaps"]
    if gaps_frame is not None and "covered" in gaps_frame:
        gaps_frame = gaps_frame[~gaps_frame["covered"].fillna(False).astype(bool)]
        shown["gaps"] = gaps_frame.reset_index(drop=True)
    double_frame = shown["double_covered"]
    if double_frame is not None and "n_stations" in double_frame:
        keep = pd.to_numeric(double_frame["n_stations"], errors="coerce").fillna(0) >= 2
        shown["double_covered"] = double_frame[keep.to_numpy()].reset_index(drop=True)

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
    el = classes["Element"]
    fig.header.add_child(
        el(f"<style>{_script_safe(_leaflet_css())}</style>"), name="harbor_leaflet_css"
    )
    fig.header.add_child(
        el(f"<script>{_script_safe(_leaflet_js())}</script>"), name="harbor_leaflet_js"
    )
    fig.header.add_child(el(f"<style>{_STYLE_CSS}</style>"), name="harbor_css")
    fig.header.add_child(el(f"<script>{_LAYER_JS}</script>"), name="harbor_js")
    if title:
        fig.title = html.escape(title)

    for tile in _tile_layers(basemap, lang, key):
        tile.add_to(m)

    legend: dict[str, Any] = {}
    vl = classes["VectorLayer"]
    if shown["districts"] is not None and len(shown["districts"]):
        spec = _district_layer(shown["districts"], district_stats, lang)
        vl(spec, name=_layer_name("districts", lang)).add_to(m)
        legend["districts"] = district_stats is not None
    if shown["isochrones"] is not None and len(shown["isochrones"]):
        spec, legend["bands"] = _isochrone_layer(shown["isochrones"], shown["stations"], lang)
        vl(spec, name=_layer_name("isochrones", lang)).add_to(m)
    if shown["service_area"] is not None and len(shown["service_area"]):
        spec = _service_area_layer(shown["service_area"], lang)
        # it covers the same ground as the isochrone bands: off at first when both are given
        show = shown["isochrones"] is None or not len(shown["isochrones"])
        vl(spec, name=_layer_name("service_area", lang), show=show).add_to(m)
        legend["service_area"] = True
    if shown["gaps"] is not None and len(shown["gaps"]):
        vl(_gap_layer(shown["gaps"], lang), name=_layer_name("gaps", lang)).add_to(m)
        legend["gaps"] = True
    if shown["double_covered"] is not None and len(shown["double_covered"]):
        spec = _gap_layer(shown["double_covered"], lang, color=_DOUBLE_COLOR, cls="hp-double")
        vl(spec, name=_layer_name("double", lang), show=False).add_to(m)
        legend["double"] = True
    if shown["stations"] is not None and len(shown["stations"]):
        st = shown["stations"]
        for key_name, spec in _station_layers(st, lang):
            vl(spec, name=_layer_name(key_name, lang)).add_to(m)
        statuses = _col(st, "status").map(
            lambda s: str(s).strip().lower() if _present(s) else "existing"
        )
        legend["statuses"] = set(statuses)
        legend["flagship"] = bool(_col(st, "flagship").map(lambda v: _present(v) and bool(v)).any())
    if shown["sites"] is not None and len(shown["sites"]):
        vl(_site_layer(shown["sites"], lang), name=_layer_name("sites", lang)).add_to(m)
        legend["sites"] = True

    osm_data = basemap == "osm" or any(
        shown[k] is not None for k in ("isochrones", "service_area", "gaps")
    )
    if osm_data:
        classes["Attribution"](_OSM_ATTRIBUTION).add_to(m)
    if title:
        classes["MapControl"](html.escape(title), position="topleft", css_class="hp-title").add_to(
            m
        )
    if any(legend.values()):
        classes["MapControl"](
            _legend_html(legend, lang), position="bottomright", css_class="hp-legend"
        ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)

    bounds = [
        f.total_bounds
        for f in shown.values()
        if f is not None and len(f) and f is not shown["districts"]
    ] or [f.total_bounds for f in (shown["districts"],) if f is not None and len(f)]
    if bounds:
        b = np.vstack(bounds)
        m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]])
    log.info(
        "map: %s",
        ", ".join(f"{k} {len(v)}" for k, v in shown.items() if v is not None) or "no layers",
    )
    return m


def save_map(m: Any, path: str | os.PathLike[str]) -> int:
    """Write the map as one self-contained HTML file, atomically; return its size in bytes."""
    from harbor_planner._io import atomic_path

    path = Path(path)
    page = m.get_root().render()
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    size = path.stat().st_size
    log.info("map: wrote %s (%.1f kB)", path, size / 1024)
    return size
