import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanzhang.partition import Rules, check_plan, plan
from sanzhang.partition.cli import main, read_households

from .helpers import scatter

HEADER = "household_id,group_id,lon,lat,candidate"
SRC = Path(__file__).resolve().parents[3]


def _write(path: Path, households, bom: bool = False) -> Path:
    lines = [HEADER] + [
        f"{h.id},{h.group_id},{h.lon!r},{h.lat!r},{int(h.is_candidate)}"
        for h in households
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


@pytest.fixture
def households():
    return scatter(23, seed=1, group="五组", candidate_rate=0.3) + scatter(
        9, seed=2, group="六组", candidate_rate=0.0
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_good_file_with_bom(tmp_path, households, capsys):
    src = _write(tmp_path / "in.csv", households, bom=True)
    out = tmp_path / "out.csv"
    assert main([str(src), "-o", str(out)]) == 0
    rows = _rows(out)
    assert list(rows[0]) == ["household_id", "neighborhood_id", "chief_household_id"]
    assert [r["household_id"] for r in rows] == [h.id for h in households]
    # The file says exactly what the library plans.
    expected = plan(read_households(src), Rules())
    assert {
        r["household_id"]: r["neighborhood_id"] for r in rows
    } == expected.assignment()
    assert check_plan(expected, households, Rules()) == []
    chiefs = expected.chief_of()
    for r in rows:
        assert r["chief_household_id"] == (chiefs[r["neighborhood_id"]] or "")
    assert {
        r["neighborhood_id"] for r in rows if r["household_id"].startswith("六组")
    } == {"六组-01"}
    assert all(
        r["chief_household_id"] == ""
        for r in rows
        if r["household_id"].startswith("六组")
    )
    assert {
        r["neighborhood_id"] for r in rows if r["household_id"].startswith("五组")
    } == {
        "五组-01",
        "五组-02",
        "五组-03",
    }
    assert "households" in capsys.readouterr().out


def test_rules_options_are_used(tmp_path, households):
    src = _write(tmp_path / "in.csv", households)
    out = tmp_path / "out.csv"
    assert (
        main([str(src), "-o", str(out), "--min", "3", "--max", "6", "--target", "4"])
        == 0
    )
    sizes = {}
    for r in _rows(out):
        sizes[r["neighborhood_id"]] = sizes.get(r["neighborhood_id"], 0) + 1
    assert all(3 <= s <= 6 for s in sizes.values())
    assert len(sizes) == 6 + 2  # 23 -> 6, 9 -> 2


def _bad(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = [
    "a1,g,112.1,29.4,1",
    "a2,g,112.1001,29.4,0",
    "a3,g,112.1002,29.4001,0",
]


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        (
            ["household_id,group_id,lon,candidate", "a1,g,112.1,1"],
            ["第 1 行", "row 1", "lat"],
        ),
        (
            [HEADER, *GOOD[:2], "a3,g,abc,29.4,1"],
            ["第 4 行", "row 4", "lon is not a number"],
        ),
        (
            [HEADER, GOOD[0], "a2,g,112.1,95.5,0"],
            ["第 3 行", "row 3", "lat", "out of range"],
        ),
        ([HEADER, GOOD[0], "a2,g,nan,29.4,0"], ["第 3 行", "row 3", "lon"]),
        ([HEADER, *GOOD, "a2,g,112.1,29.4,0"], ["第 5 行", "row 5", "a2", "row 3"]),
        ([HEADER, GOOD[0], "a2,g,112.1,29.4,yes"], ["第 3 行", "row 3", "candidate"]),
        ([HEADER, GOOD[0], ",g,112.1,29.4,0"], ["第 3 行", "row 3", "household_id"]),
        ([HEADER, GOOD[0], "a2,g,112.1"], ["第 3 行", "row 3", "too few"]),
    ],
    ids=[
        "missing-column",
        "lon-text",
        "lat-range",
        "lon-nan",
        "duplicate",
        "flag",
        "empty-id",
        "short",
    ],
)
def test_bad_input_names_the_row_and_writes_nothing(tmp_path, capsys, lines, needle):
    src = _bad(tmp_path, "\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    assert main([str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    for text in needle:
        assert text in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]  # no temp file left behind either


def test_min_above_max_is_bad_input(tmp_path, capsys, households):
    src = _write(tmp_path / "in.csv", households)
    out = tmp_path / "out.csv"
    assert main([str(src), "-o", str(out), "--min", "9", "--max", "4"]) == 2
    assert "min 9 > max 4" in capsys.readouterr().err
    assert not out.exists()


def test_failed_run_keeps_an_existing_output(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("previous\n", encoding="utf-8")
    src = _bad(tmp_path, HEADER + "\na1,g,x,29.4,1\n")
    assert main([str(src), "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_missing_file_and_usage_errors(tmp_path, capsys):
    assert main([str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert main([]) == 2  # argparse usage error


def test_module_entry_point(tmp_path, households):
    src = _write(tmp_path / "in.csv", households)
    out = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    ok = subprocess.run(
        [sys.executable, "-m", "sanzhang.partition", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert len(_rows(out)) == len(households)
    bad = _bad(tmp_path, HEADER + "\na1,g,112.1,29.4,1\na2,g,112.1,-91,0\n")
    out2 = tmp_path / "out2.csv"
    failed = subprocess.run(
        [sys.executable, "-m", "sanzhang.partition", str(bad), "-o", str(out2)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert failed.returncode == 2
    assert "第 3 行" in failed.stderr
    assert "row 3" in failed.stderr
    assert not out2.exists()
    assert "HiGHS" not in ok.stdout  # no solver banner in the output
