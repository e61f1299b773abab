"""The examples in the privacy and leak-check docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "landmap.privacy.gate",
    "landmap.privacy.fields",
    "landmap.privacy.profiles",
    "landmap.privacy.summary",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
