"""Find the bundled templates, migrations and site assets in a wheel, a checkout or an editable install."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE_DIR / "_resources"
_CHECKOUT = _PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    """Return the folder ``templates``, ``migrations`` or ``site``.

    A wheel carries them in ``archive/_resources``; a checkout or an editable install keeps them beside
    the package.
    """
    for base in (_INSTALLED, _CHECKOUT):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found beside {_PACKAGE_DIR}")
