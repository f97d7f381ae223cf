"""The `sanzhang` console command, run for real against a fresh SQLite file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanzhang.org.tests.test_roster import family, xlsx

BIN = Path(sys.executable).parent / "sanzhang"


def run(args, var, **kw):
    env = {**os.environ, "SANZHANG_VAR": str(var)}
    env.pop("DATABASE_URL", None)  # always the embedded default here
    return subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, **kw
    )


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_import_stats_check_and_export_through_the_command(tmp_path):
    assert run(["migrate", "-v0"], tmp_path).returncode == 0
    made = run(
        ["create_admin", "admin", "--township", "安全乡", "--password-stdin"],
        tmp_path,
        input="a-long-Pass-2024\n",
    )
    assert made.returncode == 0, made.stderr
    weak = run(
        ["create_admin", "admin2", "--township", "安全乡", "--password-stdin"],
        tmp_path,
        input="123\n",
    )
    assert weak.returncode != 0
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes(xlsx(family("C001", "赵") + family("C002", "钱", nb="2邻")))
    imported = run(["import", str(roster), "--township", "安全乡"], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "新户 2" in imported.stdout
    stats = json.loads(run(["stats", "--json"], tmp_path).stdout)
    assert stats == {
        "villages": 1,
        "areas": 1,
        "groups": 1,
        "neighborhoods": 2,
        "households": 2,
        "residents": 4,
        "area_chiefs": 0,
        "group_chiefs": 0,
        "neighborhood_chiefs": 0,
    }
    check = run(["check"], tmp_path)
    assert check.returncode == 1  # no chiefs yet: vacancies are errors
    assert "邻长空缺" in check.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes("村,片\n新村,一片\n".encode())
    refused = run(["import", str(bad), "--township", "安全乡"], tmp_path)
    assert refused.returncode != 0
    assert "户号" in refused.stderr
    out = tmp_path / "out.xlsx"
    unit_id = "1"
    exported = run(["export", "--unit", unit_id, "-o", str(out)], tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_partition_through_the_command(tmp_path):
    rows = ["household_id,group_id,lon,lat,candidate"]
    rows += [
        f"h{i},g1,{112.17 + i * 0.0003:.5f},29.41,{1 if i in (0, 9) else 0}"
        for i in range(16)
    ]
    source = tmp_path / "in.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = run(["partition", str(source), "-o", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "household_id,neighborhood_id,chief_household_id"
    assignment = {line.split(",")[0]: line.split(",")[1:] for line in lines[1:]}
    assert set(assignment) == {f"h{i}" for i in range(16)}
    assert len({nb for nb, _chief in assignment.values()}) == 2  # p = round(16 / 8)
    assert {chief for _nb, chief in assignment.values()} == {"h0", "h9"}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "household_id,group_id,lon,lat,candidate\nh1,g1,east,29.4,1\n", encoding="utf-8"
    )
    refused = run(["partition", str(bad), "-o", str(tmp_path / "no.csv")], tmp_path)
    assert refused.returncode == 2
    assert "2" in refused.stderr
    assert not (tmp_path / "no.csv").exists()
