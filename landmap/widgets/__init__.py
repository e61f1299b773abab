"""The notebook explorer: filter cases by province, year, type, status and nearness to a concession.

Two layers, kept apart on purpose:

* **Pure functions** (:func:`prepare`, :func:`filter_view`, :func:`summary_table`,
  :func:`cases_per_year`) hold all the filtering logic. They take and return GeoDataFrames and
  are tested without any widget.
* :class:`Explorer` wires ipywidgets controls to those functions and redraws a map, a summary
  table and a small chart together; :func:`explore` builds one in a single call.

Maps are shown inside an ``<iframe srcdoc=...>`` in an :class:`ipywidgets.HTML` widget, with
Leaflet inlined (no internet needed). JupyterLab strips ``<iframe>`` from the HTML output of an
*untrusted* notebook (folium's own output then shows "Make this Notebook Trusted to load map"),
but an HTML widget sets its value without that sanitiser, so the map shows whether or not the
notebook is trusted. Offline, folium's own output fails even in a trusted notebook: its page
loads Leaflet from CDNs, the iframe stays blank and the "Make this Notebook Trusted" hint shows
through it (checked in JupyterLab 4.6 with headless Chromium). :func:`map_widget` shows any
folium map the explorer's way.

:func:`column_form` is a form with one dropdown per canonical column, to say which column of a
spreadsheet is which and save that mapping into a project file, without writing code.

``%load_ext landmap.widgets`` registers the ``%%solution`` cell magic of the workshop notebooks:
an answer cell's output stays in a folded box even after *Run All*.
"""

from landmap.widgets._columns import ColumnForm, column_form
from landmap.widgets._explorer import Explorer, explore
from landmap.widgets._maps import map_widget
from landmap.widgets._solution import answer_box, load_ipython_extension
from landmap.widgets._view import (
    ExplorerData,
    View,
    ViewFilter,
    cases_per_year,
    filter_view,
    prepare,
    summary_table,
)

__all__ = [
    "ColumnForm",
    "Explorer",
    "ExplorerData",
    "View",
    "ViewFilter",
    "answer_box",
    "cases_per_year",
    "column_form",
    "explore",
    "filter_view",
    "load_ipython_extension",
    "map_widget",
    "prepare",
    "summary_table",
]
