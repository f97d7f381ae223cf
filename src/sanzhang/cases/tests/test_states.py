"""The transition table as data, and every move legal and illegal from every status."""

from __future__ import annotations

import pytest

from sanzhang.cases.states import (
    NEXT_STATUSES,
    TRANSITIONS,
    CaseStatus,
    InvalidTransition,
    Move,
    check_move,
    level_above,
)

S = CaseStatus
LEGAL = {
    (Move.ACCEPT, S.PENDING),
    (Move.ESCALATE, S.PENDING),
    (Move.ESCALATE, S.HANDLING),
    (Move.RETURN, S.PENDING),
    (Move.RETURN, S.HANDLING),
    (Move.REFER, S.PENDING),
    (Move.REFER, S.HANDLING),
    (Move.RESOLVE, S.HANDLING),
    (Move.FOLLOW_UP, S.RESOLVED),
    (Move.CLOSE_WITHOUT_FOLLOW_UP, S.RESOLVED),
    (Move.MERGE, S.PENDING),
    (Move.MERGE, S.HANDLING),
}


@pytest.mark.parametrize("move", list(Move))
@pytest.mark.parametrize("status", list(CaseStatus))
def test_check_move_allows_exactly_the_table(move, status):
    if (move, status) in LEGAL:
        assert check_move(move, status) is TRANSITIONS[move]
    else:
        with pytest.raises(InvalidTransition) as exc:
            check_move(move, status)
        assert exc.value.status_code == 409
        assert "不能" in exc.value.message


def test_refusal_names_the_moves_that_are_allowed():
    with pytest.raises(InvalidTransition) as exc:
        check_move(Move.RESOLVE, S.PENDING)
    assert exc.value.message == (
        "事件当前为「待签收」，不能办结。可以：签收、上报（吹哨）、退回、转交乡站所、并案"
    )


def test_closed_case_allows_nothing():
    with pytest.raises(InvalidTransition) as exc:
        check_move(Move.FOLLOW_UP, S.CLOSED)
    assert exc.value.message == "事件当前为「已结案」，不能回访。可以：无（已结束）"


def test_next_statuses_follow_from_the_table():
    assert {
        S.PENDING: {S.HANDLING, S.PENDING, S.MERGED},
        S.HANDLING: {S.PENDING, S.RESOLVED, S.MERGED},
        S.RESOLVED: {S.CLOSED, S.HANDLING},
        S.CLOSED: set(),
        S.MERGED: set(),
    } == NEXT_STATUSES


def test_ladder_goes_neighborhood_to_station():
    assert [
        level_above(x) for x in ("neighborhood", "group", "area", "village", "station")
    ] == [
        "group",
        "area",
        "village",
        "station",
        None,
    ]
