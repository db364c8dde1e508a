"""A built wheel, installed into a clean virtual environment, runs the demo from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("living_archive-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ARCHIVE_DIR", "VIRTUAL_ENV")}
    result = subprocess.run([str(env_dir / "bin" / "archive"), "demo", "demo-archive"], cwd=elsewhere,
                            capture_output=True, text=True, env=clean_env)
    assert result.returncode == 0, result.stderr
    assert "Built the demo archive" in result.stdout
    stats = subprocess.run([str(env_dir / "bin" / "archive"), "stats", "--json"], cwd=elsewhere / "demo-archive",
                           capture_output=True, text=True, env=clean_env, check=True)
    assert '"struggle"' in stats.stdout
    installed = subprocess.run(
        [str(python), "-c", "import archive.resources as r; print(r.resource_dir('migrations'))"],
        cwd=elsewhere, capture_output=True, text=True, env=clean_env, check=True).stdout.strip()
    assert installed.startswith(str(env_dir)), "migrations must come from the installed wheel"
    # The interface catalogs travel in the wheel as .po sources, compiled by the build: no compile step.
    languages = subprocess.run(
        [str(python), "-c", "from archive.publish.i18n import available_languages, LOCALES_DIR; "
                            "print(' '.join(available_languages()), LOCALES_DIR)"],
        cwd=elsewhere, capture_output=True, text=True, env=clean_env, check=True).stdout.split()
    assert languages[:-1] == ["ar", "de", "en", "es", "fr", "nl"] and languages[-1].startswith(str(env_dir))
    arabic = subprocess.run([str(env_dir / "bin" / "archive"), "build", "--lang", "ar", "--out", str(tmp_path / "ar")],
                            cwd=elsewhere / "demo-archive", capture_output=True, text=True, env=clean_env)
    assert arabic.returncode == 0, arabic.stderr
    assert '<html lang="ar" dir="rtl">' in (tmp_path / "ar" / "index.html").read_text(encoding="utf-8")
