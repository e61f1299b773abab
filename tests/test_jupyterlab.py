"""The notebooks as a reader meets them: in a real JupyterLab, in headless Chromium, offline.

The server is started with the workshop kit's ``lab-settings/`` (no news, no update check, no
extension catalogue); every request the page makes must stay on the laptop. Then:

* the explorer (notebook 04) after *Run All*: no label of its controls is cut off at the
  default width, and the chart keeps its share of the row after "Show all";
* the workshop notebooks after *Run All*: every answer cell shows only its folded box.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _jupyterlab import (  # noqa: E402
    JupyterLabServer,
    lab_folder,
    open_notebook,
    run_all,
    show_cell,
)

pytestmark = [pytest.mark.browser, pytest.mark.notebook, pytest.mark.slow]

WORKSHOP = [
    "workshop/01_cases_on_a_map.ipynb",
    "workshop/02_concessions_and_forests.ipynb",
    "workshop/03_explore_and_share.ipynb",
]

#: Text cut off inside a control of the explorer: its content wider (or taller) than its box.
CUT_OFF = """() => {
  const root = document.querySelector('.lm-explorer');
  const cut = [];
  const canvas = document.createElement('canvas').getContext('2d');
  root.querySelectorAll('label, button, .widget-label, .widget-label-basic, .widget-html-content')
    .forEach(n => {
      if (!n.offsetParent || !n.textContent.trim()) { return; }
      if (n.scrollWidth > n.clientWidth + 1 || n.scrollHeight > n.clientHeight + 2) {
        cut.push(n.textContent.trim() + ' [' + n.scrollWidth + '>' + n.clientWidth + ']');
      }
    });
  root.querySelectorAll('select').forEach(sel => {  // a dropdown shows its option's text
    const style = getComputedStyle(sel);
    canvas.font = style.fontSize + ' ' + style.fontFamily;
    const room = sel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    [...sel.options].forEach(o => {
      const width = canvas.measureText(o.text).width;
      if (width > room) { cut.push(o.text + ' [' + Math.round(width) + '>' + room + ']'); }
    });
  });
  return cut;
}"""
ROW_SHARES = """() => {
  const chart = document.querySelector('.lm-explorer .lm-chart');
  const row = chart.parentElement.getBoundingClientRect();
  const table = chart.previousElementSibling.getBoundingClientRect();
  const c = chart.getBoundingClientRect();
  return {row: row.width, table: table.width, chart: c.width, chartRight: c.right,
          rowRight: row.right, overlap: table.right > c.left + 1};
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = lab_folder(tmp_path_factory.mktemp("lab"), ["04_explorer.ipynb", *WORKSHOP])
    server = JupyterLabServer(root, tmp_path_factory.mktemp("jupyter-home"))
    try:
        server.start()
    except RuntimeError as err:
        server.stop()
        pytest.fail(f"JupyterLab could not start: {err}")
    yield server
    server.stop()


@pytest.fixture
def lab_page(browser, lab):
    """A JupyterLab page at a laptop's size; requests off the laptop are recorded and refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    outside: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(
            (
                f"http://127.0.0.1:{lab.port}/",
                f"ws://127.0.0.1:{lab.port}/",
                "data:",
                "blob:",
                "about:",
            )
        ):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.outside = outside
    yield page
    context.close()


def test_the_server_fetches_no_news_and_checks_no_update(lab, lab_page):
    assert lab.get("lab/api/news") == {"news": []}
    assert lab.get("lab/api/update") == {"notification": None}
    open_notebook(lab_page, lab, "notebooks/workshop/01_cases_on_a_map.ipynb")
    config = lab_page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent)"
    )
    assert config["news"] == {"disabled": True}
    notification = lab.get("lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {k: v.get("default") for k, v in notification["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
    assert "readonly" in (lab.log.read_text(errors="replace"))
    lab_page.wait_for_timeout(3000)  # the news prompt would show within a few seconds
    assert "news" not in lab_page.locator("body").inner_text().lower()
    assert lab_page.outside == []


def test_explorer_labels_are_not_cut_off_and_the_chart_keeps_its_share(lab, lab_page):
    open_notebook(lab_page, lab, "notebooks/04_explorer.ipynb")
    assert run_all(lab_page) == []
    show_cell(lab_page, "explorer = explore(")
    explorer = lab_page.locator(".lm-explorer")
    explorer.wait_for(state="visible", timeout=60_000)
    assert lab_page.evaluate(CUT_OFF) == []
    # "Show all" redraws the chart with every year: it stays in its share of the row
    lab_page.locator(".lm-explorer .lm-chart img, .lm-explorer img.lm-chart").first.wait_for()
    explorer.locator("button", has_text="Show all").click()
    lab_page.wait_for_function(KERNEL_BUSY_THEN_IDLE, timeout=60_000)
    shares = lab_page.evaluate(ROW_SHARES)
    assert not shares["overlap"], shares
    assert shares["chartRight"] <= shares["rowRight"] + 1, shares
    assert shares["table"] >= 0.4 * shares["row"], shares
    assert lab_page.evaluate(CUT_OFF) == []
    assert lab_page.outside == []


KERNEL_BUSY_THEN_IDLE = """() => {
  const s = window.jupyterapp.shell.currentWidget.sessionContext.session;
  return s.kernel.status === 'idle';
}"""


@pytest.mark.parametrize("name", WORKSHOP)
def test_workshop_answers_stay_folded_after_run_all(lab, lab_page, name):
    open_notebook(lab_page, lab, f"notebooks/{name}")
    assert run_all(lab_page) == []
    indexes = lab_page.evaluate("""() => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      return nb.widgets.map((c, i) => (c.model.getMetadata('tags') || []).includes('solution')
                            ? i : -1).filter(i => i >= 0);
    }""")
    cells = []
    for index in indexes:  # JupyterLab draws only the cells in view: look at each in turn
        lab_page.evaluate(
            """async (i) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          nb.activeCellIndex = i; await nb.scrollToItem(i, 'center');
        }""",
            index,
        )
        lab_page.wait_for_function(
            """(i) => {
          const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
          return c.node.querySelector('.lm-solution .jupyter-widget-Collapse-header, .lm-solution');
        }""",
            arg=index,
            timeout=30_000,
        )
        lab_page.wait_for_timeout(300)
        cells.append(
            lab_page.evaluate(
                """(i) => {
          const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
          return {source: c.inputHidden, boxes: c.node.querySelectorAll('.lm-solution').length,
                  text: c.outputArea.node.innerText.trim()};
        }""",
                index,
            )
        )
    assert cells, "no answer cell found"
    for cell in cells:
        assert cell["source"] is True  # the code stays hidden too
        assert cell["boxes"] == 1, cell
        # only the box's title is visible: the answer is folded inside it
        assert cell["text"] == "Answer: click to show / ចម្លើយ៖ ចុចដើម្បីបង្ហាញ", cell
    assert lab_page.outside == []
