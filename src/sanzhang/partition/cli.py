"""``sanzhang partition INPUT.csv -o OUTPUT.csv [--min 5] [--max 15] [--target 8]``

INPUT.csv (UTF-8, a BOM is fine) has the header
``household_id,group_id,lon,lat,candidate`` (candidate is 1 or 0), in any
column order; extra columns are ignored, except the optional
``locked_neighborhood`` and ``must_be_chief`` (1/0) which set locks.

OUTPUT.csv has ``household_id,neighborhood_id,chief_household_id``, one row
per input household in input order; the chief is empty where the
neighbourhood has no candidate.

Exit status 0 on success. On bad input the message names the row as a
spreadsheet shows it (the header is row 1), goes to stderr, the exit status is 2 and no
output file is written: the plan goes to a temporary file that is renamed
over OUTPUT.csv only once everything succeeded.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .model import HouseholdPoint, Plan, PlanError, Rules
from .solver import plan

REQUIRED = ("household_id", "group_id", "lon", "lat", "candidate")
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """Bad input; the message is shown as is."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanzhang partition",
        description="划分邻并推选邻长 (partition households into neighbourhoods and pick chiefs)",
    )
    parser.add_argument("input", type=Path, help="INPUT.csv")
    parser.add_argument("-o", "--output", type=Path, required=True, help="OUTPUT.csv")
    parser.add_argument(
        "--min", type=int, default=5, dest="min_size", help="每邻最少户数 (default 5)"
    )
    parser.add_argument(
        "--max", type=int, default=15, dest="max_size", help="每邻最多户数 (default 15)"
    )
    parser.add_argument(
        "--target", type=int, default=8, help="每邻目标户数 (default 8)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="并行进程数 (worker processes, default 1)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and usage errors
        return int(exc.code or 0)
    try:
        rules = Rules(args.min_size, args.max_size, args.target)
        households = read_households(args.input)
        result = plan(households, rules, workers=max(1, args.workers))
        write_plan(args.output, households, result)
    except (InputError, PlanError) as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _summary(result)
    return 0


def read_households(path: Path) -> list[HouseholdPoint]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件 {path} (file not found: {path})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} 不是 UTF-8 编码 ({path} is not UTF-8)") from exc
    except OSError as exc:
        raise InputError(
            f"无法读取 {path} (cannot read {path}: {exc.strerror})"
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        names = ", ".join(missing)
        raise InputError(f"第 1 行: 缺少列 {names} (row 1: missing column(s) {names})")
    reader.fieldnames = header
    households: list[HouseholdPoint] = []
    first_line: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        hh = _parse_row(record, line)
        if hh.id in first_line:
            raise InputError(
                f"第 {line} 行: 住户编号 {hh.id} 与第 {first_line[hh.id]} 行重复 "
                f"(row {line}: household_id {hh.id} duplicates row {first_line[hh.id]})"
            )
        first_line[hh.id] = line
        households.append(hh)
    return households


def _parse_row(record: dict[str, str | None], line: int) -> HouseholdPoint:
    if None in record:  # more cells than header columns
        raise InputError(f"第 {line} 行: 列数过多 (row {line}: too many fields)")
    cells = {k: (v or "").strip() for k, v in record.items()}
    if any(record.get(c) is None for c in REQUIRED):
        raise InputError(f"第 {line} 行: 列数不足 (row {line}: too few fields)")
    hid, gid = cells["household_id"], cells["group_id"]
    if not hid:
        raise InputError(
            f"第 {line} 行: 住户编号为空 (row {line}: household_id is empty)"
        )
    if not gid:
        raise InputError(f"第 {line} 行: 组编号为空 (row {line}: group_id is empty)")
    lon = _coordinate(cells["lon"], line, "经度", "lon", 180.0)
    lat = _coordinate(cells["lat"], line, "纬度", "lat", 90.0)
    candidate = _flag(cells["candidate"], line, "候选人", "candidate")
    lock = cells.get("locked_neighborhood") or None
    chief = _flag(cells.get("must_be_chief") or "0", line, "指定邻长", "must_be_chief")
    if chief and not candidate:
        raise InputError(
            f"第 {line} 行: 指定邻长必须是候选人 (row {line}: must_be_chief needs candidate=1)"
        )
    return HouseholdPoint(hid, gid, lon, lat, candidate, lock, chief)


def _coordinate(text: str, line: int, zh: str, en: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"第 {line} 行: {zh}不是数字 (row {line}: {en} is not a number)"
        ) from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise InputError(
            f"第 {line} 行: {zh} {text} 超出范围 ±{limit:g} "
            f"(row {line}: {en} {text} is out of range ±{limit:g})"
        )
    return value


def _flag(text: str, line: int, zh: str, en: str) -> bool:
    if text not in ("0", "1"):
        raise InputError(
            f"第 {line} 行: {zh}必须是 1 或 0 (row {line}: {en} must be 1 or 0)"
        )
    return text == "1"


def write_plan(path: Path, households: Sequence[HouseholdPoint], result: Plan) -> None:
    """Write atomically: a temp file next to the target, renamed on success."""
    hood_of = result.assignment()
    chief_of = result.chief_of()
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise InputError(
            f"无法写入 {path} (cannot write {path}: {exc.strerror})"
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["household_id", "neighborhood_id", "chief_household_id"])
            for hh in households:
                hood = hood_of[hh.id]
                writer.writerow([hh.id, hood, chief_of[hood] or ""])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _summary(result: Plan) -> None:
    households = sum(len(h.household_ids) for h in result.neighborhoods)
    chiefless = sum(1 for h in result.neighborhoods if h.chief_household_id is None)
    gap = result.gap
    gap_text = f"{gap * 100:.2f}%" if math.isfinite(gap) else "n/a"
    print(
        f"{households} 户 / households, {len(result.neighborhoods)} 邻 / neighbourhoods "
        f"({chiefless} 无邻长 / without chief), "
        f"total {result.total_distance_m:.0f} m, lower bound {result.lower_bound_m:.0f} m, "
        f"gap {gap_text}"
    )
    for warning in result.warnings:
        print(f"注意 (warning): {warning}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
