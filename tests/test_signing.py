"""A signed publication: the build signs its manifest with the archive's Ed25519 key, the site carries the
public key, and ``archive verify --site`` (or OpenSSH's ``ssh-keygen -Y verify``) names what was altered."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.publish import build, verify_site
from archive.publish.output import ALLOWED_SIGNERS, MANIFEST, PUBLIC_KEY, SIGNATURE
from archive.store.ingest import ingest
from archive.trust import signing
from archive.trust.backup import backup
from archive.trust.bag import export_bag

RECORDS = """\
- {type: struggle, slug: rent-strike, title: Rent strike, start: 1932, visibility: public}
- {type: account, slug: night-shift, title: The night shift, date: 1932-05, struggles: [rent-strike],
   visibility: public, body: We stopped paying.}
"""
SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="OpenSSH's ssh-keygen is not installed: "
                                      "apt-get install openssh-client to test the standard tool")


@pytest.fixture
def site(archive, engine, write, tmp_path) -> Path:
    assert ingest(engine, [write("records.yaml", RECORDS)]).errors == []
    return build(archive, engine, tmp_path / "site").out


def run_verify(*args: str):
    return CliRunner().invoke(cli, ["verify", *args])


def ssh_verify(site: Path) -> subprocess.CompletedProcess:
    with open(site / MANIFEST, "rb") as manifest:
        return subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", str(site / ALLOWED_SIGNERS), "-I", "living-archive",
                               "-n", "living-archive", "-s", str(site / SIGNATURE)],
                              stdin=manifest, capture_output=True, text=True)


def test_init_makes_a_private_key_outside_the_site(archive, site):
    key = archive.root / "keys" / "signing_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    private = key.read_bytes()
    assert private.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    for path in site.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path
    public = (archive.root / "keys" / "signing_key.pub").read_text()
    assert (site / PUBLIC_KEY).read_text() == public
    assert (site / ALLOWED_SIGNERS).read_text() == f'living-archive namespaces="living-archive" {public}'


def test_a_built_site_verifies_and_names_its_signer(archive, site):
    report = verify_site(site)
    assert report.ok, report
    key = signing.load_key(archive.root / "keys" / "signing_key").public_key()
    assert report.signer == signing.fingerprint(key)
    result = run_verify("--site", str(site), "--key", str(archive.root / "keys" / "signing_key.pub"))
    assert result.exit_code == 0, result.output
    assert f"signed by {report.signer}." in result.output


@needs_ssh_keygen
def test_ssh_keygen_verifies_the_site_and_agrees_on_the_fingerprint(archive, site):
    done = ssh_verify(site)
    assert done.returncode == 0, done.stderr
    fingerprint = verify_site(site).signer
    assert f'Good "living-archive" signature for living-archive with ED25519 key {fingerprint}' in done.stdout
    listed = subprocess.run([SSH_KEYGEN, "-l", "-f", str(site / PUBLIC_KEY)], capture_output=True, text=True)
    assert listed.stdout.split()[1] == fingerprint


@needs_ssh_keygen
def test_ssh_keygen_rejects_an_altered_manifest(site):
    manifest = site / MANIFEST
    manifest.write_bytes(manifest.read_bytes().replace(b'"algorithm": "sha256"', b'"algorithm": "sha256" '))
    done = ssh_verify(site)
    assert done.returncode != 0 and "incorrect signature" in done.stderr


@needs_ssh_keygen
def test_a_signature_made_by_ssh_keygen_verifies_here(archive, tmp_path):
    message = tmp_path / "message"
    message.write_bytes(b"any bytes\n")
    done = subprocess.run([SSH_KEYGEN, "-Y", "sign", "-f", str(archive.root / "keys" / "signing_key"),
                           "-n", "living-archive", str(message)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    armored = (tmp_path / "message.sig").read_text()
    key = signing.load_key(archive.root / "keys" / "signing_key").public_key()
    signing.verify(armored, b"any bytes\n", key)
    with pytest.raises(signing.SigningError, match="does not match"):
        signing.verify(armored, b"other bytes\n", key)


def test_an_altered_page_is_named(site):
    (site / "index.html").write_bytes(b"defaced")
    result = run_verify("--site", str(site))
    assert result.exit_code == 1
    assert "changed  index.html" in result.output
    assert "signature verifies" in result.output  # the manifest itself is intact


def test_an_altered_manifest_is_named(site):
    # Someone rehashes their defaced page into the manifest: the files agree, the signature does not.
    (site / "index.html").write_bytes(b"defaced")
    manifest = site / MANIFEST
    import hashlib
    import json
    data = json.loads(manifest.read_text())
    data["files"]["index.html"] = hashlib.sha256(b"defaced").hexdigest()
    manifest.write_text(json.dumps(data))
    report = verify_site(site)
    assert report.changed == []
    assert report.signature_problem == (f"{SIGNATURE} does not verify {MANIFEST} with {ALLOWED_SIGNERS}: "
                                        "the signature does not match the signed file")
    result = run_verify("--site", str(site))
    assert result.exit_code == 1
    assert f"signature {SIGNATURE} does not verify {MANIFEST}" in result.output


@pytest.mark.parametrize(("damage", "expected"), [
    ("delete", f"{SIGNATURE} is missing: the manifest is not signed"),
    ("garble", f"{SIGNATURE} is not a signature"),
    ("flip", f"{SIGNATURE} does not verify {MANIFEST} with {ALLOWED_SIGNERS}"),
])
def test_an_altered_signature_is_named(site, damage, expected):
    path = site / SIGNATURE
    if damage == "delete":
        path.unlink()
    elif damage == "garble":
        path.write_text("not a signature\n")
    else:
        lines = path.read_text().splitlines()
        body = lines[-2]
        lines[-2] = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]  # inside the Ed25519 signature
        path.write_text("\n".join(lines) + "\n")
    report = verify_site(site)
    assert report.signature_problem.startswith(expected), report.signature_problem
    assert not report.ok
    assert run_verify("--site", str(site)).exit_code == 1


def test_a_mirror_re_signed_with_another_key_fails_against_the_archive_key(archive, site, tmp_path):
    (tmp_path / "intruder").mkdir()
    intruder = signing.ensure_key(tmp_path / "intruder")
    (site / "index.html").write_bytes(b"defaced")
    import hashlib
    import json
    (site / ALLOWED_SIGNERS).write_text(signing.allowed_signers(intruder.public_key()))
    data = json.loads((site / MANIFEST).read_text())
    data["files"]["index.html"] = hashlib.sha256(b"defaced").hexdigest()
    data["files"][ALLOWED_SIGNERS] = hashlib.sha256((site / ALLOWED_SIGNERS).read_bytes()).hexdigest()
    manifest = json.dumps(data).encode()
    (site / MANIFEST).write_bytes(manifest)
    (site / SIGNATURE).write_text(signing.sign(intruder, manifest))
    # Self-consistent, so only the signer's fingerprint tells, unless the reader pins the archive's key.
    unpinned = verify_site(site)
    assert unpinned.ok and unpinned.signer == signing.fingerprint(intruder.public_key())
    assert unpinned.signer != signing.fingerprint(signing.load_key(archive.root / "keys" / "signing_key").public_key())
    pinned = verify_site(site, (archive.root / "keys" / "signing_key.pub").read_text())
    assert "it was made with another key" in pinned.signature_problem
    result = run_verify("--site", str(site), "--key", str(archive.root / "keys" / "signing_key.pub"))
    assert result.exit_code == 1 and "made with another key" in result.output


def test_the_key_stays_out_of_backups_and_bags(archive, engine, site, tmp_path):
    private = (archive.root / "keys" / "signing_key").read_bytes()
    secret_line = private.splitlines()[2]  # a line of the key's own base64
    if engine.dialect.name == "sqlite":
        copy = backup(archive.db_url(), tmp_path / "backup.sqlite")
        assert secret_line not in copy.read_bytes()
    export_bag(engine, tmp_path / "bag")
    for path in (tmp_path / "bag").rglob("*"):
        if path.is_file():
            assert secret_line not in path.read_bytes() and b"PRIVATE KEY" not in path.read_bytes(), path


def test_an_older_archive_gets_its_key_on_first_build(archive, engine, write, tmp_path):
    shutil.rmtree(archive.root / "keys")
    assert ingest(engine, [write("records.yaml", RECORDS)]).errors == []
    report = build(archive, engine, tmp_path / "site")
    assert (archive.root / "keys" / "signing_key").is_file()
    assert verify_site(report.out).ok
    again = build(archive, engine, tmp_path / "site")
    assert again.write.written == []  # same key, same signature: a rebuild is byte-identical


def test_backup_carries_the_key_only_when_asked(archive, engine, site, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("archive backup on PostgreSQL needs pg_dump; the key copy is the same code")
    plain = CliRunner().invoke(cli, ["--archive", str(archive.root), "backup", str(tmp_path / "plain.sqlite")])
    assert plain.exit_code == 0, plain.output
    assert "is not in the backup" in plain.output
    assert not (tmp_path / "plain.sqlite.signing_key").exists()
    asked = CliRunner().invoke(cli, ["--archive", str(archive.root), "backup", "--with-key",
                                     str(tmp_path / "keyed.sqlite")])
    assert asked.exit_code == 0, asked.output
    copy = tmp_path / "keyed.sqlite.signing_key"
    assert copy.read_bytes() == (archive.root / "keys" / "signing_key").read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
