"""Live progress of long work (imports, newsletter sends, asking a round's mentors)
in a small region htmx updates in place: no timed page refresh (WCAG 2.2.1).

The region (templates/includes/_live_progress.html) is a `role="status"` element
that stays in the page while htmx replaces only its words, so screen readers
announce each change politely. Each poll sends a digest of the words it shows;
when nothing changed the fragment answers 204 (htmx swaps nothing, so nothing is
announced again). When the work is finished the fragment answers 286 (htmx swaps
the final words, then stops polling) and removes the Refresh link that people
without JavaScript use (the final words carry any link to the results). That
last answer also brings the rest of the page up to date, out of band: its status
line, and any part the page names in `when_done` (a send's delivery report), so
the page never contradicts itself once the work is finished."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

POLL_EVERY = "2s"
STOP_POLLING = 286  # htmx: swap this answer, then cancel the polling trigger
WORDS = "includes/_live_progress_words.html"


@dataclass(frozen=True)
class LiveProgress:
    region_id: str  # the region's id, unique in the page
    url: str  # the fragment's URL
    running: bool  # polls while true
    words: SafeString  # the rendered state in words
    seen: str  # a digest of `words`: the next poll sends it back
    # The page's own status line (its element id and text): the last poll
    # updates it too, out of band, so the page never says "Sending" once sent.
    status_id: str = ""
    status_text: str = ""
    # Other parts of the page, rendered (by our templates) only once the work is
    # done, each an element with the id it replaces and hx-swap-oob="true".
    done_parts: str = ""

    @property
    def every(self) -> str:
        return f"every {POLL_EVERY}"


def live_progress(
    *,
    request,
    region_id: str,
    url: str,
    template: str,
    context: dict,
    running: bool,
    status: tuple[str, str] = ("", ""),
    when_done: Callable[[], str] | None = None,
) -> LiveProgress:
    """The region's state: `template` renders the words from `context`;
    `status` is the page's status line (id, text) to bring up to date;
    `when_done` renders more of the page for the last poll (called only then,
    so the polls while the work runs stay cheap)."""
    words = render_to_string(
        template, {**context, "running": running}, request=request
    ).strip()
    seen = hashlib.sha256(f"{running}:{words}".encode()).hexdigest()[:16]
    shown = mark_safe(words)  # noqa: S308 - rendered by our template
    done = when_done() if when_done is not None and not running else ""
    return LiveProgress(region_id, url, running, shown, seen, *status, done)


def progress_response(request, progress: LiveProgress) -> HttpResponse:
    """The fragment htmx polls: nothing (204) when the words are what the page
    shows already, else the new words; finished, 286 so polling stops."""
    if progress.running and request.GET.get("seen") == progress.seen:
        response = HttpResponse(status=204)
    else:
        words = render_to_string(WORDS, {"progress": progress, "fragment": True})
        response = HttpResponse(
            words + progress.done_parts,  # empty while the work runs
            status=STOP_POLLING if not progress.running and request.htmx else 200,
        )
    add_never_cache_headers(response)  # Cache-Control: no-store (live numbers)
    patch_vary_headers(response, ["HX-Request"])
    return response


class ProgressFragmentMixin:
    """First in a fragment view's bases: a poll from someone whose session ended
    gets a sentence and stops, instead of the sign-in page swapped into the region
    (the browser follows the redirect to it without telling htmx)."""

    def dispatch(self, request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            response = HttpResponse(
                "You were signed out. Refresh the page to sign in again.",
                status=STOP_POLLING,
            )
            add_never_cache_headers(response)
            return response
        return super().dispatch(request, *args, **kwargs)
