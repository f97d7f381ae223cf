"""County scale: ~200k households (35 rural townships + 130 urban residents' groups).

Wall time of plan() with 2 worker processes on this 2-core machine, hard-rule
audit of the whole plan, and the gap to our lower bound overall and for the
urban groups (200-400 households).

    .venv/bin/python bench/partition/bench_county.py --seed 0 --workers 2
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
from collections import Counter

import numpy as np
from common import audit, timed

from sanzhang.partition import Rules, plan, solver
from sanzhang.partition.generator import county
from sanzhang.partition.model import relative_gap


def _cpu() -> float:
    """CPU seconds used by this process and its finished worker processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--site-min",
        type=int,
        default=None,
        help="override Options.site_min (e.g. 1000000 turns the site stage off, "
        "for an A/B comparison under the same load)",
    )
    args = parser.parse_args()
    if args.site_min is not None:
        # plan() takes no Options, so change the default it builds them with
        # (every field has a default, in field order); workers get the object.
        names = [f.name for f in dataclasses.fields(solver.Options)]
        defaults = list(solver.Options.__init__.__defaults__)
        defaults[names.index("site_min")] = args.site_min
        solver.Options.__init__.__defaults__ = tuple(defaults)
    rules = Rules()
    households, gen_secs = timed(lambda: county(args.seed))
    load_before = os.getloadavg()[0]
    groups = Counter(h.group_id for h in households)
    print(
        f"generated {len(households):,} households in {len(groups):,} groups ({gen_secs:.1f} s)"
    )
    cpu_before = _cpu()
    result, secs = timed(lambda: plan(households, rules, workers=args.workers))
    cpu = _cpu() - cpu_before
    a = audit(result, households, rules)
    urban = [g for g in result.groups if g.households >= 200]
    gaps = np.array([relative_gap(g.distance_m, g.lower_bound_m) for g in urban])
    worst = max(urban, key=lambda g: relative_gap(g.distance_m, g.lower_bound_m))
    print(f"widest urban gap: {worst}")
    methods = Counter(g.method for g in result.groups)
    print(
        f"plan: {secs:.1f} s wall with {args.workers} workers; {cpu:.1f} CPU s in all processes "
        f"(= {cpu / args.workers:.1f} s per worker without other load); load average before/after "
        f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )
    print(f"hard-rule violations: {a['violations']} {a['first_violation']}")
    print(f"chiefless neighbourhoods above the floor: {a['chiefless_excess']}")
    total, bound = result.total_distance_m, result.lower_bound_m
    print(
        f"total distance {total:,.0f} m, lower bound {bound:,.0f} m, gap {result.gap:.3%}"
    )
    proven = sum(g.exact for g in result.groups)
    print(
        f"groups proven optimal: {proven} of {len(result.groups)}; methods {dict(methods)}"
    )
    sizes = [g.households for g in urban]
    print(f"urban groups: {len(urban)}, {min(sizes)}-{max(sizes)} households")
    print(
        f"  gap to lower bound: median {np.median(gaps):.2%}, mean {gaps.mean():.2%}, "
        f"max {gaps.max():.2%}; within 2%: {int((gaps <= 0.02).sum())} of {len(urban)}"
    )


if __name__ == "__main__":
    main()
