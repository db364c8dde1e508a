"""Differential leak test: the same public records with two different sets of secrets publish the same bytes.

World A and world B hold identical public records. They differ in everything that must not show: the
non-public records (A holds every kind of hidden record; B fewer kinds, other canaries and extra private
records), the real names behind the same pseudonyms (in ``redactions.yaml``, in a record's own list, in
its tags and in the stubs its references create). A canary search finds only the leaks we thought of;
here any difference at all, a count, a score, a file name, a suggestion, a byte of a search shard, fails.
Compared: the whole built site, and the output of every ``--public`` command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive.cli import cli
from archive.trust.create import init_archive
from archive.trust.signing import KEY_DIR
from tests.test_leaks import HIDDEN, NAMES, all_canaries, hidden_records, leaks, public_commands, public_records

# Other real names, some longer, behind the same pseudonyms as in NAMES.
OTHER_NAMES = {"real": "Qxotherperson Longername Tzk", "own": "Qxanotherzk", "strug": "Qxstrugotherzk",
               "wide": "Qxwideotherzk Bzk"}


def make_world(root: Path, names: dict[str, str], secrets: list[dict], key_from: Path | None = None) -> Path:
    archive = init_archive(root, title="Differential Archive")
    if key_from is not None:  # one publisher: the same signing key, so the signature files may be compared
        shutil.rmtree(root / KEY_DIR)
        shutil.copytree(key_from / KEY_DIR, root / KEY_DIR)
    (root / "redactions.yaml").write_text(f"{names['wide']}: Person X\n", encoding="utf-8")
    batches = {"public.yaml": public_records(names), "secrets.yaml": secrets}
    for name, records in batches.items():
        path = root.parent / f"{root.name}-{name}"
        path.write_text(yaml.safe_dump_all(records, allow_unicode=True), encoding="utf-8")
        result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", str(path)])
        assert result.exit_code == 0, result.output
    return archive.root


def extra_private(world: str) -> list[dict]:
    """Private records that share public words, so they would shift scores and counts if searched."""
    return [{"type": "account", "slug": f"qx{world}extra{i}zk", "title": f"Dockers wages strike {i}",
             "body": "The dockers struck for wages at the picket line. " * (i + 1), "visibility": "private",
             "struggles": ["public-struggle"], "tags": ["wages", "picket"], "places": ["Antwerpen"]}
            for i in range(6)]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("differential")
    secrets_a = [r for kind in HIDDEN for r in hidden_records(kind, "a")]
    secrets_b = [r for kind in ("private", "withdrawn") for r in hidden_records(kind, "b")] + extra_private("b")
    first = make_world(base / "a", NAMES, secrets_a)
    return first, make_world(base / "b", OTHER_NAMES, secrets_b, key_from=first)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_built_sites_are_byte_identical(worlds, tmp_path):
    sites = []
    for root, name in zip(worlds, ("a", "b"), strict=True):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["--archive", str(root), "build", "--out", str(out)])
        assert result.exit_code == 0, result.output
        sites.append(out)
    a, b = files(sites[0]), files(sites[1])
    assert sorted(a) == sorted(b)
    assert [path for path in a if a[path] != b[path]] == []
    assert len(a) > 100
    # And the canaries of both worlds are absent (the identity above would also hold for a leak of a
    # name both worlds share, which is why the worlds share none).
    assert leaks(sites[0], world_canaries()) == []


def world_canaries() -> list[str]:
    names = [n.lower() for world in (NAMES, OTHER_NAMES) for name in world.values() for n in name.split()]
    return sorted(set(all_canaries("a") + all_canaries("b") + names))


def test_every_public_command_prints_the_same_bytes(worlds):
    canaries = [c for c in world_canaries() if c.startswith("qx") and len(c) > 8]
    # Every name behind a pseudonym, and one in four hidden records' words (the test leaks covers all).
    names = {n.lower() for world in (NAMES, OTHER_NAMES) for name in world.values() for n in name.split()}
    hidden = sorted({c for c in canaries if c in names} | set(canaries[::4]))
    compared = 0
    for command in public_commands(hidden):
        outputs = []
        for root in worlds:
            result = CliRunner().invoke(cli, ["--archive", str(root), *command])
            assert result.exit_code == 0, (command, result.output)
            outputs.append(result.output)
        assert outputs[0] == outputs[1], command
        assert not any(name in outputs[0].lower() for name in world_canaries()), command
        compared += 1
    assert compared > len(hidden)
    # The outputs are not empty: the public records are there to be found in both worlds.
    found = CliRunner().invoke(cli, ["--archive", str(worlds[0]), "search", "dockers", "--public", "--json",
                                     "--limit", "50"])
    assert '"slug": "public-struggle"' in found.output
