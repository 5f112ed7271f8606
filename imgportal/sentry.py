"""Errors to Sentry (or a compatible service, e.g. GlitchTip) when SENTRY_DSN is set.

An event says where the code broke and for which request (its request_id tag
matches the log lines), never whose data it was: no request body, cookies, query
string or headers beyond a short list, no user but an id, no local variables, no
breadcrumb data (SQL parameters, Redis values), no "extra" (Celery's task
arguments), and anything shaped like an email address becomes `<email>`.
"""

from urllib.parse import urlsplit, urlunsplit

from imgportal.logs import current_request_id, loggable_path, mask_emails

SAFE_HEADERS = {"accept", "content-length", "content-type", "host", "x-request-id"}


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )


def _url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, loggable_path(parts.path), "", ""))


def _masked(value):
    if isinstance(value, str):
        return mask_emails(value)
    if isinstance(value, dict):
        return {key: _masked(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(inner) for inner in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if request:
        headers = request.get("headers") or {}
        event["request"] = {
            "method": request.get("method"),
            "url": _url(request.get("url") or ""),
            "headers": {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS},
        }
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    event.pop("extra", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        crumb.pop("data", None)
    if request_id := current_request_id.get():
        event.setdefault("tags", {})["request_id"] = request_id
    return _masked(event)


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    crumb.pop("data", None)
    return _masked(crumb)
