"""What a member tells the organisers when they say yes: answers to the
event's registration questions, and the names of the guests they bring.

Answers are seen by the member, the event's organisers (who may see its
attendees), GME staff and co-leads; never by other members. Saying "not going"
deletes them with the guest list: nobody keeps a dietary or accessibility need
that no longer serves an event.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from events.models import Answer, Event, Guest, Question, Rsvp
from members.actions import record
from members.models import User

MAX_QUESTIONS = 20

# Common questions an organiser adds with one click (then edits like any other).
PRESETS: dict[str, dict] = {
    "dietary": {
        "label": "Dietary needs",
        "kind": Question.Kind.MULTI,
        "help_text": "So we order food everyone can eat.",
        "choices": "Vegetarian\nVegan\nHalal\nKosher\nGluten-free\nNut allergy\n"
        "Other (tell the organisers)",
    },
    "accessibility": {
        "label": "Accessibility needs",
        "kind": Question.Kind.TEXT,
        "help_text": "e.g. step-free access, a sign-language interpreter, "
        "large print. Only the organisers, GME staff and co-leads see your answer.",
    },
    "first_time": {
        "label": "Is this your first event with the group?",
        "kind": Question.Kind.YESNO,
    },
}

PRESET_NAMES = {
    "dietary": "Dietary needs",
    "accessibility": "Accessibility needs",
    "first_time": "First event with the group?",
}


def _next_order(event: Event) -> int:
    last = event.questions.order_by("-order").values_list("order", flat=True).first()
    return 0 if last is None else last + 1


def question_add_preset(*, event: Event, preset: str, by: User) -> Question:
    if preset not in PRESETS:
        raise ValidationError({"preset": ["Choose one of the common questions."]})
    spec = PRESETS[preset]
    if event.questions.filter(label=spec["label"]).exists():
        raise ValidationError(
            {"preset": [f"This event already asks “{spec['label']}”."]}
        )
    if event.questions.count() >= MAX_QUESTIONS:
        raise ValidationError(
            {"preset": [f"An event can ask up to {MAX_QUESTIONS} questions."]}
        )
    question = Question.objects.create(event=event, order=_next_order(event), **spec)
    record(actor=by, verb="changed", target=event, fields=["registration questions"])
    return question


@transaction.atomic
def questions_save(*, event: Event, formset, by: User) -> None:
    """Save the organiser's edits (an inline formset already valid): a
    removed question takes its answers with it."""
    formset.instance = event
    order = _next_order(event)
    for question in formset.save(commit=False):
        if question.pk is None:
            question.order = order
            order += 1
        question.save()
    for question in formset.deleted_objects:
        question.delete()
    if formset.has_changed():
        record(
            actor=by, verb="changed", target=event, fields=["registration questions"]
        )


def answer_value(question: Question, raw) -> object:
    """A cleaned form value as stored: text, one choice, a list, or a bool."""
    if question.kind == Question.Kind.YESNO:
        return {"yes": True, "no": False}.get(raw)
    if question.kind == Question.Kind.MULTI:
        return list(raw or [])
    return (raw or "").strip()


def _answered(value) -> bool:
    return value not in (None, "", [])


def guests_store(rsvp: Rsvp, guests: Sequence[tuple[str, str]]) -> None:
    """Replace the RSVP's guest list with these (name, adult/child) pairs."""
    current = list(rsvp.guest_list.all())
    for index, (name, age) in enumerate(guests):
        if index < len(current):
            guest = current[index]
            if (guest.name, guest.age, guest.order) != (name, age, index):
                guest.name, guest.age, guest.order = name, age, index
                guest.save(update_fields=["name", "age", "order"])
        else:
            Guest.objects.create(rsvp=rsvp, name=name, age=age, order=index)
    extra = [g.pk for g in current[len(guests) :]]
    if extra:
        Guest.objects.filter(pk__in=extra).delete()


def answers_store(rsvp: Rsvp, answers: dict[int, object]) -> None:
    """Store the member's answers to this event's questions (others ignored)."""
    questions = {q.pk: q for q in rsvp.event.questions.all()}
    existing = {a.question_id: a for a in rsvp.answers.all()}
    for question_id, value in answers.items():
        if question_id not in questions:
            continue
        answer = existing.get(question_id)
        if not _answered(value):
            if answer is not None:
                answer.delete()
            continue
        if answer is None:
            Answer.objects.create(rsvp=rsvp, question_id=question_id, value=value)
        elif answer.value != value:
            answer.value = value
            answer.save(update_fields=["value"])


def registration_forget(rsvp: Rsvp) -> None:
    """Not going any more: the answers and guests' names go."""
    rsvp.answers.all().delete()
    rsvp.guest_list.all().delete()


def answers_by_question(rsvp: Rsvp) -> dict[int, Answer]:
    return {a.question_id: a for a in rsvp.answers.all()}


def answer_rows(
    questions: Iterable[Question], rsvp: Rsvp
) -> list[tuple[Question, str]]:
    """(question, answer text) for each question, "" where unanswered; uses
    the RSVP's prefetched answers."""
    given = {a.question_id: a.text() for a in rsvp.answers.all()}
    return [(q, given.get(q.pk, "")) for q in questions]
