"""Neighbourhood (邻) planning for the three-chiefs system (片组邻 三长制).

Inside one villager group, 5-15 households living next to each other form a
neighbourhood, and a willing candidate living among them becomes its chief:
"voluntary, nearest". This package computes such plans. It is plain Python
(numpy, scipy, highspy) and imports nothing from Django or the rest of
sanzhang, so it can be used from scripts and worker processes alike.

The model
---------
Each group is solved on its own (a neighbourhood never spans two groups).
A group of n households gets

    p = clamp(round_half_up(n / target), ceil(n / max), floor(n / min))

neighbourhoods (p = 1 when n < min; see ``sizing`` for rules that cannot be
met). The rules, in strict priority order:

1. hard: every household in exactly one neighbourhood of its own group, each
   neighbourhood between min and max households, locks respected;
2. as few neighbourhoods without a candidate chief as possible: the floor is
   max(0, p - candidates), and plans always reach it (locks permitting);
3. the least total great-circle distance from each household to its chief's
   household, or to the neighbourhood's medoid where there is no candidate.

That is a capacitated p-median problem with two kinds of centre. Rule 2 is a
count: exactly k = min(p, candidates) centres are candidates, and a
neighbourhood whose centre is not a candidate holds none (otherwise that
candidate would be its chief).

How it is solved
----------------
* p = 1, and p = 2 by enumerating both centres (for fixed centres the best
  split is a sort): exact.
* p >= 3: local search built from exact pieces - the optimal assignment for
  fixed centres (an assignment problem), the optimal re-split of two
  neighbouring neighbourhoods, and centre swaps (including "close a cheap
  neighbourhood, split a big one", which size bounds make worthwhile). Starts
  come from greedy p-median seeding, recursive bisection along the
  settlement's main axis, and the centres of the Lagrangian relaxation.
* A Lagrangian relaxation (its best value equals the LP bound) gives every
  group a proven lower bound. When it does not already prove the plan
  optimal, groups of up to 60 households go to a HiGHS MIP, shrunk by
  Lagrangian reduced-cost fixing and warm-started with the plan; it usually
  proves optimality in milliseconds (capped at 1 s per group, after which
  the group is reported unproven with HiGHS's bound).
* Groups of 150+ households (urban residents' groups: apartment stairwells
  put many households on one point) whose gap is still above 1.9 % go through the
  site stage (``colgen``): column generation over *sites* (households at one
  point and of one kind) gives a lower bound that is strictly stronger than
  the LP bound where households are stacked, and its duals prune a MIP over
  site counts (no stairwell symmetry) that, warm-started with the plan,
  often proves it optimal or finds a better one within its CPU cap (0.2 s
  per 100 households for the bound, up to 1 s per 100 for the MIP). Both
  stop as soon as the gap is proven at most 1.9 % (the target is 2 %), and
  the MIP is pruned against that goal, so the cap only binds on the few
  hard groups (see docs/decisions/0008-neighbourhood-optimiser.md).
* Every plan reports its total distance, lower bound and gap, per group and
  overall; ``check_plan`` re-verifies the hard rules independently.
* ``plan(..., workers=2)`` solves groups in worker processes.

Public API
----------
``plan(households, rules)``            -> Plan
``replan(previous, households, rules)`` -> Plan, moving as few households as
                                         the rules allow (``households_moved``)
``plan_areas(group_sites(households), k)`` -> AreaPlan (划片: whole groups
                                         into k balanced, compact areas)
``check_plan(plan, households, rules)`` -> list of violated hard rules
``neighborhood_count(n, rules)``        -> p for a group of n households
The CLI is ``sanzhang partition`` / ``python -m sanzhang.partition``
(see ``cli``).
"""

from .areas import Area, AreaPlan, GroupSite, group_sites, plan_areas
from .model import (
    GroupReport,
    HouseholdPoint,
    NeighborhoodPlan,
    Plan,
    PlanError,
    Rules,
)
from .replan import replan
from .sizing import group_sizing, neighborhood_count, round_half_up
from .solver import plan
from .validate import check_plan, chiefless_excess

__all__ = [
    "Area",
    "AreaPlan",
    "GroupReport",
    "GroupSite",
    "HouseholdPoint",
    "NeighborhoodPlan",
    "Plan",
    "PlanError",
    "Rules",
    "check_plan",
    "chiefless_excess",
    "group_sites",
    "group_sizing",
    "neighborhood_count",
    "plan",
    "plan_areas",
    "replan",
    "round_half_up",
]
