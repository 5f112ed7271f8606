"""Ids and numbers read from a request without a form: bad ones are a 404 or
dropped, never a 500. `str.isdigit()` is true for a superscript two and for
Arabic-Indic digits, which `int()` or PostgreSQL then refuse; only plain
ASCII digits that fit a bigint count."""

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

BIGINT_DIGITS = 18


def as_id(value: object) -> int | None:
    """`value` as a database id, or None when it can't be one."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.isascii() and value.isdigit() and 0 < len(value) <= BIGINT_DIGITS:
        return int(value)
    return None


def id_or_404(value: object) -> int:
    """`value` as a database id, or a 404 ("no such item") for anything else."""
    found = as_id(value)
    if found is None:
        raise Http404("No such item.")
    return found


def as_ids(values) -> list[int]:
    """The values that are ids, the others left out."""
    return [i for i in (as_id(v) for v in values) if i is not None]


def safe_next(request, default: str) -> str:
    """The posted `next` when it is a path on this site, else `default`.

    Only "/…" paths: a bare word ("x") would be taken by `redirect()` for a URL
    name and fail, a "//host" or "http://host" would leave the site, and a NUL
    or a space has no place in a path."""
    next_url = request.POST.get("next", "")
    if (
        next_url.startswith("/")
        and not next_url.startswith(("//", "/\\"))
        and next_url.isprintable()
        and " " not in next_url
        and url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
    ):
        return next_url
    return default


SEARCH_MAX = 200


def search_text(value: object) -> str:
    """A typed search as text the database takes: no NUL (PostgreSQL refuses it
    in a text parameter), no surrounding space, at most SEARCH_MAX characters."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:SEARCH_MAX]
