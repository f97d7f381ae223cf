"""Exact solution of one group as a mixed-integer program (HiGHS).

Capacitated p-median with size bounds, in the strong formulation:

    min  sum_ij d_ij x_ij
    s.t. sum_j x_ij = 1                      every household has one centre
         x_ij <= x_jj                         only open centres serve
         min x_jj <= sum_i x_ij <= max x_jj   size bounds
         sum_j x_jj = p,  sum_{j cand} x_jj = k
         x_ij = 0 for candidate i, non-candidate j (a candidate in a
                                               chiefless neighbourhood would be
                                               its chief)
         locked households share a centre; different locks do not;
         x_cc = 1 for a pinned chief c.

x_jj doubles as "j is a centre". The strong linking rows make the LP
relaxation tight, so small groups usually close at the root node.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from .problem import GroupProblem
from .search import Solution


@dataclass
class ExactResult:
    solution: Solution | None
    lower_bound: float
    proven: bool


@dataclass
class _Columns:
    rows: np.ndarray  # household i of each column
    cols: np.ndarray  # centre j of each column
    index: dict[tuple[int, int], int]


def solve_exact(
    prob: GroupProblem,
    k: int,
    warm: Solution | None,
    time_limit: float = 10.0,
    keep: np.ndarray | None = None,
) -> ExactResult:
    """Solve to proven optimality (within ``time_limit``).

    ``keep`` is an optional (n, n) mask of columns that may appear in a plan
    better than ``warm`` (from Lagrangian reduced-cost fixing); the warm
    start must then be given and is itself always kept.
    """
    columns = _columns(prob, k, keep)
    if columns is None:
        return ExactResult(None, 0.0, False)
    h = _new_highs(time_limit)
    if h.passModel(_build_lp(prob, k, columns)) != highspy.HighsStatus.kOk:
        raise RuntimeError("HiGHS rejected the neighbourhood model")
    if warm is not None:
        values = _warm_values(prob, warm, columns)
        if values is not None:
            h.setSolution(_to_solution(values))
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    proven = status == highspy.HighsModelStatus.kOptimal
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else 0.0
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return ExactResult(None, max(bound, 0.0), False)
    x = np.asarray(h.getSolution().col_value) > 0.5
    return ExactResult(_decode(prob, columns, x), max(bound, 0.0), proven)


def _new_highs(time_limit: float) -> highspy._Highs:
    # The public highspy.Highs wrapper prints a banner to stdout when it is
    # created, which would end up in CLI output; the core class does not.
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-7)
    h.setOptionValue("mip_abs_gap", 1e-3)
    h.setOptionValue("threads", 1)
    return h


def _columns(
    prob: GroupProblem, k: int, keep: np.ndarray | None = None
) -> _Columns | None:
    n = prob.n
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    i, j = i.ravel(), j.ravel()
    ok = np.ones(len(i), dtype=bool) if keep is None else keep.ravel().copy()
    ok |= i == j  # centre columns carry the counts; cheap to keep
    if k == prob.p:
        ok &= prob.cand[j]  # every centre is a candidate
    elif k == 0:
        ok &= ~prob.cand[j]
    ok &= ~(prob.cand[i] & ~prob.cand[j] & (i != j))
    si, sj = prob.slot_of[i], prob.slot_of[j]
    ok &= ~((si >= 0) & (sj >= 0) & (si != sj))
    i, j = i[ok], j[ok]
    if not np.all(np.isin(np.arange(n), i)):
        return None
    index = {(int(a), int(b)): c for c, (a, b) in enumerate(zip(i, j, strict=True))}
    return _Columns(i, j, index)


def _build_lp(prob: GroupProblem, k: int, columns: _Columns) -> highspy.HighsLp:
    n, ncol = prob.n, len(columns.rows)
    rows: list[tuple[list[int], list[float], float, float]] = []
    inf = highspy.kHighsInf
    self_col = {j: columns.index[(j, j)] for j in range(n) if (j, j) in columns.index}
    for i in range(n):  # one centre each
        cs = np.flatnonzero(columns.rows == i).tolist()
        rows.append((cs, [1.0] * len(cs), 1.0, 1.0))
    for c, (i, j) in enumerate(zip(columns.rows, columns.cols, strict=True)):
        if i != j:  # only open centres serve
            rows.append(([c, self_col[int(j)]], [1.0, -1.0], -inf, 0.0))
    for j, sc in self_col.items():  # size bounds; x_jj counts j itself too
        cs = [c for c in np.flatnonzero(columns.cols == j).tolist() if c != sc]
        coef = [1.0] * len(cs)
        rows.append((cs + [sc], coef + [1.0 - prob.hi], -inf, 0.0))
        rows.append((cs + [sc], coef + [1.0 - prob.lo], 0.0, inf))
    centres = list(self_col.values())
    rows.append((centres, [1.0] * len(centres), prob.p, prob.p))
    cand_centres = [sc for j, sc in self_col.items() if prob.cand[j]]
    rows.append((cand_centres, [1.0] * len(cand_centres), k, k))
    rows.extend(_lock_rows(prob, columns, self_col))
    return _assemble(prob, columns, rows, ncol)


def _lock_rows(
    prob: GroupProblem, columns: _Columns, self_col: dict[int, int]
) -> list[tuple[list[int], list[float], float, float]]:
    rows = []
    reps = []
    for s in range(prob.p):
        members = np.flatnonzero(prob.slot_of == s)
        if len(members) == 0:
            continue
        rep = int(members[0])
        reps.append(rep)
        for other in members[1:]:  # same centre as the representative
            for j in range(prob.n):
                a = columns.index.get((int(other), j))
                b = columns.index.get((rep, j))
                if a is None and b is None:
                    continue
                cs = [c for c in (a, b) if c is not None]
                vals = [1.0 if c == a else -1.0 for c in cs]
                rows.append((cs, vals, 0.0, 0.0))
        if prob.forced_center[s] >= 0:
            c = self_col[int(prob.forced_center[s])]
            rows.append(([c], [1.0], 1.0, 1.0))
    for j in range(prob.n):  # different locks, different centres
        cs = [columns.index[(r, j)] for r in reps if (r, j) in columns.index]
        if len(cs) > 1:
            rows.append((cs, [1.0] * len(cs), -np.inf, 1.0))
    return rows


def _assemble(
    prob: GroupProblem,
    columns: _Columns,
    rows: list[tuple[list[int], list[float], float, float]],
    ncol: int,
) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = len(rows)
    lp.col_cost_ = prob.dist[columns.rows, columns.cols].astype(float)
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.ones(ncol)
    lp.row_lower_ = np.array([r[2] for r in rows], dtype=float)
    lp.row_upper_ = np.array([r[3] for r in rows], dtype=float)
    starts = np.zeros(len(rows) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(r[0]) for r in rows])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.concatenate(
        [np.asarray(r[0], dtype=np.int32) for r in rows]
    )
    lp.a_matrix_.value_ = np.concatenate([np.asarray(r[1], dtype=float) for r in rows])
    lp.a_matrix_.num_col_ = ncol
    lp.a_matrix_.num_row_ = len(rows)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * ncol
    return lp


def _warm_values(
    prob: GroupProblem, warm: Solution, columns: _Columns
) -> np.ndarray | None:
    values = np.zeros(len(columns.rows))
    for i in range(prob.n):
        c = columns.index.get((i, int(warm.centers[warm.assign[i]])))
        if c is None:
            return None
        values[c] = 1.0
    return values


def _to_solution(values: np.ndarray) -> highspy.HighsSolution:
    sol = highspy.HighsSolution()
    sol.col_value = values.tolist()
    sol.value_valid = True
    return sol


def _decode(prob: GroupProblem, columns: _Columns, x: np.ndarray) -> Solution:
    center_of = np.empty(prob.n, dtype=np.int64)
    center_of[columns.rows[x]] = columns.cols[x]
    centres = np.unique(center_of)
    slot_of_centre: dict[int, int] = {}
    for c in centres:  # locked neighbourhoods keep their slot
        locked = prob.slot_of[center_of == c]
        locked = locked[locked >= 0]
        if len(locked):
            slot_of_centre[int(c)] = int(locked[0])
    free = iter(s for s in range(prob.p) if s not in slot_of_centre.values())
    for c in centres:
        if int(c) not in slot_of_centre:
            slot_of_centre[int(c)] = next(free)
    centers = np.empty(prob.p, dtype=np.int64)
    for c, s in slot_of_centre.items():
        centers[s] = c
    assign = np.array([slot_of_centre[int(c)] for c in center_of], dtype=np.int64)
    return Solution(assign, centers)
