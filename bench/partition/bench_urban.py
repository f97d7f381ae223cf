"""Urban residents' groups of 400 households (apartment stairwells, street fronts).

For each group: our plan (time, total distance, Lagrangian lower bound, gap),
k-means-constrained + best candidate per cluster, and - as the strongest bound
we can compute - a time-limited HiGHS MIP (Lagrangian reduced-cost fixing,
warm-started from our plan), which often proves the optimum outright.

    .venv/bin/python bench/partition/bench_urban.py --seed 0 --groups 10 --mip-seconds 120
"""

from __future__ import annotations

import argparse

import numpy as np
from common import (
    audit,
    kmeans_constrained_plan,
    load_cache,
    md_row,
    one_core,
    save_cache,
    timed,
)

from sanzhang.partition import Rules
from sanzhang.partition.bounds import lagrangian_bound, useful_columns
from sanzhang.partition.exact import solve_exact
from sanzhang.partition.generator import urban_district
from sanzhang.partition.problem import build_problem
from sanzhang.partition.solver import (
    Options,
    _distance,
    finalize,
    group_households,
    solve_group,
)


def mip_reference(prob, sol, seconds: float) -> tuple[float, float, bool]:
    """(best plan found, best lower bound, proven) from a warm-started MIP."""
    upper = _distance(prob, sol)
    k = int(prob.cand[sol.centers].sum())
    bound = lagrangian_bound(prob, k, upper, iterations=1500)
    keep = useful_columns(prob, k, bound.multipliers, upper)
    keep[np.arange(prob.n), sol.centers[sol.assign]] = True
    result = solve_exact(prob, k, sol, seconds, keep)
    best = upper
    if result.solution is not None:
        best = min(best, _distance(prob, finalize(prob, result.solution)))
    return best, max(result.lower_bound, bound.value), result.proven


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--mip-seconds", type=float, default=120.0)
    args = parser.parse_args()
    one_core()
    rules = Rules()
    households = urban_district(args.seed, args.groups, size_range=(400, 400))
    cache_name = f"urban_mip_{args.seed}_{args.groups}_{int(args.mip_seconds)}.json"
    cache = load_cache(cache_name)
    header = ["group", "k/p", "ours (m)", "time (s)", "gap to own bound"]
    header += ["kmc + best candidate (m)", "kmc chiefless above floor", "MIP best (m)"]
    header += ["MIP bound (m)", "proven", "ours vs MIP best", "ours vs best bound"]
    print(md_row(*header))
    print(md_row(*["---"] * len(header)))
    rows = []
    for gid, members in group_households(households).items():
        prob = build_problem(gid, members, rules)
        out, secs = timed(lambda prob=prob: solve_group(prob, Options()))
        ours = _distance(prob, out.solution)
        kmc = kmeans_constrained_plan(members, rules)
        kmc_audit = audit(kmc, members, rules)
        if gid not in cache:
            cache[gid] = mip_reference(prob, out.solution, args.mip_seconds)
            save_cache(cache_name, cache)
        mip_best, mip_bound, proven = cache[gid]
        best_bound = max(mip_bound, out.lower_bound)
        rows.append((ours, out.lower_bound, best_bound, mip_best, secs))
        print(
            md_row(
                gid,
                f"{prob.k}/{prob.p}",
                f"{ours:,.0f}",
                f"{secs:.2f}",
                _pct(ours, out.lower_bound),
                f"{kmc.total_distance_m:,.0f}",
                kmc_audit["chiefless_excess"],
                f"{mip_best:,.0f}",
                f"{mip_bound:,.0f}",
                "yes" if proven else "no",
                _pct(ours, mip_best, sign=True),
                _pct(ours, best_bound),
            )
        )
    arr = np.array(rows)
    print()
    ours, own, best, known, secs = arr.sum(axis=0)
    print(
        f"total: ours {ours:,.0f} m in {secs:.1f} s; above our Lagrangian bound "
        f"{_pct(ours, own)}; above the best bound {_pct(ours, best)}; "
        f"above the best plan known {_pct(ours, known, sign=True)}"
    )


def _pct(value: float, ref: float, sign: bool = False) -> str:
    return f"{(value - ref) / ref * 100:{'+' if sign else ''}.2f}%"


if __name__ == "__main__":
    main()
