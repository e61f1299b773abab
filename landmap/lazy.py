"""Names a package imports on first use.

``import landmap`` and the command line start quickly, and a notebook pays only for what it
uses, when a package lists its public names with the module each lives in and imports that
module only when the name is first read (PEP 562's module ``__getattr__``).

Examples
--------
>>> getattr_, dir_ = lazy_names("demo", {"sqrt": "math", "root": "math:sqrt"}, {})
>>> getattr_("root")(9.0)
3.0
>>> dir_()
['root', 'sqrt']
>>> getattr_("cube")
Traceback (most recent call last):
...
AttributeError: module 'demo' has no attribute 'cube'

"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` for names imported on first use.

    Parameters
    ----------
    package
        The package's name, for the error of a name it does not have.
    names
        Public name -> ``"module:attribute"``, or ``"module"`` when the attribute has the
        public name.
    namespace
        The package's ``globals()``: a name, once imported, is kept there, so it is looked up
        only once.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``, to assign at the package's top level.
    """

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__


__all__ = ["lazy_names"]
