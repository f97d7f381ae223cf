"""Case photos: checked by content, re-encoded without metadata, stored under random
names outside the static root (MEDIA_ROOT/cases/), served only through a scoped view.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from sanzhang.core.errors import DomainError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; a declared 50000x50000 is refused


class PhotoTooLarge(DomainError):
    status_code = 413


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes  # the re-encoded image, metadata stripped
    content_type: str
    ext: str
    width: int
    height: int
    digest: str  # sha256 of the bytes as uploaded (for the idempotency check)


def _read(upload: Any, limit: int) -> bytes:
    raw = (
        bytes(upload)
        if isinstance(upload, bytes | bytearray)
        else upload.read(limit + 1)
    )
    if len(raw) > limit:
        raise PhotoTooLarge(
            _("图片过大：每张不超过 %(mb)d MB") % {"mb": limit // (1024 * 1024)}
        )
    if not raw:
        raise DomainError(_("图片是空文件"))
    return raw


def photo_check(upload: Any) -> CheckedPhoto:
    """Decode the image fully and re-encode it; refuse anything that is not one."""
    limit = settings.CASE_PHOTO_MAX_BYTES
    raw = _read(upload, limit)
    bad = DomainError(_("不是有效的图片（仅支持 JPEG、PNG、WebP）"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in FORMATS:
                raise bad
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DomainError(_("图片像素过多，请缩小后再上传"))
            image.load()
            content_type, ext = FORMATS[image.format]
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if ext == "jpg":
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            elif ext == "png":
                image.save(out, "PNG", optimize=True)
            else:
                image.save(out, "WEBP", quality=85)
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise bad from None
    return CheckedPhoto(
        data=out.getvalue(),
        content_type=content_type,
        ext=ext,
        width=image.width,
        height=image.height,
        digest=hashlib.sha256(raw).hexdigest(),
    )


def photo_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "cases"
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_store(photo: CheckedPhoto) -> str:
    """Write the file first (a row never points to a missing file); return its name."""
    name = f"{secrets.token_hex(16)}.{photo.ext}"
    (photo_dir() / name).write_bytes(photo.data)
    return name


def photo_remove(name: str) -> None:
    (photo_dir() / Path(name).name).unlink(missing_ok=True)


def photo_path(name: str) -> Path:
    return photo_dir() / Path(name).name
