"""Encryption at rest and keyed hashes for personal data (ID numbers, phones).

Values are sealed with AES-256-GCM under a key derived from settings.DATA_KEY; the
keyed hash (HMAC-SHA256 under a second derived key) lets the database find duplicates
and look people up without ever holding the clear value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"


@lru_cache(maxsize=4)
def _keys(data_key: str) -> tuple[AESGCM, bytes]:
    root = hashlib.sha256(data_key.encode()).digest()
    enc = hmac.new(root, b"sanzhang-encrypt-v1", hashlib.sha256).digest()
    mac = hmac.new(root, b"sanzhang-lookup-v1", hashlib.sha256).digest()
    return AESGCM(enc), mac


def seal(value: str) -> bytes:
    """Encrypt a text value; the result carries its own nonce and version byte."""
    aes, _ = _keys(settings.DATA_KEY)
    nonce = os.urandom(12)
    return _VERSION + nonce + aes.encrypt(nonce, value.encode(), None)


def unseal(blob: bytes | memoryview | None) -> str:
    if not blob:
        return ""
    raw = bytes(blob)
    if raw[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    aes, _ = _keys(settings.DATA_KEY)
    return aes.decrypt(raw[1:13], raw[13:], None).decode()


def lookup_hash(kind: str, value: str) -> str:
    """Keyed hash of a normalised value; `kind` keeps phones and IDs apart."""
    _, mac = _keys(settings.DATA_KEY)
    return hmac.new(mac, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
