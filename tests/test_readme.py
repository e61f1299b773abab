"""The README's Python tour runs as written, on the bundled data."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_readme_python_tour_runs(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    assert blocks, "the README has no Python tour"
    code = blocks[0].replace('"data/', f'"{ROOT.as_posix()}/data/')
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    out = capsys.readouterr().out
    assert "2120 rows -> 1980 loaded, 122 repaired" in out
    assert len(namespace["pairs"]) > 0 and namespace["pairs"]["overlap_ha"].gt(0).all()
    assert "complainant_name" not in namespace["public"].data.columns
    html = (tmp_path / "map.html").read_text("utf-8")
    assert "SYNTHETIC Person" not in html and "unpkg.com" not in html
    assert os.path.getsize(tmp_path / "map.html") > 10_000
