"""Notice attachments: checked by content (PDF, JPEG/PNG/WebP, DOCX, XLSX; 10 MB),
stored under random names outside the static root (MEDIA_ROOT/notices/), served only
through a scoped view. Images are re-encoded without metadata, as case photos are."""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sanzhang.cases.services.photos import PhotoTooLarge, photo_check
from sanzhang.core.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_COUNT = 5
_OOXML = {
    # ext: (part that must exist, content type)
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    ext: str
    name: str  # a safe display name ending in the detected extension


def _read(upload: Any) -> bytes:
    raw = (
        bytes(upload)
        if isinstance(upload, bytes | bytearray)
        else upload.read(MAX_BYTES + 1)
    )
    if len(raw) > MAX_BYTES:
        raise PhotoTooLarge(_("附件过大：每个不超过 10 MB"))
    if not raw:
        raise DomainError(_("附件是空文件"))
    return raw


def _ooxml_kind(raw: bytes) -> str | None:
    """'docx' / 'xlsx' for a well-formed Office Open XML zip without macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(
        n.lower().endswith("vbaproject.bin") for n in names
    ):
        return None
    for ext, (part, _ct) in _OOXML.items():
        if part in names:
            return ext
    return None


def safe_name(name: str, ext: str) -> str:
    """The upload's base name without path, control or markup characters, with the
    extension of what the content really is."""
    stem = Path(str(name or "").replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[\x00-\x1f\x7f<>:\"/\\|?*]", "", stem).strip(" .")[:80]
    return f"{stem or _('附件')}.{ext}"


def attachment_check(upload: Any, name: str = "") -> CheckedFile:
    raw = _read(upload)
    name = name or getattr(upload, "name", "") or ""
    if raw.startswith(b"%PDF-"):
        return CheckedFile(raw, "application/pdf", "pdf", safe_name(name, "pdf"))
    if raw.startswith(b"PK\x03\x04"):
        ext = _ooxml_kind(raw)
        if ext:
            return CheckedFile(raw, _OOXML[ext][1], ext, safe_name(name, ext))
    elif raw.startswith((b"\xff\xd8\xff", b"\x89PNG", b"RIFF")):
        photo = photo_check(raw)
        return CheckedFile(
            photo.data, photo.content_type, photo.ext, safe_name(name, photo.ext)
        )
    raise DomainError(_("不支持的附件类型（仅支持 PDF、图片、Word 和 Excel 文件）"))


def attachment_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "notices"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachment_store(checked: CheckedFile) -> str:
    """Write the file first (a row never points to a missing file); return its name."""
    name = f"{secrets.token_hex(16)}.{checked.ext}"
    (attachment_dir() / name).write_bytes(checked.data)
    return name


def attachment_path(name: str) -> Path:
    return attachment_dir() / Path(name).name


def attachment_remove(name: str) -> None:
    attachment_path(name).unlink(missing_ok=True)
