"""The options of a briefing page, grouped by what they are about.

:func:`~landmap.render.briefing.page.briefing_map` takes the layers, the ``extent``, ``title``,
``lang`` and ``profile`` as plain keywords, and everything else in three small objects, each with
defaults that suit a printed A4 page::

    briefing_map("brief.pdf", cases=public, concessions=elc, extent="Mondulkiri",
                 title="Concessions in Mondulkiri",
                 paper=Paper(size="A3", orientation="portrait"),
                 text=PageText(subtitle="2024", sources=["Field survey, 2024"]),
                 drawing=Drawing(labels=False))

Every object checks its values when it is made and raises
:class:`~landmap.errors.OptionError` naming the bad value and the values allowed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from landmap.errors import OptionError
from landmap.render import options as check
from landmap.schema import Lang

#: The lowest resolution a briefing map may have (a thumbnail; 150 for screens, 300 for print).
MIN_DPI = 20


class PaperSize(StrEnum):
    """ISO 216 paper sizes a briefing map is laid out for."""

    A4 = "A4"
    A3 = "A3"


class Orientation(StrEnum):
    """Which way up the page is."""

    LANDSCAPE = "landscape"
    PORTRAIT = "portrait"


#: ISO 216 paper sizes in millimetres (portrait: width, height).
PAPER_MM: dict[PaperSize, tuple[float, float]] = {
    PaperSize.A4: (210.0, 297.0),
    PaperSize.A3: (297.0, 420.0),
}


@dataclass(frozen=True)
class Paper:
    """The sheet: its size, which way up, and the resolution of a PNG.

    Parameters
    ----------
    size
        ``"A4"`` (default) or ``"A3"`` (:class:`PaperSize`; any case). Text and symbols on A3
        are larger by √2, so both read alike at arm's length.
    orientation
        ``"landscape"`` (default) or ``"portrait"`` (:class:`Orientation`).
    dpi
        Dots per inch of a PNG (300 for print, 150 for a screen; at least 20). The PNG's size
        is checked against the ``raster_megapixels`` limit before anything is drawn.
    """

    size: PaperSize | str = PaperSize.A4
    orientation: Orientation | str = Orientation.LANDSCAPE
    dpi: int = 300

    def __post_init__(self) -> None:
        size = check.choice("paper size", self.size, PaperSize, fold_case=True)
        orientation = check.choice("orientation", self.orientation, Orientation)
        dpi = check.number("dpi", self.dpi, low=MIN_DPI, whole=True, example=300)
        for name, value in (("size", size), ("orientation", orientation), ("dpi", dpi)):
            check.settle(self, name, value)

    @property
    def inches(self) -> tuple[float, float]:
        """``(width, height)`` of the page in inches."""
        w, h = PAPER_MM[PaperSize(self.size)]
        if self.orientation == Orientation.LANDSCAPE:
            w, h = h, w
        return w / 25.4, h / 25.4

    @property
    def scale(self) -> float:
        """How much larger text and symbols are drawn than on A4 (√2 on A3)."""
        return 1.0 if self.size == PaperSize.A4 else 2**0.5


#: A title-like text: plain, or ``{"en": ..., "km": ...}`` for each language.
Text = str | Mapping[str, str] | None


@dataclass(frozen=True)
class PageText:
    """The page's words besides its title.

    Parameters
    ----------
    subtitle
        Text, or ``{"en": ..., "km": ...}``; by default the extent's name.
    sources
        Extra attribution lines (the layers' own sources are found from their provenance).
    date
        Date printed on the map (today by default).
    """

    subtitle: Text = None
    sources: Sequence[str] = ()
    date: dt.date | None = None

    def __post_init__(self) -> None:
        check.settle(self, "subtitle", bilingual("subtitle", self.subtitle))
        check.settle(self, "sources", check.names("sources", self.sources, what="lines"))
        if self.date is not None and not isinstance(self.date, dt.date):
            raise OptionError(
                f"date must be a datetime.date, not {self.date!r} of type "
                f"{type(self.date).__name__}.",
                fix="write date=datetime.date(2024, 5, 31) (or leave it out)",
            )


@dataclass(frozen=True)
class Drawing:
    """What is drawn under and beside the layers.

    Parameters
    ----------
    labels
        Label provinces, concessions and areas (placed without overlaps; the rest are dropped
        and counted in the provenance file's ``omitted``).
    relief
        Hillshade from the bundled relief raster (``True``), another raster's path, or
        ``False``.
    basemap
        A web-tile basemap name (``"osm"`` or a contextily provider name): needs contextily
        and internet; off by default.
    """

    labels: bool = True
    relief: bool | str | os.PathLike[str] = True
    basemap: str | None = None

    def __post_init__(self) -> None:
        check.flag("labels", self.labels)
        if not isinstance(self.relief, bool | str | os.PathLike):
            raise OptionError(
                f"relief must be True, False or a raster's path, not "
                f"{self.relief!r} of type {type(self.relief).__name__}.",
                fix="write relief=False to leave the hillshade out",
            )
        check.text("basemap", self.basemap)


def bilingual(option: str, value: object) -> Text:
    """Return a title-like text if it is text or ``{"en": ..., "km": ...}``; else raise."""
    if value is None or isinstance(value, str):
        return value
    if (
        isinstance(value, Mapping)
        and value
        and all(key in (Lang.EN, Lang.KM) and isinstance(v, str) for key, v in value.items())
    ):
        return dict(value)
    raise OptionError(
        f"{option} must be text or {{'en': ..., 'km': ...}}, not {value!r} of "
        f"type {type(value).__name__}.",
        fix=f'write {option}="..." or {option}={{"en": "...", "km": "..."}}',
    )


__all__ = [
    "MIN_DPI",
    "PAPER_MM",
    "Drawing",
    "Orientation",
    "PageText",
    "Paper",
    "PaperSize",
    "bilingual",
]
