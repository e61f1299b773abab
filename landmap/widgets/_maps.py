"""The explorer's maps: drawn from a view, shown offline inside an ``<iframe srcdoc>``.

:func:`map_widget` shows any folium map the explorer's way: a standalone page with Leaflet
inlined, held by an :class:`ipywidgets.HTML` widget, so it shows offline and whether or not the
notebook is trusted.
"""

from __future__ import annotations

import html
from typing import Any

from landmap.schema import Lang
from landmap.widgets._view import View

#: Shown on the explorer and its maps when every case is marked synthetic.
SYNTHETIC_NOTICE = "SYNTHETIC cases: invented for training, not real"


def _build_map(
    view: View,
    *,
    lang: Lang,
    title: str | None,
    notice: str | None = None,
    precision_zoom: float = 17,
    cases: Any = None,
    profile: Any = "internal",
) -> Any:
    """Draw the true view on screen (internal), or a published view for an export."""
    from landmap.render.maps import MapControls, MapText, MapView, build_map

    return build_map(
        cases=view.cases if cases is None else cases,
        concessions=view.concessions,
        areas=view.areas,
        boundaries=view.boundaries,
        title=title,
        lang=lang,
        profile=profile,
        text=MapText(notice=notice),
        controls=MapControls(minimap=False),
        view=MapView(precision_zoom=precision_zoom),
    )


def _page_html(m: Any) -> str:
    """Return a folium map as one self-contained HTML document (Leaflet inlined, offline)."""
    from landmap.render.maps import map_html as _page

    return _page(m, offline=True)


#: Injected before ``</head>`` of a page shown in a notebook: a frame that starts hidden (a
#: JupyterLab cell outside the visible window) has no size, and fitting the map then zooms to the
#: maximum; wait until the frame is shown, then fit.
_FIT_WHEN_SHOWN = """<script>
(function () {
  if (!window.landmap || !landmap.ready) { return; }
  var ready = landmap.ready;
  function shown() { return window.innerWidth > 0 && window.innerHeight > 0; }
  landmap.ready = function (map, options) {
    if (shown()) { return ready(map, options); }
    function once() {
      if (!shown()) { return; }
      window.removeEventListener('resize', once);
      map.invalidateSize();
      ready(map, options);
    }
    window.addEventListener('resize', once);
  };
})();
</script>
"""


def _iframe(doc: str, height: int) -> str:
    head_end = doc.find("</head>")
    if head_end >= 0:
        doc = doc[:head_end] + _FIT_WHEN_SHOWN + doc[head_end:]
    return (
        f'<iframe srcdoc="{html.escape(doc, quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        'sandbox="allow-scripts allow-popups"></iframe>'
    )


def map_widget(m: Any, *, height: int = 480) -> Any:
    """Show a folium map in a notebook, offline, whether or not the notebook is trusted.

    The map is rendered as a standalone document (Leaflet inlined) inside an ``<iframe
    srcdoc>`` held by an :class:`ipywidgets.HTML` widget.

    Parameters
    ----------
    m
        A folium map.
    height
        Height in pixels.

    Returns
    -------
    ipywidgets.HTML

    """
    import ipywidgets as w

    return w.HTML(value=_iframe(_page_html(m), height))
