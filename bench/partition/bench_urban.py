"""Urban residents' groups of 400 households (apartment stairwells, street fronts).

For each group: our plan (CPU time, total distance, the lower bound we report
and its gap, and for comparison the old Lagrangian bound alone),
k-means-constrained + best candidate per cluster, and a reference: the site
MIP (``colgen.solve_sites``, households at one point aggregated) warm-started
from our plan with ``--mip-seconds`` per group and no reduced-cost fixing, which
usually proves the optimum outright.

    .venv/bin/python bench/partition/bench_urban.py --seed 0 --groups 8 --mip-seconds 30
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import (
    audit,
    kmeans_constrained_plan,
    load_cache,
    md_row,
    one_core,
    save_cache,
)

from sanzhang.partition import Rules
from sanzhang.partition.bounds import lagrangian_bound
from sanzhang.partition.colgen import solve_sites
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
    """(best plan found, best lower bound, proven) from the warm-started site MIP."""
    upper = _distance(prob, sol)
    k = int(prob.cand[sol.centers].sum())
    result = solve_sites(prob, k, sol, seconds)
    best = upper
    if result.solution is not None:
        best = min(best, _distance(prob, finalize(prob, result.solution)))
    return best, min(result.lower_bound, best), result.proven


def _cpu_timed(fn):
    """(result, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--mip-seconds", type=float, default=120.0)
    args = parser.parse_args()
    one_core()
    rules = Rules()
    households = urban_district(args.seed, args.groups, size_range=(400, 400))
    cache_name = f"urban_sitemip_{args.seed}_{args.groups}_{int(args.mip_seconds)}.json"
    cache = load_cache(cache_name)
    header = ["group", "k/p", "ours (m)", "wall (s)", "CPU (s)", "method"]
    header += ["gap to own bound"]
    header += ["gap to Lagrangian bound", "kmc + best candidate (m)"]
    header += ["kmc chiefless above floor", "ref. best (m)", "ref. bound (m)"]
    header += ["proven", "ours vs ref. best", "ours vs best bound"]
    print(md_row(*header))
    print(md_row(*["---"] * len(header)))
    rows = []
    for gid, members in group_households(households).items():
        prob = build_problem(gid, members, rules)
        out, wall, secs = _cpu_timed(lambda prob=prob: solve_group(prob, Options()))
        ours = _distance(prob, out.solution)
        k = int(prob.cand[out.solution.centers].sum())
        lag = lagrangian_bound(prob, k, ours).value
        kmc = kmeans_constrained_plan(members, rules)
        kmc_audit = audit(kmc, members, rules)
        if gid not in cache:
            cache[gid] = mip_reference(prob, out.solution, args.mip_seconds)
            save_cache(cache_name, cache)
        mip_best, mip_bound, proven = cache[gid]
        best_bound = max(mip_bound, out.lower_bound)
        rows.append((ours, out.lower_bound, best_bound, mip_best, secs, lag))
        print(
            md_row(
                gid,
                f"{prob.k}/{prob.p}",
                f"{ours:,.0f}",
                f"{wall:.2f}",
                f"{secs:.2f}",
                out.method,
                _pct(ours, out.lower_bound),
                _pct(ours, lag),
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
    gaps = (arr[:, 0] - arr[:, 1]) / arr[:, 1]
    ours, own, best, known, secs, lag = arr.sum(axis=0)
    print(
        f"total: ours {ours:,.0f} m in {secs:.1f} CPU s; above our bound "
        f"{_pct(ours, own)} (the Lagrangian bound alone: {_pct(ours, lag)}); "
        f"above the best bound {_pct(ours, best)}; "
        f"above the best plan known {_pct(ours, known, sign=True)}; "
        f"groups within 2% of our bound: {int((gaps <= 0.02).sum())} of {len(gaps)}"
    )


def _pct(value: float, ref: float, sign: bool = False) -> str:
    return f"{(value - ref) / ref * 100:{'+' if sign else ''}.2f}%"


if __name__ == "__main__":
    main()
