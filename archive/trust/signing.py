"""The archive's signing key and OpenSSH signatures (SSHSIG) of what it publishes.

Each archive has one Ed25519 key, ``ARCHIVE/keys/signing_key`` (OpenSSH format, readable by its owner
only). It lives outside the published folder and outside the store, so neither the site, ``archive
backup`` nor ``archive export --bagit`` carries it: copy ``ARCHIVE/keys/`` somewhere safe yourself.

A signature is OpenSSH's SSHSIG format (``PROTOCOL.sshsig`` in OpenSSH), so that anyone can check a
mirror with the standard tool, without this software::

    ssh-keygen -Y verify -f allowed_signers -I living-archive -n living-archive \\
        -s manifest.json.sig < manifest.json

``cryptography`` does the Ed25519 arithmetic; this module only lays out the bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from archive.errors import ArchiveError

KEY_DIR = "keys"
KEY_NAME = "signing_key"
# The SSHSIG namespace and the principal named in allowed_signers: a signature made for a site cannot be
# passed off as one for another purpose (an ssh login, a git commit).
NAMESPACE = "living-archive"
PRINCIPAL = "living-archive"
_MAGIC = b"SSHSIG"
_HASH = "sha512"
_KEY_TYPE = b"ssh-ed25519"
_ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = "-----END SSH SIGNATURE-----"


class SigningError(ArchiveError):
    """The key cannot be read or made, or a signature is malformed or does not verify."""


def key_path(root: Path) -> Path:
    return root / KEY_DIR / KEY_NAME


def seal_key(key: Ed25519PrivateKey) -> bytes:
    """A second secret drawn from the signing key: it seals the fixity anchor a published manifest carries."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    return hashlib.sha256(b"living-archive fixity anchor seal\0" + raw).digest()


def ensure_key(root: Path) -> Ed25519PrivateKey:
    """The archive's signing key, made on first use (``archive init``, or the first build of an older archive)."""
    path = key_path(root)
    if path.is_file():
        return load_key(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                            serialization.NoEncryption())
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # Written readable by its owner only, then linked into place: never a half-written key, and
        # never one that replaces a key another process made meanwhile.
        partial = path.with_name(f".{KEY_NAME}.{os.getpid()}.partial")
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            return load_key(path)
        finally:
            partial.unlink(missing_ok=True)
        path.with_name(f"{KEY_NAME}.pub").write_text(public_key_line(key.public_key()) + "\n", encoding="ascii")
    except OSError as exc:
        raise SigningError(f"cannot write the signing key {path}: {exc.strerror}") from None
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_ssh_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc.strerror}") from None
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not an unencrypted OpenSSH private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 key")
    return key


def public_key_line(key: Ed25519PublicKey) -> str:
    """``ssh-ed25519 AAAA...`` as in an OpenSSH ``.pub`` file."""
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode("ascii")


def fingerprint(key: Ed25519PublicKey) -> str:
    """OpenSSH's fingerprint, ``SHA256:...``, as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(_public_blob(key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def allowed_signers(key: Ed25519PublicKey) -> str:
    """An ``allowed_signers`` file for ``ssh-keygen -Y verify``, naming this key for our namespace only."""
    return f'{PRINCIPAL} namespaces="{NAMESPACE}" {public_key_line(key)}\n'


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A key from an ``allowed_signers`` line or a ``.pub`` line."""
    words = text.split()
    for index, word in enumerate(words[:-1]):
        if word == _KEY_TYPE.decode():
            try:
                key = serialization.load_ssh_public_key(f"{word} {words[index + 1]}".encode("ascii"))
            except (ValueError, UnicodeEncodeError) as exc:
                raise SigningError(f"not an OpenSSH public key: {exc}") from None
            if isinstance(key, Ed25519PublicKey):
                return key
    raise SigningError("no ssh-ed25519 public key found")


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """An armored SSHSIG signature of ``message`` in our namespace."""
    signed = _signed_data(message)
    signature = _string(_KEY_TYPE) + _string(key.sign(signed))
    blob = (_MAGIC + struct.pack(">I", 1) + _string(_public_blob(key.public_key())) + _string(NAMESPACE.encode())
            + _string(b"") + _string(_HASH.encode()) + _string(signature))
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join([_ARMOR_BEGIN, *lines, _ARMOR_END]) + "\n"


@dataclass
class Signature:
    key: Ed25519PublicKey
    namespace: str
    hash_algorithm: str
    signature: bytes


def parse_signature(armored: str) -> Signature:
    lines = [line.strip() for line in armored.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _ARMOR_BEGIN or lines[-1] != _ARMOR_END:
        raise SigningError("not an SSH signature (no BEGIN/END SSH SIGNATURE lines)")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError:
        raise SigningError("the signature is not valid base64") from None
    reader = _Reader(blob)
    if reader.take(6) != _MAGIC or reader.uint32() != 1:
        raise SigningError("not an SSHSIG version 1 signature")
    public_blob = reader.string()
    namespace, _reserved, hash_algorithm, signature_blob = (reader.string() for _ in range(4))
    key_reader = _Reader(public_blob)
    if key_reader.string() != _KEY_TYPE:
        raise SigningError("the signature's key is not an Ed25519 key")
    key = Ed25519PublicKey.from_public_bytes(key_reader.string())
    inner = _Reader(signature_blob)
    if inner.string() != _KEY_TYPE:
        raise SigningError("the signature is not an Ed25519 signature")
    return Signature(key, namespace.decode("utf-8", "replace"), hash_algorithm.decode("ascii", "replace"),
                     inner.string())


def verify(armored: str, message: bytes, key: Ed25519PublicKey) -> None:
    """Raise ``SigningError`` unless ``armored`` is ``key``'s SSHSIG signature of ``message`` in our namespace."""
    parsed = parse_signature(armored)
    if _public_blob(parsed.key) != _public_blob(key):
        raise SigningError(f"it was made with another key ({fingerprint(parsed.key)}), not {fingerprint(key)}")
    if parsed.namespace != NAMESPACE:
        raise SigningError(f"it was made for the namespace {parsed.namespace!r}, not {NAMESPACE!r}")
    if parsed.hash_algorithm not in ("sha512", "sha256"):
        raise SigningError(f"unknown hash algorithm {parsed.hash_algorithm!r}")
    try:
        key.verify(parsed.signature, _signed_data(message, parsed.hash_algorithm))
    except InvalidSignature:
        raise SigningError("the signature does not match the signed file") from None


def _signed_data(message: bytes, hash_algorithm: str = _HASH) -> bytes:
    digest = hashlib.new(hash_algorithm, message).digest()
    return (_MAGIC + _string(NAMESPACE.encode()) + _string(b"") + _string(hash_algorithm.encode())
            + _string(digest))


def _public_blob(key: Ed25519PublicKey) -> bytes:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _string(_KEY_TYPE) + _string(raw)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def take(self, size: int) -> bytes:
        if self.position + size > len(self.data):
            raise SigningError("the signature is truncated")
        chunk = self.data[self.position:self.position + size]
        self.position += size
        return chunk

    def uint32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def string(self) -> bytes:
        return self.take(self.uint32())
