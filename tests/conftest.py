"""Shared fixtures: paths to bundled and reference data, and a headless Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright, started with flags that keep
it off the network; a test that loads a page records every request the page attempts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parent.parent

# Hypothesis profiles (README, "When a file is wrong"). Both keep their example database in the
# repository's .hypothesis/examples, wherever pytest is started: a plain folder, nothing remote.
# "default" (`make test`): hypothesis' own settings for the property tests; the fuzzing harness
# (tests/test_fuzz.py) runs its few derandomised examples, the same ones on every run.
# "long" (`pytest -m fuzz --hypothesis-profile long`): the harness runs LONG_FACTOR times as many,
# new random ones on every run, and replays the failures it saved before anything new. Property
# tests that set their own max_examples are not changed by it.
EXAMPLE_DATABASE = DirectoryBasedExampleDatabase(ROOT / ".hypothesis" / "examples")
settings.register_profile("default", database=EXAMPLE_DATABASE)
settings.register_profile("long", settings.get_profile("default"), max_examples=1000, deadline=None)
DATA = ROOT / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"
CHROMIUM = os.environ.get("LANDMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: Test files that never run at the same time under ``make test`` (``pytest -n auto --dist
#: loadfile``): test_build.py writes a project file into data/ while it builds (its paths are
#: relative to data/), and test_data.py walks and measures data/.
SAME_WORKER = {"tests/test_data.py": "tests/test_build.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under ``--dist loadfile``, share out the test files, keeping SAME_WORKER together.

    Each file runs on one worker, so its module-scoped fixtures (a whole build, a wheel in a
    fresh venv, a JupyterLab server) are made once, as in a run without workers.
    """
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Files(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return SAME_WORKER.get(scope, scope)

    return Files(config, log)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The repository's bundled ``data/`` folder."""
    return DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference copy of the public source data (``../shared/data``)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is not present beside the repository")
    return SHARED_DATA


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Playwright) with no network access beyond file:// pages."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright gives every launch a fresh, empty profile of its own (it refuses an explicit
    # --user-data-dir in launch()), which is what the flags above need.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageLog:
    """Everything a page did that a test may want to assert on."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []

    @property
    def network_requests(self) -> list[str]:
        """Requests to anything other than the local file and inline data."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "blob:", "about:"))]


@pytest.fixture
def open_page(browser):
    """Open a local HTML file; return ``(page, log)``. Network requests are recorded and aborted."""
    contexts = []

    def _open(path: Path, *, wait_ms: int = 0, viewport=(1200, 800)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        log = PageLog()
        page = context.new_page()

        def on_route(route):
            url = route.request.url
            log.requests.append(url)
            if url.startswith(("file:", "data:", "blob:")):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", on_route)
        page.on("requestfailed", lambda r: log.failed.append(r.url))
        page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))

        def on_dialog(dialog):
            log.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        if wait_ms:
            page.wait_for_timeout(wait_ms)
        return page, log

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def postgis_server():
    """A throw-away PostgreSQL + PostGIS cluster (tests/_postgis.py).

    A test that needs it FAILS when the server cannot start: the Debian packages are part of
    what CI installs, so a missing server is a broken machine, not a reason to skip.
    """
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _postgis import PostGISServer

    server = PostGISServer()
    try:
        server.start()
    except RuntimeError as err:
        server.stop()
        pytest.fail(f"the PostGIS test server could not start: {err}")
    yield server
    server.stop()


@pytest.fixture(params=["geopackage", "postgis"])
def register_db(request, tmp_path):
    """Where a fresh register goes: a .gpkg path, or the URL of a new PostGIS database."""
    if request.param == "geopackage":
        return str(tmp_path / "register.gpkg")
    server = request.getfixturevalue("postgis_server")
    return server.url(server.new_database())
