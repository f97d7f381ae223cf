"""Photos are checked by content, re-encoded without EXIF, capped in size and count."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from sanzhang.cases.models import CasePhoto
from sanzhang.cases.services.photos import PhotoTooLarge, photo_check
from sanzhang.core.errors import DomainError


def image_bytes(fmt="PNG", size=(40, 30), exif=False):
    buf = io.BytesIO()
    img = Image.new("RGB", size, (200, 30, 30))
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "PhoneMaker"  # Make
        ex[0x8825] = {2: (29.0, 24.0, 0.0)}  # GPS
        img.save(buf, fmt, exif=ex.tobytes())
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def bomb_png(width=50000, height=50000):
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_real_images_pass_and_are_reencoded(fmt, ctype):
    checked = photo_check(image_bytes(fmt))
    assert (checked.content_type, checked.width, checked.height) == (ctype, 40, 30)


def test_exif_is_stripped():
    checked = photo_check(image_bytes("JPEG", exif=True))
    assert dict(Image.open(io.BytesIO(checked.data)).getexif()) == {}


@pytest.mark.parametrize(
    "raw",
    [
        b"<?php system($_GET['c']); ?>",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        image_bytes("GIF"),
        image_bytes("JPEG")[:200],  # truncated
    ],
    ids=["php-renamed-jpg", "svg", "gif", "truncated-jpeg"],
)
def test_non_images_are_refused(raw):
    with pytest.raises(DomainError) as exc:
        photo_check(raw)
    assert exc.value.message == "不是有效的图片（仅支持 JPEG、PNG、WebP）"


def test_decompression_bomb_header_is_refused():
    with pytest.raises(DomainError) as exc:
        photo_check(bomb_png())
    assert exc.value.message in {
        "图片像素过多，请缩小后再上传",
        "不是有效的图片（仅支持 JPEG、PNG、WebP）",
    }


def test_over_ten_megabytes_is_refused_with_413():
    with pytest.raises(PhotoTooLarge) as exc:
        photo_check(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))
    assert (exc.value.status_code, exc.value.message) == (
        413,
        "图片过大：每张不超过 10 MB",
    )


def test_empty_file_is_refused():
    with pytest.raises(DomainError):
        photo_check(b"")


def test_case_photos_are_stored_under_random_names_in_media(world, report, settings):
    case = report(photos=[image_bytes("PNG"), image_bytes("JPEG")])
    photos = list(CasePhoto.objects.filter(case=case))
    names = [p.file for p in photos]
    assert [Path(n).suffix for n in names] == [".png", ".jpg"]
    assert all(len(Path(n).stem) == 32 for n in names)
    assert all((Path(settings.MEDIA_ROOT) / "cases" / n).is_file() for n in names)


def test_a_bad_photo_refuses_the_whole_case_and_leaves_no_files(
    world, report, settings
):
    from sanzhang.cases.models import Case

    with pytest.raises(DomainError):
        report(photos=[image_bytes("PNG"), b"<?php ?>"])
    assert Case.objects.count() == 0
    folder = Path(settings.MEDIA_ROOT) / "cases"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_more_than_nine_photos_are_refused(world, report):
    with pytest.raises(DomainError) as exc:
        report(photos=[image_bytes()] * 10)
    assert exc.value.message == "每个事件最多 9 张照片"
