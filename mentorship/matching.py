"""The matching round: the assignment of mentors to the (request, type) slots of
all open requests with the largest total score, under each mentor's free seats,
one mentor per type per mentee, a different mentor for each type of one mentee
(a "board" of distinct people), and barred pairs excluded.

Without the board rule it is the assignment problem with capacities: each
mentor becomes as many columns as free seats, each slot a row, plus one
"unmatched" column per slot at cost 0, solved exactly by scipy's
`linear_sum_assignment` (the Hungarian method in C; scipy rather than
networkx's min-cost flow, which is pure Python and too slow at 1,000 requests
and 300 mentors).

The board rule ("mentor m fills at most one slot of request r") is added with
a gadget per (r, m) pair: one extra column T and one extra row A. Slots of r
reach m only through T (so at most one of them does), and A must take either
T, when no slot used it, or one of m's seats, when one did: the seat is spent
exactly once. The gadgets are added lazily: solve, find the boards holding one
mentor twice, add their gadgets, solve again, until none does (each pass adds
at least one, so it ends; one or two passes in practice). The answer is optimal
for a problem with fewer rules than the real one and obeys all of them, so it
is optimal for the real one.

Ties are broken the same way every time: a cost smaller than any difference of
whole points prefers earlier requests and lower mentor ids, so the same input
gives the same output.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from mentorship.scoring import MentorFacts, RequestFacts, Score, score

FORBIDDEN = 1e9


@dataclass(frozen=True)
class Assignment:
    request_id: int
    kind: str
    mentor_id: int
    score: Score


@dataclass(frozen=True)
class _Candidate:
    row: int  # the slot
    mentor: MentorFacts
    fit: Score
    cost: float  # minus the points, plus the tie-break


def slots_of(requests: list[RequestFacts], taken: set[tuple[int, str]]) -> list:
    """(request, type) pairs still to fill, in a fixed order."""
    return [
        (request, kind)
        for request in sorted(requests, key=lambda r: r.id)
        for kind in sorted(request.types)
        if (request.id, kind) not in taken
    ]


def optimal_assignment(
    requests: list[RequestFacts],
    mentors: list[MentorFacts],
    *,
    barred: frozenset[tuple[int, int]] = frozenset(),
    taken: frozenset[tuple[int, str]] = frozenset(),
) -> list[Assignment]:
    """The best assignment; `barred` holds (mentor member, mentee member) pairs
    never to propose (kept apart by co-leads, declined before, or already
    paired for another type), `taken` the (request, type) slots that already
    have a mentor."""
    mentors = sorted((m for m in mentors if m.capacity > 0), key=lambda m: m.id)
    slots = slots_of(requests, set(taken))
    if not slots or not mentors:
        return []
    # Each tie-break is below 1 / (4 * slots), so all of them together stay below
    # one point: they only ever choose among assignments with the same total.
    epsilon = 1.0 / (4 * len(slots) * len(slots) * len(mentors) + 4)
    candidates = []
    for row, (request, kind) in enumerate(slots):
        for index, mentor in enumerate(mentors):
            if (mentor.member_id, request.mentee_id) in barred:
                continue
            fit = score(mentor, request, kind)
            if fit is None:
                continue
            tie_break = epsilon * (row * len(mentors) + index + 1)
            candidates.append(_Candidate(row, mentor, fit, -fit.points + tie_break))
    if not candidates:
        return []
    gadgets: set[tuple[int, int]] = set()
    while True:
        chosen = _solve(slots, mentors, candidates, gadgets)
        boards = Counter((slots[c.row][0].id, c.mentor.id) for c in chosen)
        twice = {board for board, n in boards.items() if n > 1}
        if not twice:
            break
        gadgets |= twice
    return sorted(
        (
            Assignment(slots[c.row][0].id, slots[c.row][1], c.mentor.id, c.fit)
            for c in chosen
        ),
        key=lambda a: (a.request_id, a.kind),
    )


def _solve(slots, mentors, candidates, gadgets) -> list[_Candidate]:
    """The Hungarian method over seats (one column per free seat), with the
    board gadgets for the (request, mentor) pairs in `gadgets`."""
    first_seat, column = {}, 0
    for mentor in mentors:
        first_seat[mentor.id] = column
        column += mentor.capacity
    seats = column
    order = sorted(gadgets)
    gadget_index = {board: i for i, board in enumerate(order)}
    tokens = seats + len(slots)  # the first T column
    cost = np.full(
        (len(slots) + len(order), tokens + len(order)), FORBIDDEN, dtype=float
    )
    cost[np.arange(len(slots)), seats + np.arange(len(slots))] = 0.0  # unmatched
    capacity = {m.id: m.capacity for m in mentors}
    for board, i in gadget_index.items():
        start = first_seat[board[1]]
        cost[len(slots) + i, tokens + i] = 0.0  # T unused: A takes it
        cost[len(slots) + i, start : start + capacity[board[1]]] = 0.0
    by_cell = {}
    for candidate in candidates:
        mentor_id = candidate.mentor.id
        board = (slots[candidate.row][0].id, mentor_id)
        if board in gadget_index:
            cost[candidate.row, tokens + gadget_index[board]] = candidate.cost
        else:
            start = first_seat[mentor_id]
            cost[candidate.row, start : start + capacity[mentor_id]] = candidate.cost
        by_cell[(candidate.row, mentor_id)] = candidate
    seat_owner = [m.id for m in mentors for _ in range(m.capacity)]
    rows, columns = linear_sum_assignment(cost)
    chosen = []
    for row, col in zip(rows, columns, strict=True):
        if row >= len(slots) or cost[row, col] >= FORBIDDEN:
            continue
        if col < seats:
            chosen.append(by_cell[(row, seat_owner[col])])
        elif col >= tokens:
            chosen.append(by_cell[(row, order[col - tokens][1])])
    return chosen
