"""The rooms of ``archive/`` and the one direction of their imports (docs/architecture.md).

Each module belongs to a layer; it may import its own layer and the layers below, never one above. The
check reads every ``import`` of every module with ``ast`` (imports inside functions count too), so a
lazy import cannot hide an arrow pointing the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "archive"

# Lowest first. The kernel (errors, dates, resources and the package itself) is below every room.
LAYERS = ["kernel", "ingest", "store", "public", "search", "trust", "continuity", "publish", "cli"]
KERNEL = {"archive", "archive.errors", "archive.dates", "archive.resources"}
# Modules outside any room: the entry point runs the command line.
TOP = {"archive.__main__": "cli"}


def layer_of(module: str) -> str:
    if module in KERNEL:
        return "kernel"
    if module in TOP:
        return TOP[module]
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    raise AssertionError(f"{module} belongs to no room: move it into one of {LAYERS[1:]} or the kernel")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every archive module the file imports, resolving relative imports."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from archive.search import index" imports the module archive.search.index
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                sub = PACKAGE.parent / Path(*candidate.split("."))
                found.append((node.lineno, candidate if sub.with_suffix(".py").exists() or sub.is_dir() else base))
    return [(line, name) for line, name in found if name == "archive" or name.startswith("archive.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_room():
    for path in MODULES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_module_imports_upward(path: Path):
    here = layer_of(module_name(path))
    upward = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {name} ({layer_of(name)} is above {here})"
              for line, name in imported_modules(path) if LAYERS.index(layer_of(name)) > LAYERS.index(here)]
    assert not upward, "\n".join(upward)


def test_every_room_says_what_it_owns_and_may_import():
    for room in LAYERS[1:]:
        doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert "may import" in doc, f"archive/{room}/__init__.py: say what the room owns and what it may import"


def test_the_check_sees_an_upward_import(tmp_path):
    # The checker itself: a store module importing the publisher is caught, relative imports included.
    fake = PACKAGE / "store" / "_upward_probe.py"
    assert not fake.exists()
    text = "from ..publish import build\nfrom archive.search.index import open_index\n"
    names = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            names.append((node.level, node.module))
    assert names == [(2, "publish"), (0, "archive.search.index")]
    assert layer_of("archive.publish.build") == "publish" and layer_of("archive.search.index") == "search"
    assert LAYERS.index("publish") > LAYERS.index("store")
