"""Page assets of the HTML maps: inlined Leaflet, the page's CSS and JavaScript, folium elements.

Leaflet's JavaScript and CSS (vendored in ``harbor_planner/_static``, BSD-2-Clause) are inlined
so that a saved map works from disk with no network; its images become data URIs.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from importlib import resources
from typing import Any

from harbor_planner._text import strip_control_deep

__all__ = [
    "LAYER_JS",
    "STYLE_CSS",
    "element_classes",
    "js_json",
    "leaflet_css",
    "leaflet_js",
    "script_safe",
]

#: The page's own styles: numbered site icons, legend, title and popup tables.
STYLE_CSS = """
.hp-site-icon{background:none;border:none}
.hp-site-icon div{width:22px;height:22px;border-radius:50%;background:#dc2626;color:#fff;
 border:2px solid #fff;box-shadow:0 0 3px rgba(0,0,0,.6);font:bold 11px/22px sans-serif;
 text-align:center}
.hp-legend,.hp-title{background:rgba(255,255,255,.92);padding:6px 9px;border-radius:5px;
 box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.45 "Helvetica Neue",Arial,"PingFang SC",
 "Microsoft YaHei",sans-serif;color:#222}
.hp-title{font-size:15px;font-weight:bold;max-width:calc(100vw - 500px);min-width:240px}
.hp-legend{max-height:42vh;overflow-y:auto;box-sizing:border-box}
.leaflet-right .leaflet-control-layers-expanded{max-height:44vh;overflow-y:auto;
 box-sizing:border-box}
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

#: Builds the layers from the compact specs written by Python. Every string in a spec is already
#: HTML-escaped; this code only concatenates them with fixed markup.
LAYER_JS = """
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
def leaflet_js() -> str:
    """Leaflet's JavaScript, without its source-map comment.

    Returns
    -------
    str
        The script text (not yet safe to inline: see :func:`script_safe`).

    """
    text = _static("leaflet", "leaflet.js").decode("utf-8")
    # the source map is not shipped; a devtools fetch of it would fail
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images as data URIs.

    Returns
    -------
    str
        The style sheet text.

    """
    text = _static("leaflet", "leaflet.css").decode("utf-8")

    def data_uri(match: re.Match[str]) -> str:
        png = base64.b64encode(_static("leaflet", "images", match.group(1))).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, text)


#: Stand-ins for ``{`` and ``}`` inside strings while JSON is written (private-use code points).
_BRACES = {ord("{"): "\ue000", ord("}"): "\ue001", 0xE000: "\ue000", 0xE001: "\ue001"}


def _mark_braces(value: Any) -> Any:
    """Every string of ``value`` (keys too) with its braces replaced by stand-ins."""
    if isinstance(value, str):
        return value.translate(_BRACES)
    if isinstance(value, dict):
        return {_mark_braces(k): _mark_braces(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_braces(v) for v in value]
    return value


def js_json(value: Any) -> str:
    r"""Compact JSON safe to inline in ``<script>`` (``<``, ``>``, ``&``, ``'`` escaped).

    Control characters are removed from every string, and the braces inside strings are
    written ``\u007b``/``\u007d``: folium's elements pass their rendered script through
    Jinja again (branca's ``Element``), where a name holding ``{{ ... }}``, ``{% ... %}`` or
    ``{# ...`` would be run or break the page. JSON's own braces never form those pairs.
    """
    value = _mark_braces(strip_control_deep(value))
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\ue000", "\\u007b"), ("\ue001", "\\u007d")):  # fmt: skip
        text = text.replace(ch, esc)
    # U+2028/2029 are line breaks to older JavaScript parsers
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def script_safe(text: str) -> str:
    """Text that cannot close the ``<script>``/``<style>`` element it is inlined in."""
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


# --------------------------------------------------------------------------- folium elements


@functools.cache
def element_classes() -> dict[str, type]:
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
            self.spec_json = js_json(spec)

    class MapControl(MacroElement):
        """A fixed ``L.control`` holding pre-escaped HTML (legend, title)."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.content_json }};
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
            self.content_json = js_json(content)  # braces escaped: see js_json
            self.position = position
            self.css_class = css_class

    class Attribution(MacroElement):
        """Adds an attribution to the map's attribution control."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ this.text_json }});
            {% endmacro %}
            """
        )

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "HarborAttribution"
            self.text = text
            self.text_json = js_json(text)

    return {
        "Element": Element,
        "VectorLayer": VectorLayer,
        "MapControl": MapControl,
        "Attribution": Attribution,
    }
