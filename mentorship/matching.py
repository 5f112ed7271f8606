"""The matching round: the assignment of mentors to the (request, type) slots of
all open requests with the largest total score, under each mentor's free seats,
one mentor per type per mentee, and barred pairs excluded.

It is the assignment problem with capacities: each mentor becomes as many
columns as free seats, each slot a row, plus one "unmatched" column per slot
at cost 0, solved exactly by scipy's `linear_sum_assignment` (the Hungarian
method in C; scipy rather than networkx's min-cost flow, which is pure Python
and too slow at 1,000 requests and 300 mentors). Ties are broken the same way
every time: a cost smaller than any difference of whole points prefers
earlier requests and lower mentor ids, so the same input gives the same output.
"""

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
    """The best assignment; `barred` holds (mentor member, mentee member) pairs,
    `taken` the (request, type) slots that already have a mentor."""
    mentors = sorted((m for m in mentors if m.capacity > 0), key=lambda m: m.id)
    slots = slots_of(requests, set(taken))
    if not slots or not mentors:
        return []
    seats = [m for m in mentors for _ in range(m.capacity)]
    scores: dict[tuple[int, int], Score] = {}
    cost = np.full((len(slots), len(seats) + len(slots)), FORBIDDEN)
    cost[:, len(seats) :] = 0.0  # staying unmatched costs nothing
    # Each tie-break is below 1 / (4 * slots), so all of them together stay below
    # one point: they only ever choose among assignments with the same total.
    epsilon = 1.0 / (4 * len(slots) * len(slots) * len(mentors) + 4)
    column = 0
    first_seat = {}
    for mentor in mentors:
        first_seat[mentor.id] = column
        column += mentor.capacity
    for row, (request, kind) in enumerate(slots):
        for index, mentor in enumerate(mentors):
            if (mentor.member_id, request.mentee_id) in barred:
                continue
            fit = score(mentor, request, kind)
            if fit is None:
                continue
            scores[(row, mentor.id)] = fit
            start = first_seat[mentor.id]
            tie_break = epsilon * (row * len(mentors) + index + 1)
            cost[row, start : start + mentor.capacity] = -fit.points + tie_break
    rows, columns = linear_sum_assignment(cost)
    result = []
    for row, col in zip(rows, columns, strict=True):
        if col >= len(seats) or cost[row, col] >= FORBIDDEN:
            continue
        request, kind = slots[row]
        mentor = seats[col]
        result.append(Assignment(request.id, kind, mentor.id, scores[(row, mentor.id)]))
    return sorted(result, key=lambda a: (a.request_id, a.kind))
