"""Shared helpers for the partition benchmarks (run from the repository root).

Nothing here is imported by the library; it only measures it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from sanzhang.partition import (  # noqa: E402
    HouseholdPoint,
    NeighborhoodPlan,
    Plan,
    Rules,
    check_plan,
    chiefless_excess,
)
from sanzhang.partition.geo import distance_matrix, local_xy_m  # noqa: E402
from sanzhang.partition.sizing import group_sizing  # noqa: E402

OUT = ROOT / "bench" / "out"  # ignored by git; caches of slow exact optima
T = TypeVar("T")


def one_core() -> None:
    """Pin this process to one CPU, as the targets are stated per core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def by_group(households: Iterable[HouseholdPoint]) -> dict[str, list[HouseholdPoint]]:
    groups: dict[str, list[HouseholdPoint]] = {}
    for h in households:
        groups.setdefault(h.group_id, []).append(h)
    return groups


def kmeans_constrained_plan(
    households: Sequence[HouseholdPoint], rules: Rules, seed: int = 0
) -> Plan:
    """Baseline: k-means-constrained per group, then the best candidate per cluster.

    Same p and size bounds as ours; each cluster's chief is the candidate with
    the least total distance (medoid if it has none) - the generic recipe.
    """
    from k_means_constrained import KMeansConstrained

    hoods: list[NeighborhoodPlan] = []
    for gid, members in by_group(households).items():
        sizing = group_sizing(len(members), rules)
        lon = np.array([h.lon for h in members])
        lat = np.array([h.lat for h in members])
        if sizing.neighborhoods == 1:
            labels = np.zeros(len(members), dtype=int)
        else:
            p = sizing.neighborhoods
            model = KMeansConstrained(
                n_clusters=p,
                size_min=sizing.min_size,
                # Same bound; the library insists it be below n.
                size_max=min(sizing.max_size, len(members) - (p - 1) * sizing.min_size),
                random_state=seed,
            )
            labels = model.fit_predict(local_xy_m(lon, lat))
        dist = distance_matrix(lon, lat)
        cand = np.array([h.is_candidate for h in members])
        for c in range(sizing.neighborhoods):
            idx = np.flatnonzero(labels == c)
            pool = idx[cand[idx]] if cand[idx].any() else idx
            centre = pool[int(np.argmin(dist[np.ix_(idx, pool)].sum(axis=0)))]
            hoods.append(
                NeighborhoodPlan(
                    id=f"{gid}-{c + 1:02d}",
                    group_id=gid,
                    household_ids=tuple(members[i].id for i in idx),
                    chief_household_id=members[centre].id if cand[centre] else None,
                    center_household_id=members[centre].id,
                    distance_m=float(dist[idx, centre].sum()),
                )
            )
    total = sum(h.distance_m for h in hoods)
    return Plan(tuple(hoods), total, 0.0, 0, rules)


def audit(
    result: Plan, households: Sequence[HouseholdPoint], rules: Rules
) -> dict[str, Any]:
    """Hard-rule violations and rule-2 defects, recomputed independently."""
    violations = check_plan(result, households, rules)
    return {
        "violations": len(violations),
        "first_violation": violations[0] if violations else "",
        "chiefless_excess": chiefless_excess(result, households),
    }


def load_cache(name: str) -> dict[str, Any]:
    path = OUT / name
    return json.loads(path.read_text()) if path.exists() else {}


def save_cache(name: str, data: dict[str, Any]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(data))


def pct(a: float, b: float) -> str:
    return f"{(a - b) / b * 100:+.3f}%" if b > 0 else "n/a"


def md_row(*cells: object) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"
