"""Import Whoosh without the two packages it loads for nothing (called from ``archive.search``).

whoosh-reloaded's ``whoosh.compat`` imports ``urllib.request`` for ``urlretrieve``, which no part of Whoosh
calls, and ``whoosh.reading`` imports the ``cached_property`` package, which imports ``asyncio``, for one
property. Together about 90 ms of CPU, more than half of what a whole ``archive search`` may spend
(benchmarks/RESULTS-scale.md). ``lighten`` imports those two Whoosh modules with stand-ins in place
(``functools.cached_property``, and an ``urlretrieve`` that imports the real one when called), then takes
the stand-ins out of ``sys.modules``: any other importer gets the real packages. ``lighten`` only installs
the import hook that does this; it imports nothing.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


_STAND_IN_FOR = {"whoosh.compat": "urllib.request", "whoosh.reading": "cached_property"}


def _stand_in(name: str) -> types.ModuleType:
    module = types.ModuleType(name, "stand-in while Whoosh imports: see archive.search.whoosh_import")
    if name == "urllib.request":
        module.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    else:
        module.cached_property = functools.cached_property  # type: ignore[attr-defined]
    return module


class _Loader(importlib.abc.Loader):
    """Runs the real loader of a Whoosh module with its stand-in in ``sys.modules``."""

    def __init__(self, loader: Any, stand_in: str) -> None:
        self.loader, self.stand_in = loader, stand_in

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        if self.stand_in in sys.modules:  # the real one is loaded already: nothing to save
            self.loader.exec_module(module)
            return
        stand_in = sys.modules[self.stand_in] = _stand_in(self.stand_in)
        try:
            self.loader.exec_module(module)
        finally:
            if sys.modules.get(self.stand_in) is stand_in:
                del sys.modules[self.stand_in]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _STAND_IN_FOR:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader, _STAND_IN_FOR[fullname])
        return spec


def lighten() -> None:
    """From now on, import ``whoosh.compat`` and ``whoosh.reading`` with the stand-ins (nothing is imported
    here: a command that never searches does not load Whoosh)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
