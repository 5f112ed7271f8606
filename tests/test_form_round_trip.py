"""Saving a form never changes what the user did not touch.

For every page the project defines that shows a form to save, as a role that
may use it: GET the page, submit exactly what it rendered (as a browser would:
values, ticked boxes, selected options, textarea text) and check that no row in
the database changed, timestamps of the save aside. The review found the
profile's Languages <select> rendered without options, so an unchanged save
erased them; this walk finds the next such field the day it is written."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.apps import apps
from django.test import Client

from tests.test_fuzz import _may_use
from tests.urls import ALL_URLS, url_of

pytestmark = pytest.mark.django_db

ROLES = ("resident", "mentor", "gme_staff", "co_lead")

# Rows a request may write without the user changing anything: sessions, the
# audit trail (visa views are logged on every render), the outbox, sign-in
# bookkeeping.
IGNORED_MODELS = {
    "sessions.session",
    "members.auditentry",
    "imgportal.outboundemail",
    "usersessions.usersession",
    "admin.logentry",
}
IGNORED_FIELDS = {"updated_at", "last_login", "last_seen_at", "modified_at"}
# Forms whose empty or default submission is itself the action (they create or
# ask for something new), not a save of what is shown.
NOT_SAVE_FORMS = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_email",  # adds an address
    "account_change_password",
    "account_set_password",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "handbook:revision_restore",  # "Restore this revision" makes a new draft
}


class _Forms(HTMLParser):
    """The POST forms of a page: action, fields as a browser would send them,
    and whether a submit button carries its own name (an action, not a save)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = {
                    "action": a.get("action") or "",
                    "fields": [],
                    "named_submit": False,
                    "visible": 0,
                }
            return
        form = self._form
        if form is None:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            name = a.get("name")
            if kind in ("submit", "image", "button", "reset"):
                form["named_submit"] |= bool(name)
                return
            if not name or "disabled" in a:
                return
            if kind != "hidden":
                form["visible"] += 1
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
            elif kind == "file":
                return
            else:
                form["fields"].append((name, a.get("value", "")))
        elif tag == "button":
            if (a.get("type") or "submit").lower() == "submit":
                form["named_submit"] |= bool(a.get("name"))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            form["visible"] += 1
            self._select = {
                "name": a["name"],
                "multiple": "multiple" in a,
                "options": [],
                "selected": [],
            }
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"].append(value)
            self._select["pending"] = value is None
        elif tag == "textarea" and a.get("name") and "disabled" not in a:
            form["visible"] += 1
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._select is not None and self._select.get("pending"):
            # <option>text</option> without value: the text is the value
            self._select["options"][-1] = (self._select["options"][-1] or "") + data

    def handle_endtag(self, tag):
        form = self._form
        if tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The parser keeps the newline right after <textarea>; browsers drop it.
            form["fields"].append((name, text.removeprefix("\n").replace("\r\n", "\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select = self._select
            chosen = select["selected"]
            if not select["multiple"] and not chosen and select["options"]:
                chosen = [select["options"][0]]  # a browser sends the first
            if not select["multiple"]:
                chosen = chosen[-1:]
            form["fields"].extend((select["name"], v or "") for v in chosen)
            self._select = None
        elif tag == "form" and form is not None:
            self.forms.append(form)
            self._form = None


def _snapshot() -> dict:
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED_MODELS or not model._meta.managed:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in IGNORED_FIELDS and not getattr(f, "auto_now", False)
        ]
        rows[label] = sorted(
            (repr(row) for row in model._base_manager.values_list(*fields)),
        )
    return rows


def _diff(before: dict, after: dict) -> dict:
    changed = {}
    for label, rows in after.items():
        if rows != before.get(label):
            old, new = set(before.get(label, [])), set(rows)
            changed[label] = {
                "gone": sorted(old - new)[:3],
                "new": sorted(new - old)[:3],
            }
    return changed


def test_submitting_what_a_form_page_rendered_changes_nothing(request, url_context):
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=True)
        client.force_login(request.getfixturevalue(role).user)
        clients[role] = client
    checked, failures = [], []
    for name in sorted(ALL_URLS):
        if name.startswith(("admin:", "account_logout")) or name in NOT_SAVE_FORMS:
            continue
        url = url_of(name, url_context)
        for role in [r for r in _may_use(name) if r in ROLES]:
            response = clients[role].get(url)
            if response.status_code != 200 or "html" not in response.get(
                "Content-Type", ""
            ):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                target = urljoin(url, form["action"])
                if target.split("?")[0] != url.split("?")[0]:
                    continue  # posts elsewhere (sign-out, RSVP): not this page's save
                if form["named_submit"] or not form["visible"]:
                    continue  # a button that does something: not a save
                before = _snapshot()
                clients[role].post(target, _as_data(form["fields"]))
                changed = _diff(before, _snapshot())
                checked.append((name, role))
                if changed:
                    failures.append((name, role, changed))
            break  # one role per page: the first that may use it
    assert failures == [], failures
    assert len(checked) >= 15, checked


def _as_data(fields) -> dict:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data
