"""folium elements that draw landmap layers and controls through ``landmap.js``.

Each element carries its data as a JSON payload in a ``<script type="application/json">`` block
(escaped so no value can close the block) and a few lines of script calling the runtime. The
elements subclass folium's own, so they sit in a ``folium.Map`` beside any other folium object
and appear in folium's ``LayerControl``.
"""

from __future__ import annotations

import html
import json
import re
from enum import StrEnum
from typing import Any

from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from landmap.render.maps.assets import url

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TABLE = str.maketrans(_ESCAPES)
#: branca re-reads every rendered macro as a Jinja template, so "{{", "{%" and "{#" in a value
#: would be evaluated at save time. In JSON text such pairs occur only inside strings, where
#: "\u007b" is the same "{".
_JINJA_START = re.compile(r"\{(?=[{%#])")


def json_for_html(value: Any) -> str:
    r"""Serialise ``value`` as JSON that is safe inside ``<script>`` (as code or as a JSON block).

    ``<``, ``>`` and ``&`` become ``\u003c`` etc., so ``</script>`` or ``<!--`` in a value
    cannot end the block; JSON string escaping handles quotes and backslashes; a ``{`` that
    would open a Jinja tag becomes ``\u007b`` (folium re-reads rendered output as a template).

    Examples
    --------
    >>> json_for_html({"t": "</script><b>"})
    '{"t":"\\u003c/script\\u003e\\u003cb\\u003e"}'

    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JINJA_START.sub(r"\\u007b", text.translate(_TABLE))


def safe_name(name: str) -> str:
    """Escape a layer name for Leaflet's layer control (which sets it as HTML).

    ``{`` is escaped too, for the template pass folium's output goes through.
    """
    return html.escape(str(name)).replace("{", "&#123;")


def _runtime_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return (
        [("landmap_js", url("landmap/landmap.js"))],
        [("landmap_css", url("landmap/landmap.css"))],
    )


class LayerGeometry(StrEnum):
    """What a :class:`DataLayer` draws (and which runtime factory draws it)."""

    POINTS = "points"
    POLYGONS = "polygons"


class LegendShape(StrEnum):
    """The swatch of a legend section on the map: a marker or a filled box."""

    POINT = "point"
    POLYGON = "polygon"


class DataLayer(JSCSSMixin, Layer):
    """A polygon or point layer drawn from a compact payload (:mod:`landmap.render.maps.encode`).

    Parameters
    ----------
    spec
        The layer payload: geometry strings, attribute columns, styles, popup/tooltip/search
        columns and labels.
    name
        Name in the layer control (shown as text).
    kind
        ``"polygons"`` or ``"points"``.
    show
        Whether the layer is on when the map opens.

    """

    _template = Template(
        """
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}_data">{{ this.payload }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = landmap.{{ this.factory }}({{ this._parent.get_name() }},
    landmap.data("{{ this.get_name() }}_data"));
{% endmacro %}
"""
    )

    def __init__(
        self, spec: dict[str, Any], *, name: str, kind: str, show: bool = True, control: bool = True
    ) -> None:
        super().__init__(name=safe_name(name), overlay=True, control=control, show=show)
        self._name = "LandmapLayer"
        self.spec = spec
        self.geometry_kind = kind
        self.factory = "pointLayer" if kind == LayerGeometry.POINTS else "polygonLayer"
        js, css = _runtime_assets()
        self.default_js = list(js)
        self.default_css = list(css)
        cluster = kind == LayerGeometry.POINTS and spec.get("cluster")
        if cluster:
            self.default_js.insert(
                0, ("markercluster_js", url("leaflet.markercluster/leaflet.markercluster.js"))
            )
            self.default_css[:0] = [
                ("markercluster_css", url("leaflet.markercluster/MarkerCluster.css")),
                (
                    "markercluster_default_css",
                    url("leaflet.markercluster/MarkerCluster.Default.css"),
                ),
            ]

    @property
    def payload(self) -> str:
        """The layer payload as HTML-safe JSON."""
        return json_for_html(self.spec)


class HeatLayer(JSCSSMixin, Layer):
    """A heatmap of a case layer (leaflet.heat), weighted by households when ``weighted``."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = landmap.heatLayer({{ this.source.get_name() }}, {{ this.options }});
{% endmacro %}
"""
    )

    def __init__(
        self, source: DataLayer, *, name: str, weighted: bool = True, show: bool = False
    ) -> None:
        super().__init__(name=safe_name(name), overlay=True, control=True, show=show)
        self._name = "LandmapHeat"
        self.source = source
        self.options = json_for_html({"weighted": weighted})
        js, css = _runtime_assets()
        self.default_js = [("leaflet_heat_js", url("leaflet.heat/leaflet-heat.js")), *js]
        self.default_css = css


class Control(JSCSSMixin):
    """A landmap control: ``landmap.<function>(map, ...args)`` with JSON arguments."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
landmap.{{ this.function }}({{ this._parent.get_name() }}
  {%- for a in this.args %}, {{ a }}{% endfor %});
{% endmacro %}
"""
    )

    def __init__(
        self,
        function: str,
        *args: Any,
        refs: tuple[Any, ...] = (),
        js: tuple[tuple[str, str], ...] = (),
        css: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__()
        self._name = f"Landmap_{function}"
        self.function = function
        self.refs = refs
        self._args = args
        base_js, base_css = _runtime_assets()
        self.default_js = [*js, *base_js]
        self.default_css = [*css, *base_css]

    @property
    def args(self) -> list[str]:
        """Rendered arguments: element references by name, everything else as JSON."""
        out = [ref.get_name() for ref in self.refs]
        return out + [json_for_html(a) for a in self._args]


class PluginControl(JSCSSMixin):
    """A Leaflet plugin control created by a fixed expression (fullscreen, measure)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
{{ this.expression }}({{ this.options }}).addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        expression: str,
        options: dict[str, Any],
        *,
        js: list[tuple[str, str]],
        css: list[tuple[str, str]],
    ) -> None:
        super().__init__()
        self._name = "LandmapPlugin"
        self.expression = expression
        self.options = json_for_html(options)
        self.default_js = js
        self.default_css = css


__all__ = [
    "Control",
    "DataLayer",
    "HeatLayer",
    "LayerGeometry",
    "LegendShape",
    "PluginControl",
    "json_for_html",
]
