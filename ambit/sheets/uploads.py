"""Keep an uploaded file between the dry run and the confirmation, without the session.

The bytes go to ``VAR_DIR/uploads/<token>-<sha256>.bin`` with a small JSON record beside them
(membership, cycle, locale, file name, time). Confirming applies exactly those bytes: the sha256
is checked again, the record must belong to the same membership, and it expires after an hour.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

EXPIRY_SECONDS = 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadGone(Exception):
    """The stored upload is unknown, expired, altered or someone else's."""


@dataclass
class StoredUpload:
    token: str
    data: bytes
    filename: str
    cycle_id: int
    locale: str


def _dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _purge_expired(now: float) -> None:
    for meta in _dir().glob("*.json"):
        try:
            created = json.loads(meta.read_text())["created"]
        except (OSError, ValueError, KeyError):
            created = 0
        if now - created > EXPIRY_SECONDS:
            for f in _dir().glob(f"{meta.stem}*"):
                f.unlink(missing_ok=True)


def upload_store(*, membership_id: int, cycle_id: int, data: bytes, filename: str, locale: str) -> str:
    now = time.time()
    _purge_expired(now)
    token = secrets.token_urlsafe(24)
    digest = hashlib.sha256(data).hexdigest()
    (_dir() / f"{token}-{digest}.bin").write_bytes(data)
    record = {
        "membership_id": membership_id,
        "cycle_id": cycle_id,
        "filename": filename[:200],
        "locale": locale,
        "sha256": digest,
        "created": now,
    }
    (_dir() / f"{token}.json").write_text(json.dumps(record))
    return token


def upload_load(*, token: str, membership_id: int) -> StoredUpload:
    if not _TOKEN_RE.match(token or ""):
        raise UploadGone
    meta = _dir() / f"{token}.json"
    try:
        record = json.loads(meta.read_text())
        data = (_dir() / f"{token}-{record['sha256']}.bin").read_bytes()
    except (OSError, ValueError, KeyError):
        raise UploadGone from None
    if record["membership_id"] != membership_id:
        raise UploadGone
    if time.time() - record["created"] > EXPIRY_SECONDS:
        upload_discard(token=token)
        raise UploadGone
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise UploadGone
    return StoredUpload(token, data, record["filename"], record["cycle_id"], record["locale"])


def upload_discard(*, token: str) -> None:
    if not _TOKEN_RE.match(token or ""):
        return
    for f in _dir().glob(f"{token}*"):
        f.unlink(missing_ok=True)
