"""Reference data bundled with the package, in ``landmap/resources/``."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def resource_json(name: str) -> Any:
    """Return a JSON file of ``landmap/resources/``, without its ``_comment`` member.

    Parameters
    ----------
    name
        The file's path below ``landmap/resources/``, e.g. ``"vocabulary.json"``.

    Examples
    --------
    >>> sorted(resource_json("date_words.json"))[:2]
    ['drop', 'months']

    """
    text = resources.files("landmap").joinpath("resources", name).read_text("utf-8")
    data = json.loads(text)
    if isinstance(data, dict):
        data.pop("_comment", None)
    return data


__all__ = ["resource_json"]
