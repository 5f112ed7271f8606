"""One confirm step for every mass or irreversible action (send a newsletter
now, publish an event, confirm a matching round, bulk member actions, an
import, anonymising a member).

The first POST (from the button on the page) answers with a real confirm page
saying who and how many; it reposts the same fields plus a fingerprint of those
counts. The action runs only when the fingerprint posted back equals the one
computed again now: if the numbers changed in between (someone joined the
audience, a proposal was dropped), the page asks again with the new numbers.
No JavaScript: it is a form and a page."""

import hashlib
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FINGERPRINT = "confirm_fingerprint"


@dataclass
class Confirmation:
    title: str  # "Send “March news” now?"
    lines: list[str]  # who and how many, in words
    button: str  # "Send to 412 members"
    cancel_url: str
    facts: object  # what the fingerprint is made of (counts, ids)
    repost: dict[str, object] = field(default_factory=dict)  # fields to post again
    names: list[str] = field(default_factory=list)  # who, when a list helps
    danger: bool = False
    warning: str = ""  # "This can't be undone."

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(repr(self.facts).encode()).hexdigest()[:16]


def confirm_step(
    request: HttpRequest, confirmation: Confirmation
) -> HttpResponse | None:
    """None when this POST confirmed these very numbers; else the confirm page
    (saying the numbers changed, when a confirm came back stale)."""
    posted = request.POST.get(FINGERPRINT, "")
    if posted and posted == confirmation.fingerprint:
        return None
    hidden = []
    for name, value in confirmation.repost.items():
        values = value if isinstance(value, list | tuple) else [value]
        hidden += [(name, v) for v in values]
    return render(
        request,
        "confirm.html",
        {
            "confirmation": confirmation,
            "hidden": hidden,
            "fingerprint_name": FINGERPRINT,
            "stale": bool(posted),
            "shown_names": confirmation.names[:30],
            "more_names": max(len(confirmation.names) - 30, 0),
        },
        status=409 if posted else 200,
    )
