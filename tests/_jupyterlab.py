"""A real JupyterLab server for the tests, started with the workshop kit's own settings.

The settings are those ``make lab`` uses: ``JUPYTER_CONFIG_PATH`` names ``lab-settings/``.

It serves a temporary folder holding copies of the notebooks and a link to ``data/``, with a
fresh configuration folder (no user settings, no saved workspace), on a free port of the
loopback interface. ``window.jupyterapp`` is exposed so a test can run every cell the way the
*Run All Cells* menu does, and inspect the cells it drew.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The kit's JupyterLab settings (``make lab`` passes the same folder).
SETTINGS = ROOT / "lab-settings"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class JupyterLabServer:
    """``jupyter lab`` on 127.0.0.1 serving ``root``, with the kit's ``lab-settings/``."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.home = home
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / "jupyterlab.log"

    def start(self, timeout: float = 90.0) -> None:
        """Start the server and wait until it answers."""
        env = dict(os.environ)
        for name in ("config", "runtime", "data"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTER_CONFIG_PATH=str(SETTINGS),
        )
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.allow_root=True",
            "--LabApp.expose_app_in_browser=True",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.root
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log.read_text()[-2000:]}")
            try:
                self.get("api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer: {self.log.read_text()[-2000:]}")

    def url(self, path: str) -> str:
        """The address of ``path`` on the server, with the token."""
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path}{sep}token={self.token}"

    def get(self, path: str) -> object:
        """GET a JSON API of the server."""
        with urllib.request.urlopen(self.url(path), timeout=10) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))

    def stop(self) -> None:
        """Stop the server (and the kernels it started)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def lab_folder(target: Path, notebooks: list[str]) -> Path:
    """A folder laid out like the repository: copies of ``notebooks``, a link to ``data/``."""
    (target / "data").symlink_to(ROOT / "data", target_is_directory=True)
    for name in notebooks:
        dest = target / "notebooks" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "notebooks" / name, dest)
    return target


#: Resolves when the notebook at ``path`` is the one in front and its kernel is idle.
KERNEL_IDLE = """(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const s = w && w.sessionContext && w.sessionContext.session;
  return !!(s && s.kernel && s.kernel.status === 'idle' && w.content && w.content.widgets.length
            && w.context && w.context.path === path);
}"""
#: Runs every cell as the "Run All Cells" menu does; resolves when the last one finished.
RUN_ALL = """async () => {
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
  const w = window.jupyterapp.shell.currentWidget;
  const errors = [];
  w.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') { return; }
    for (let k = 0; k < cell.model.outputs.length; k++) {
      const out = cell.model.outputs.get(k);
      const json = out.toJSON();
      if (out.type === 'error') { errors.push(i + ': ' + json.ename + ': ' + json.evalue); }
    }
  });
  return errors;
}"""


def open_notebook(page, server: JupyterLabServer, path: str, *, timeout: float = 120_000) -> None:
    """Open a notebook in JupyterLab and wait for its kernel."""
    # ?reset: a fresh workspace, not the tabs an earlier test left open
    page.goto(server.url(f"lab/tree/{path}?reset"), wait_until="domcontentloaded")
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=timeout)


def show_cell(page, text: str) -> None:
    """Scroll the first cell whose source holds ``text`` into view (JupyterLab draws only the
    cells in view of a long notebook)."""
    page.evaluate(
        """async (text) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      const index = nb.widgets.findIndex(c => c.model.sharedModel.getSource().includes(text));
      if (index < 0) { throw new Error('no cell holds ' + text); }
      nb.activeCellIndex = index;
      await nb.scrollToItem(index, 'start');
    }""",
        text,
    )
    page.wait_for_timeout(500)


def run_all(page, *, timeout: float = 600_000) -> list[str]:
    """Run every cell of the open notebook; return the errors the cells showed."""
    page.set_default_timeout(timeout)
    return page.evaluate(RUN_ALL)
