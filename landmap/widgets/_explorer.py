"""The ipywidgets side of the notebook explorer: controls, map, table, chart and export."""

from __future__ import annotations

import contextlib
import html
import io
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.render.options import check_lang
from landmap.schema import Lang, label
from landmap.widgets._export import export_view
from landmap.widgets._maps import SYNTHETIC_NOTICE, _build_map, _iframe, _page_html
from landmap.widgets._view import (
    LIVE_PRECISION_ZOOM,
    ViewFilter,
    _bilingual,
    cases_per_year,
    filter_view,
    prepare,
    summary_table,
)

#: Labels wrap instead of being cut off ("Show all / បង្ហា…"): Khmer labels are long, and a
#: notebook column is narrow. Scoped to the explorer's own box.
_STYLE = """<style>
.lm-explorer .widget-label-basic, .lm-explorer .widget-checkbox label,
.lm-explorer .widget-label { white-space: normal; overflow: visible; text-overflow: clip;
  height: auto; line-height: 1.35; }
.lm-explorer .widget-checkbox { height: auto; min-height: var(--jp-widgets-inline-height); }
.lm-explorer .widget-button { white-space: normal; height: auto; min-height: 28px;
  width: auto; max-width: 100%; line-height: 1.3; padding-top: 3px; padding-bottom: 3px; }
.lm-explorer .widget-button .fa { margin-right: 4px; }
.lm-explorer .lm-chart img { width: 100%; height: auto; }
</style>"""


def _check_list(options: list[tuple[str, str]]) -> Any:
    """Return a column of checkboxes with a ``value`` tuple, as a ``SelectMultiple`` has.

    No Ctrl+click to learn, and a long label wraps instead of being cut off.
    """
    import ipywidgets as w
    import traitlets

    class CheckList(w.VBox):
        value = traitlets.Tuple()

        def __init__(self) -> None:
            self.options = list(options)
            self._terms = [term for _, term in options]
            self.boxes = [
                w.Checkbox(
                    value=False, description=text, indent=False, layout=w.Layout(width="100%")
                )
                for text, _ in options
            ]
            self._syncing = False
            super().__init__(children=self.boxes, layout=w.Layout(width="98%"))
            for box in self.boxes:
                box.observe(self._from_boxes, names="value")
            self.observe(self._to_boxes, names="value")

        @traitlets.validate("value")
        def _valid(self, proposal: Any) -> tuple[str, ...]:
            value = tuple(proposal["value"])
            unknown = [v for v in value if v not in self._terms]
            if unknown:
                raise traitlets.TraitError(
                    f"{unknown[0]!r} is not one of the options {self._terms}"
                )
            return tuple(t for t in self._terms if t in value)

        def _from_boxes(self, _change: object) -> None:
            if not self._syncing:
                self.value = tuple(
                    t for t, b in zip(self._terms, self.boxes, strict=True) if b.value
                )

        def _to_boxes(self, change: Any) -> None:
            self._syncing = True
            try:
                for term, box in zip(self._terms, self.boxes, strict=True):
                    box.value = term in change["new"]
            finally:
                self._syncing = False

    return CheckList()


def _communes_of(boundaries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Return the commune level of ``boundaries``, if it has one."""
    if boundaries is None or "level" not in boundaries:
        return None
    level = boundaries["level"].astype("string").str.lower()
    is_commune = (level == "commune").fillna(False).astype(bool)
    return boundaries[is_commune] if is_commune.any() else None


def _is_synthetic(cases: pd.DataFrame) -> bool:
    """Whether every case carries the synthetic register's marker column."""
    if "synthetic" not in cases.columns or cases.empty:
        return False
    marker = cases["synthetic"].astype("string").str.upper()
    return bool(marker.str.contains("SYNTHETIC", regex=False).fillna(False).all())


class Explorer:
    """Interactive explorer: controls that filter cases and redraw a map, a table and a chart.

    Parameters
    ----------
    cases
        A canonical case layer. Workshops use the synthetic register only.
    concessions, areas, boundaries
        Canonical layers shown with the cases; provinces in ``boundaries`` give the province
        list (English and Khmer names).
    lang
        Labels: ``"en"``, ``"km"`` or ``"both"``.
    output_dir
        Folder the export button writes into (a temporary folder when ``None``).
    height
        Map height in pixels.
    title
        Map title.
    profile
        Privacy profile for exports; ``"public"`` (default) drops personal fields and displaces
        case locations when :mod:`landmap.privacy` is installed.
    communes
        Commune boundaries that keep displaced case locations inside their commune on a public
        export (taken from ``boundaries`` when it has a ``commune`` level).

    Attributes
    ----------
    province, years, case_type, status, concession_kind, near, within_km
        The controls (ipywidgets); set their ``value`` to drive the explorer from code.
    export_button, reset_button
        "Export view" (see :meth:`export`) and "Show all" (see :meth:`reset`).
    view
        The current :class:`View`; ``map``, ``table``, ``chart_data`` and ``figure`` show it.
    widget
        The whole explorer as one ipywidgets box (displayed by the notebook).

    """

    def __init__(
        self,
        cases: gpd.GeoDataFrame,
        *,
        concessions: gpd.GeoDataFrame | None = None,
        areas: gpd.GeoDataFrame | None = None,
        boundaries: gpd.GeoDataFrame | None = None,
        lang: Lang | str = Lang.BOTH,
        output_dir: str | Path | None = None,
        height: int = 560,
        title: str | None = None,
        profile: str = "public",
        communes: gpd.GeoDataFrame | None = None,
    ) -> None:
        self.lang = check_lang(lang)
        self.data = prepare(
            cases, concessions=concessions, areas=areas, boundaries=boundaries, lang=self.lang
        )
        self.height = height
        self.title = title
        self.profile = profile
        self.communes = _communes_of(boundaries) if communes is None else communes
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.last_update_seconds = 0.0
        self.last_export_note = ""
        self.figure: Any = None
        self._hold = False
        self.synthetic = _is_synthetic(self.data.cases)
        self._make_filters()
        self._make_buttons_and_views()
        self.widget = self._lay_out()
        self._connect()
        self.update()

    def _make_filters(self) -> None:
        """Make the controls that filter the cases: province, years, lists, distance."""
        import ipywidgets as w

        lang, layout = self.lang, w.Layout(width="98%")
        first, last = self.data.year_range
        all_label = _bilingual("All provinces", "ខេត្តទាំងអស់", lang)
        self.province = w.Dropdown(
            options=[(all_label, ""), *[(v, k) for k, v in self.data.provinces.items()]],
            value="",
            layout=layout,
        )
        self.years = w.IntRangeSlider(
            value=(first, last), min=first, max=last, step=1, layout=layout, continuous_update=False
        )
        self.case_type = _check_list(
            [(label("case_type", t, lang), t) for t in self.data.case_types]
        )
        self.status = _check_list(
            [(label("case_status", t, lang), t) for t in self.data.case_statuses]
        )
        self.concession_kind = _check_list(
            [(label("concession_kind", k, lang), k) for k in self.data.concession_kinds]
        )
        self.near = w.Checkbox(
            value=False,
            description=_bilingual("Only cases near a concession", "តែករណីជិតសម្បទាន", lang),
            indent=False,
            layout=layout,
        )
        self.within_km = w.FloatSlider(
            value=2.0,
            min=0.0,
            max=50.0,
            step=0.5,
            description="km",
            layout=layout,
            continuous_update=False,
            readout_format=".1f",
        )

    def _make_buttons_and_views(self) -> None:
        """Make the buttons, the hint under the controls and the map, table and chart panes."""
        import ipywidgets as w

        lang = self.lang
        self.export_button = w.Button(
            description=_bilingual("Export view", "នាំចេញ", lang),
            icon="download",
            button_style="primary",
            layout=w.Layout(width="auto"),
        )
        self.reset_button = w.Button(
            description=_bilingual("Show all", "បង្ហាញទាំងអស់", lang),
            icon="undo",
            layout=w.Layout(width="auto"),
        )
        self.status_line = w.HTML()
        self.map_view = w.HTML()
        # the table and the chart share the row: fixed shares, so a redrawn chart (more years
        # after "Show all") scales inside its share instead of squeezing the table
        self.table_view = w.HTML(layout=w.Layout(width="46%", overflow="auto"))
        self.chart_view = w.Image(
            format="png", layout=w.Layout(width="52%", height="auto", object_fit="contain")
        )
        self.chart_view.add_class("lm-chart")
        notes = [
            _bilingual("No box ticked in a list means all.", "មិនធីកប្រអប់ណាមួយ = ទាំងអស់។", lang),
            self._privacy_note(),
        ]
        if self.synthetic:
            notes.insert(0, _bilingual(SYNTHETIC_NOTICE, "ករណីសាកល្បង មិនមែនករណីពិត", lang))
        self.hint = w.HTML("<br>".join(f"<small>{html.escape(n)}</small>" for n in notes))

    def _lay_out(self) -> Any:
        """Return the whole explorer: controls on the left, map, table and chart on the right."""
        import ipywidgets as w

        def titled(field_name: str, control: Any) -> Any:
            # A heading above the control: Khmer labels are too long for a description column.
            head = html.escape(label("heading", field_name, self.lang))
            return w.VBox([w.HTML(f"<b>{head}</b>"), control])

        controls = w.VBox(
            [
                titled("province", self.province),
                titled("year", self.years),
                titled("case_type", self.case_type),
                titled("status", self.status),
                titled("concessions", self.concession_kind),
                self.near,
                self.within_km,
                self.hint,
                w.HBox(
                    [self.reset_button, self.export_button],
                    layout=w.Layout(flex_flow="row wrap", width="98%"),
                ),
                self.status_line,
            ],
            layout=w.Layout(width="34%", min_width="280px"),
        )
        right = w.VBox(
            [
                self.map_view,
                w.HBox(
                    [self.table_view, self.chart_view],
                    layout=w.Layout(
                        width="100%", justify_content="space-between", align_items="flex-start"
                    ),
                ),
            ],
            layout=w.Layout(width="66%"),
        )
        widget = w.HBox(
            [w.HTML(_STYLE, layout=w.Layout(display="none")), controls, right],
            layout=w.Layout(width="100%"),
        )
        widget.add_class("lm-explorer")
        return widget

    def _connect(self) -> None:
        """Redraw when a filter changes; wire the two buttons."""
        for control in (
            self.province,
            self.years,
            self.case_type,
            self.status,
            self.concession_kind,
            self.near,
            self.within_km,
        ):
            control.observe(self._on_change, names="value")
        self.export_button.on_click(lambda _b: self._on_export())
        self.reset_button.on_click(lambda _b: self.reset())

    # -- state -----------------------------------------------------------------------------
    @property
    def filter(self) -> ViewFilter:
        """The :class:`ViewFilter` the controls currently describe."""
        return ViewFilter(
            provinces=(self.province.value,) if self.province.value else (),
            years=tuple(self.years.value),  # type: ignore[arg-type]
            types=tuple(self.case_type.value),
            statuses=tuple(self.status.value),
            concession_kinds=tuple(self.concession_kind.value),
            within_km=float(self.within_km.value) if self.near.value else None,
        )

    def _privacy_note(self) -> str:
        if self.profile != "public":
            return _bilingual(
                f"Exports use the {self.profile} profile: do not share them.",
                "កុំចែករំលែកឯកសារនាំចេញនេះ។",
                self.lang,
            )
        return _bilingual(
            "Exports use the public profile: personal fields removed, locations displaced.",
            label("heading", "public", Lang.KM),
            self.lang,
        )

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls and redraw once at the end."""
        self._hold = True
        try:
            yield
        finally:
            self._hold = False
            self.update()

    def reset(self) -> None:
        """Clear every selection, widen the years to the full range and redraw once."""
        with self.hold():
            self.province.value = ""
            for control in (self.case_type, self.status, self.concession_kind):
                control.value = ()
            self.years.value = self.data.year_range
            self.near.value = False

    def _on_change(self, _change: object) -> None:
        if not self._hold:
            self.update()

    # -- redraw ----------------------------------------------------------------------------
    def update(self, *, force: bool = False) -> None:
        """Filter with the controls' values and redraw the map, table and chart.

        Parameters
        ----------
        force
            Redraw even when the controls describe the view already shown.

        """
        start = time.perf_counter()
        self.within_km.disabled = not self.near.value
        current = self.filter
        previous = getattr(self, "view", None)
        if previous is not None and previous.filter == current and not force:
            return  # e.g. the distance slider moved while the distance filter is off
        self.view = filter_view(self.data, current)
        self.map = _build_map(
            self.view,
            lang=self.lang,
            title=self.title,
            notice=SYNTHETIC_NOTICE if self.synthetic else None,
            precision_zoom=LIVE_PRECISION_ZOOM,
        )
        self.map_view.value = _iframe(_page_html(self.map), self.height)
        self.table = summary_table(self.view.cases, lang=self.lang)
        headers = {c: label("heading", c, self.lang) for c in self.table.columns}
        self.table_view.value = self.table.rename(columns=headers).to_html(escape=True, border=0)
        counts = cases_per_year(self.view.cases, years=tuple(self.years.value))
        if not counts.equals(getattr(self, "chart_data", None)):  # redraw only when it changed
            self.chart_data = counts
            self.figure = self._chart(counts)
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png", dpi=80)
            self.chart_view.value = buf.getvalue()
        self.last_update_seconds = time.perf_counter() - start

    def _chart(self, counts: pd.Series) -> Any:
        from matplotlib.figure import Figure

        if getattr(self, "figure", None) is None:
            self.figure = Figure(figsize=(3.6, 2.4))
            self.figure.add_subplot()
            self.figure.subplots_adjust(left=0.14, bottom=0.24, right=0.97, top=0.86)
        ax = self.figure.axes[0]
        ax.clear()
        ax.bar(counts.index.astype(str), counts.to_numpy(), color="#b2182b")
        title = _bilingual(
            f"{label('heading', 'cases', Lang.EN)} per {label('heading', 'year', Lang.EN).lower()}",
            f"{label('heading', 'cases', Lang.KM)}ក្នុងមួយ{label('heading', 'year', Lang.KM)}",
            self.lang,
        )
        ax.set_title(title, fontsize=9, family=_chart_fonts(self.lang))
        ax.tick_params(labelsize=7)
        if len(counts) > 8:
            for tick in ax.get_xticklabels():
                tick.set_rotation(90)
        return self.figure

    # -- export ----------------------------------------------------------------------------
    def export(self, folder: str | Path | None = None) -> dict[str, Path]:
        """Write the current view: an offline HTML map and the filtered table (CSV).

        With the public profile (default) the cases go through the privacy gate
        (:func:`landmap.privacy.publish`) first, their public audit is written beside, and the
        leak check runs on the files before they are moved into the folder. Paths returned are
        absolute.

        Parameters
        ----------
        folder
            Output folder; defaults to ``output_dir`` or a new temporary folder.

        Returns
        -------
        dict
            ``{"map": path, "table": path[, "audit": path]}``.

        Raises
        ------
        ExportError
            If the files cannot be written.
        PrivacyError
            If the leak check finds anything in a public export (nothing is written).

        """
        out = (
            Path(folder)
            if folder is not None
            else (self.output_dir or Path(tempfile.mkdtemp(prefix="landmap-explorer-")))
        ).resolve()
        written, self.last_export_note = export_view(
            self.view,
            out,
            profile=self.profile,
            communes=self.communes,
            lang=self.lang,
            title=self.title,
            synthetic=self.synthetic,
        )
        return written

    def _on_export(self) -> None:
        try:
            written = self.export()
        except Exception as err:  # noqa: BLE001 - shown to the user in the widget, not lost
            self.status_line.value = f"<b>Export failed:</b> {html.escape(str(err))}"
            return
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in written.values())
        self.status_line.value = f"Written:<ul>{items}</ul>{html.escape(self.last_export_note)}"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _chart_fonts(lang: Lang) -> list[str]:
    """Fonts for the chart's text: the Khmer font when there is one (English otherwise)."""
    from landmap.errors import AssetError
    from landmap.render.fonts import LATIN_FAMILY, font_families

    if lang == Lang.EN:
        return [LATIN_FAMILY]
    try:
        return font_families()
    except AssetError:
        return [LATIN_FAMILY]


def explore(cases: gpd.GeoDataFrame, **options: Any) -> Explorer:
    """Build an :class:`Explorer` (displayed when it is the last value of a notebook cell).

    Parameters
    ----------
    cases
        A canonical case layer.
    **options
        The options of :class:`Explorer` (``concessions``, ``areas``, ``boundaries``, ``lang``,
        ``output_dir``, ``height``, ``title``, ``profile``, ``communes``).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> ex = explore(cases, concessions=elc, boundaries=provinces)  # doctest: +SKIP
    >>> ex.case_type.value = ("eviction",)  # doctest: +SKIP

    """
    return Explorer(cases, **options)
