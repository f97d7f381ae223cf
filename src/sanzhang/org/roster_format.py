"""The roster file: its columns and how to read .xlsx and .csv safely. No database here.

One row per resident, households repeated on each member's row, in the column layout
township clerks already keep. Headers must be on the first row; unknown columns are
ignored, missing required ones are an error (no guessing).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError

# (header, key, required)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("村", "village", True),
    ("片", "area", True),
    ("组", "group", True),
    ("邻", "neighborhood", False),
    ("户号", "code", True),
    ("地址", "address", True),
    ("经度", "lon", False),
    ("纬度", "lat", False),
    ("姓名", "name", True),
    ("与户主关系", "relation", True),
    ("性别", "sex", False),
    ("身份证号", "id_number", False),
    ("联系电话", "phone", False),
    ("党员", "party", False),
    ("户标签", "tags", False),
)
HEADERS = {header: key for header, key, _req in COLUMNS}
KEY_HEADER = {key: header for header, key, _req in COLUMNS}
REQUIRED = [header for header, _key, req in COLUMNS if req]

MAX_ROWS = 300_000
# An .xlsx is a zip of XML; refuse ones that unpack past this (zip bombs).
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it in Excel: the header is row 1
    column: str
    message: str


class FileRejected(DomainError):
    """The whole file cannot be read; nothing was imported."""


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRejected(
                _("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_stop = exc.start
    try:
        # GB18030 is a superset of GBK/GB2312: Excel's default on Chinese Windows.
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        # The encoding that read further is the file's; its stop marks the bad line.
        stop = max(utf8_stop, exc.start)
        line = data[:stop].count(b"\n") + 1
        raise FileRejected(
            _(
                "文件编码无法识别（第%(line)d行），"
                "请另存为 UTF-8 或 GBK 编码的 CSV，或直接上传 Excel 文件"
            )
            % {"line": line}
        ) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores long digit strings as floats: keep them recognisable for the error.
        return (
            repr(value)
            if value != int(value) or abs(value) >= 1e15
            else str(int(value))
        )
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRejected(_("不是有效的 Excel (.xlsx) 文件")) from None
    infos = archive.infolist()
    if (
        len(infos) > MAX_ZIP_ENTRIES
        or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES
    ):
        raise FileRejected(_("Excel 文件解压后过大，已拒绝"))
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise FileRejected(_("Excel 文件已损坏或格式不支持")) from None
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append([_cell_text(v) for v in row])
        if len(rows) > MAX_ROWS + 1:
            raise FileRejected(_("行数超过上限 %(n)d 行，请分村导入") % {"n": MAX_ROWS})
    workbook.close()
    return rows


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """The file as a list of rows of text cells (header first)."""
    if not data or not data.strip():
        raise FileRejected(_("文件是空的"))
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return _xlsx_rows(data)
    if name.endswith((".xls", ".et", ".numbers")):
        raise FileRejected(_("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 后上传"))
    if not name.endswith((".csv", ".txt")):
        raise FileRejected(_("只支持 .xlsx 和 .csv 文件"))
    text = _decode_csv(data)
    if "\x00" in text:
        raise FileRejected(_("文件含有非法的空字符"))
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS + 1:
        raise FileRejected(_("行数超过上限 %(n)d 行，请分村导入") % {"n": MAX_ROWS})
    return rows


def map_header(header: list[str]) -> dict[str, int]:
    """Column key -> index; refuses a header that lacks a required column."""
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = HEADERS.get(cell.strip())
        if key and key not in positions:
            positions[key] = i
    missing = [h for h in REQUIRED if HEADERS[h] not in positions]
    if missing:
        raise FileRejected(
            _("第1行表头缺少必填列：%(cols)s（表头须在第1行，可下载模板对照）")
            % {"cols": "、".join(missing)}
        )
    return positions


def open_upload(stream: IO[bytes], *, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRejected(
            _("文件过大（上限 %(mb)d MB），请分村导入")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    return data
