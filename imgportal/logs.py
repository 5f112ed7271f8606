"""Log lines an operator can follow and nobody's personal data in them.

Every record carries the id of the request (or the Celery task) it was written
for: the middleware and the task signals below set it in a context variable and
`LogContextFilter` copies it onto each record. `LOG_FORMAT=json` (the default
without DEBUG) writes one JSON object a line through python-json-logger; `plain`
is for a developer's terminal.

What keeps personal data out: no query string is logged (the filters carry
names and emails), URL parts that are not ids or slugs (signed tokens, reset
keys, calendar-feed tokens) are masked, Django's `request` object and Celery's
task arguments are dropped from the record, and anything shaped like an email
address becomes `<email>` in messages and tracebacks (an SMTP refusal quotes the
address it refused).
"""

import logging
import logging.config
import re
import time
import uuid
from contextvars import ContextVar

from django.urls import Resolver404, resolve
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

current_request_id: ContextVar[str | None] = ContextVar("log_request_id", default=None)
current_task_id: ContextVar[str | None] = ContextVar("log_task_id", default=None)
current_task_name: ContextVar[str | None] = ContextVar("log_task_name", default=None)
# Each running task's context-variable tokens, to put back when it ends.
_task_tokens: dict[str, tuple] = {}

# X-Request-ID from a proxy is kept when it looks like an id (a UUID, nginx's
# $request_id, a trace id); anything else is replaced, so a client cannot write
# arbitrary text into every log line of its request.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Load balancers and monitors ask these every few seconds: their lines are DEBUG.
QUIET_PATHS = ("/healthz", "/ping")
# Record attributes never written out: Django's request (its repr has the query
# string), Celery's task arguments and return value, runserver's request time.
DROPPED = ("request", "data", "server_time")

access_logger = logging.getLogger("imgportal.request")


def new_request_id(incoming: str | None) -> str:
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def mask_emails(text: str) -> str:
    return EMAIL.sub("<email>", text)


def loggable_path(path: str, match=None) -> str:
    """The path without its secrets: URL parts that are neither an id nor a slug
    (signed tokens, reset keys, calendar-feed tokens) become `<name>`."""
    if match is None:
        try:
            match = resolve(path)
        except Resolver404:
            return mask_emails(path[:200])
    secrets = sorted(
        (
            (str(value), name)
            for name, value in match.kwargs.items()
            if not (str(value).isdigit() or name.endswith("slug"))
        ),
        key=lambda item: -len(item[0]),
    )
    for value, name in secrets:
        if value:
            path = path.replace(value, f"<{name}>")
    return mask_emails(path[:200])


def request_path(request) -> str:
    return loggable_path(request.path, getattr(request, "resolver_match", None))


def log_request(request, status: int, started: float) -> None:
    """One line a request: method, path without query or secrets, status, time."""
    level = logging.DEBUG if request.path.startswith(QUIET_PATHS) else logging.INFO
    access_logger.log(
        level,
        "%s %s %s",
        request.method,
        request_path(request),
        status,
        extra={
            "method": request.method,
            "path": request_path(request),
            "status": status,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )


def on_request_finished(**kwargs) -> None:
    current_request_id.set(None)


class LogContextFilter(logging.Filter):
    """Adds request_id and task_id to every record; takes personal data out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        record.task_name = current_task_name.get()
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple):
            # Django's "Not Found: %s", "Forbidden (…): %s": the path, masked.
            paths = {getattr(request, "path", None), _full_path(request)}
            record.args = tuple(
                request_path(request) if arg in paths else arg for arg in record.args
            )
        if record.name == "django.server" and record.args:
            # runserver's '"GET /path?query HTTP/1.1" 200 1234'
            line, *rest = record.args
            record.args = (re.sub(r"\?\S*", "", str(line)), *rest)
        message = record.getMessage()
        masked = mask_emails(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def _full_path(request) -> str | None:
    try:
        return request.get_full_path()
    except AttributeError:
        return None


class _MaskedTracebacks:
    def formatException(self, ei):
        formatted = super().formatException(ei)
        if isinstance(formatted, list):
            return [mask_emails(line) for line in formatted]
        return mask_emails(formatted)


class JsonFormatter(_MaskedTracebacks, BaseJsonFormatter):
    """One JSON object a line: time, level, logger, message, request_id, task_id
    and the record's extra fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, *DROPPED],
            timestamp="time",
        )

    def process_log_record(self, log_data):
        for key in ("request_id", "task_id", "task_name"):
            if log_data.get(key) is None:
                log_data.pop(key, None)
        return log_data


class PlainFormatter(_MaskedTracebacks, logging.Formatter):
    """A terminal line: time, level, logger, [request or task id], message."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(context)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [
            f"{label}={value}"
            for label, value in (
                ("request", getattr(record, "request_id", None)),
                ("task", getattr(record, "task_id", None)),
            )
            if value
        ]
        record.context = f"[{' '.join(ids)}] " if ids else ""
        return super().format(record)


def on_task_prerun(task_id=None, task=None, **kwargs) -> None:
    """Celery: the task's id and name on its records, and the id of the request
    that queued it (sent as a message header, see on_before_publish)."""
    _task_tokens[task_id] = (
        current_task_id.set(task_id),
        current_task_name.set(getattr(task, "name", None)),
        current_request_id.set(_header(task, "request_id") or current_request_id.get()),
    )


def on_task_postrun(task_id=None, **kwargs) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        variables = (current_task_id, current_task_name, current_request_id)
        for variable, token in zip(variables, tokens, strict=True):
            variable.reset(token)


def on_before_publish(headers=None, **kwargs) -> None:
    current = current_request_id.get()
    if current and headers is not None:
        headers.setdefault("request_id", current)


def _header(task, name: str) -> str | None:
    value = getattr(getattr(task, "request", None), name, None)
    return (
        value if isinstance(value, str) and SANE_REQUEST_ID.fullmatch(value) else None
    )


def celery_setup_logging(loglevel=None, **kwargs) -> None:
    """Celery's worker and beat log through the portal's LOGGING (JSON in
    production) instead of replacing the root logger's handlers with their own;
    their --loglevel sets the root level."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
