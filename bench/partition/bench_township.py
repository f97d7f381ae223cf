"""Township scale: 4555 households in 252 groups, on one core.

Compares, in the same run, our plan against (a) the exact optimum of every
group (HiGHS MIP, cached in bench/out/ because it is slow to recompute) and
(b) k-means-constrained followed by the best candidate per cluster. Then the
same groups with nobody a candidate, so that both minimise plain distance.

    .venv/bin/python bench/partition/bench_township.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

from common import (
    audit,
    by_group,
    kmeans_constrained_plan,
    load_cache,
    md_row,
    one_core,
    pct,
    save_cache,
    timed,
)

from sanzhang.partition import Plan, Rules, plan
from sanzhang.partition.generator import township
from sanzhang.partition.model import relative_gap
from sanzhang.partition.problem import build_problem
from sanzhang.partition.solver import Options, _distance, solve_group

HEADER = [
    "seed",
    "method",
    "total distance (m)",
    "vs exact",
    "gap to own bound",
    "chiefless above floor",
    "hard-rule violations",
    "wall (s)",
    "CPU (s)",
]


def exact_optimum(households, rules: Rules, seed: int) -> tuple[float, int, float]:
    """Sum of per-group proven optima; returns (total, unproven groups, seconds)."""
    name = f"township_exact_{seed}.json"
    cache = load_cache(name)
    if not cache:
        start = time.perf_counter()
        for gid, members in by_group(households).items():
            prob = build_problem(gid, members, rules)
            out = solve_group(prob, Options(exact="always", time_limit=600))
            cache[gid] = [_distance(prob, out.solution), out.exact]
        cache["_seconds"] = [time.perf_counter() - start, True]
        save_cache(name, cache)
    groups = {k: v for k, v in cache.items() if not k.startswith("_")}
    total = sum(v[0] for v in groups.values())
    unproven = sum(1 for v in groups.values() if not v[1])
    return total, unproven, cache["_seconds"][0]


def cpu_timed(fn):
    cpu = time.process_time()
    result, wall = timed(fn)
    return result, wall, time.process_time() - cpu


def row(
    seed: int, name: str, result: Plan, households, rules, ref: float, gap, wall, cpu
):
    a = audit(result, households, rules)
    return md_row(
        seed,
        name,
        f"{result.total_distance_m:,.0f}",
        pct(result.total_distance_m, ref),
        gap,
        a["chiefless_excess"],
        a["violations"],
        f"{wall:.2f}",
        f"{cpu:.2f}",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    one_core()
    rules = Rules()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(md_row(*HEADER))
    print(md_row(*["---"] * len(HEADER)))
    for seed in args.seeds:
        households, _ = township(seed)
        optimum, unproven, exact_secs = exact_optimum(households, rules, seed)
        ours, wall, cpu = cpu_timed(
            lambda households=households: plan(households, rules)
        )
        print(
            row(
                seed,
                "ours",
                ours,
                households,
                rules,
                optimum,
                f"{ours.gap:.3%}",
                wall,
                cpu,
            )
        )
        kmc, wall, cpu = cpu_timed(
            lambda h=households: kmeans_constrained_plan(h, rules)
        )
        name = "k-means-constrained + best candidate"
        print(row(seed, name, kmc, households, rules, optimum, "-", wall, cpu))
        name = f"exact: MIP per group ({unproven} unproven)"
        print(
            md_row(
                seed,
                name,
                f"{optimum:,.0f}",
                "+0.000%",
                "0",
                0,
                0,
                f"{exact_secs:.1f}",
                "-",
            )
        )
        # Rule 2 aside: nobody a candidate, so both minimise distance to a medoid.
        plain = [dataclasses.replace(h, is_candidate=False) for h in households]
        ours_plain, wall, cpu = cpu_timed(lambda plain=plain: plan(plain, rules))
        bound = ours_plain.lower_bound_m
        gap = f"{ours_plain.gap:.3%}"
        print(
            row(
                seed,
                "ours, distance only",
                ours_plain,
                plain,
                rules,
                bound,
                gap,
                wall,
                cpu,
            )
        )
        kmc_plain, wall, cpu = cpu_timed(
            lambda plain=plain: kmeans_constrained_plan(plain, rules)
        )
        gap = f"{relative_gap(kmc_plain.total_distance_m, bound):.3%}"
        name = "k-means-constrained, distance only"
        print(row(seed, name, kmc_plain, plain, rules, bound, gap, wall, cpu))
    print("'vs exact' for the distance-only rows is against our lower bound.")


if __name__ == "__main__":
    main()
