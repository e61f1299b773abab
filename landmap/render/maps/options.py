"""The options of an interactive map, grouped by what they are about.

:func:`~landmap.render.maps.build_map` takes the layers, ``title``, ``lang`` and ``profile`` as
plain keywords, and everything else in four small objects, each with defaults that suit a
shared advocacy map::

    build_map(cases=public, concessions=elc, title="Cases near concessions",
              text=MapText(notice="Public version: locations displaced"),
              controls=MapControls(heatmap=True, cluster=False),
              view=MapView(basemap="satellite"),
              fields=MapFields(popup=["case_id", "type", "date"]))

Every object checks its values when it is made and raises
:class:`~landmap.errors.OptionError` naming the bad value and the values allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from landmap.errors import OptionError
from landmap.render import options as check

#: Columns for popups, tooltips or search: one list for every layer, ``{kind: [columns]}``,
#: or ``None`` for each layer's defaults.
Columns = Sequence[str] | Mapping[str, Sequence[str] | None] | None

#: Deepest zoom a map may have (web tiles stop at about 19-22).
ZOOM_LIMIT = 22
#: Shallowest zoom the map may be opened to (the whole of mainland South-East Asia).
MIN_ZOOM = 4


class Basemap(StrEnum):
    """Web basemaps a map may ask for (they need internet; none is used by default)."""

    OSM = "osm"
    SATELLITE = "satellite"


@dataclass(frozen=True)
class MapText:
    """Text the map carries besides its title.

    Parameters
    ----------
    subtitle
        Shown under the title.
    notice
        A banner such as ``"CONFIDENTIAL — internal use only"`` or ``"Public version:
        locations displaced"``. ``None``: an internal map with cases says CONFIDENTIAL.
    """

    subtitle: str | None = None
    notice: str | None = None

    def __post_init__(self) -> None:
        check.text("subtitle", self.subtitle)
        check.text("notice", self.notice)


@dataclass(frozen=True)
class MapControls:
    """Which controls the map shows.

    Parameters
    ----------
    cluster
        Cluster case markers (``None``: for 51 to 20,000 cases; more are drawn in bulk on a
        canvas). Clusters show how many cases they hold; many cases at one spot spread out on
        click.
    heatmap
        Add a heatmap of cases weighted by households (off when the map opens).
    time_slider
        Add a slider showing cases up to a date (``None``: when cases have dates in more than
        one month).
    legend
        The legend. It folds away on a small map (a notebook cell, a phone) and whenever it
        would touch another control; a reader opens it with one click.
    minimap
        The overview map. ``None``: only when the map is at least 900 × 600 pixels, so it
        never crowds the layer switcher in a notebook; ``True`` always, ``False`` never.
    measure, fullscreen
        The distance tool and the full-screen button.
    """

    cluster: bool | None = None
    heatmap: bool = False
    time_slider: bool | None = None
    legend: bool = True
    minimap: bool | None = None
    measure: bool = True
    fullscreen: bool = True

    def __post_init__(self) -> None:
        for name in ("cluster", "time_slider", "minimap"):
            check.flag(name, getattr(self, name), automatic=True)
        for name in ("heatmap", "legend", "measure", "fullscreen"):
            check.flag(name, getattr(self, name))


@dataclass(frozen=True)
class MapView:
    """What lies under the layers and how deep the map zooms.

    Parameters
    ----------
    basemap
        ``None`` (default: no web tiles, the boundaries are the background),
        ``"osm"`` or ``"satellite"`` (:class:`Basemap`; needs internet when the map is opened;
        attributed on the map).
    max_zoom
        The map's deepest zoom, a whole number from 4 to 22.
    precision_zoom
        Zoom whose pixel size sets coordinate precision and simplification tolerance
        (``None``: ``max_zoom - 1``, about 1 m at zoom 17, so nothing visible is lost one zoom
        below the deepest; 14 gives ~9 m and much smaller files for national maps).
    """

    basemap: Basemap | str | None = None
    max_zoom: int = 18
    precision_zoom: float | None = None

    def __post_init__(self) -> None:
        if self.basemap is not None:
            check.settle(self, "basemap", check.choice("basemap", self.basemap, Basemap))
        check.settle(
            self,
            "max_zoom",
            check.number(
                "max_zoom", self.max_zoom, low=MIN_ZOOM, high=ZOOM_LIMIT, whole=True, example=18
            ),
        )
        if self.precision_zoom is not None:
            check.number("precision_zoom", self.precision_zoom, low=0, high=ZOOM_LIMIT, example=14)

    @property
    def coordinate_zoom(self) -> float:
        """The zoom that sets coordinate precision (``precision_zoom`` or ``max_zoom - 1``)."""
        return self.max_zoom - 1 if self.precision_zoom is None else self.precision_zoom


@dataclass(frozen=True)
class MapFields:
    """Which columns appear in popups and tooltips and are searched.

    Each is a list for every layer (columns a layer lacks are skipped, a column no layer has is
    an error), a ``{kind: [columns]}`` mapping, or ``None`` for the defaults (name, id, type or
    kind, date, description…); ``[]`` for none. With one list for every layer, popups and
    tooltips also show each feature's name or id. Only these columns reach the HTML; every
    value is shown as text.

    Parameters
    ----------
    popup, tooltip, search
        The columns of each.
    """

    popup: Columns = None
    tooltip: Columns = None
    search: Columns = None

    def __post_init__(self) -> None:
        for name in ("popup", "tooltip", "search"):
            check.settle(self, name, _columns(name, getattr(self, name)))

    def items(self) -> tuple[tuple[str, Columns], ...]:
        """Return ``(("popup", ...), ("tooltip", ...), ("search", ...))``."""
        return (("popup", self.popup), ("tooltip", self.tooltip), ("search", self.search))


def _columns(option: str, value: object) -> Columns:
    if value is None:
        return None
    if isinstance(value, Mapping):
        bad = [key for key in value if not isinstance(key, str)]
        if bad:
            raise OptionError(
                f"{option} maps layer kinds to columns, not {bad[0]!r}.",
                fix=f'write {option}={{"cases": ["case_id"]}}',
            )
        return {
            kind: None if cols is None else check.names(option, cols)
            for kind, cols in value.items()
        }
    if isinstance(value, str | Sequence):
        return check.names(option, value)
    raise OptionError(
        f"{option} must be a list of columns or a {{kind: [columns]}} mapping, not {value!r} "
        f"of type {type(value).__name__}.",
        fix=f'write {option}=["case_id", "type"]',
    )


__all__ = ["Basemap", "Columns", "MapControls", "MapFields", "MapText", "MapView"]
