"""Every URL the project defines, as each kind of visitor sees it.

Each URL name needs a row here (a test fails when one is missing), so every new
page states who may use it. Answers: an HTTP status, or "→x" for a redirect to
the sign-in page (login), the waiting page (pending), home, the admin sign-in
(admin-login), re-authentication (reauth) or 2FA set-up/overview (2fa).
Objects that are not yours answer 404, not 403. A POST from a visitor a page
refuses is refused the same way, or with 405 where the page takes no POST.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD, MemberFactory, give_totp
from tests.urls import ALL_URLS, kwargs_for

ROLES = (
    "anonymous",
    "unverified",
    "pending",
    "resident",
    "mentor",
    "gme_staff",
    "co_lead",
    "site_admin",
    "admin_no_profile",
)
L, P, H = "→login", "→pending", "→home"
SIGNED_IN = (
    "pending",
    "resident",
    "mentor",
    "gme_staff",
    "co_lead",
    "site_admin",
)
# A site admin whose account has no member profile: member pages send it to the
# page that offers one; the rest answer as they do for the site admin.
NO_PROFILE = "→no-profile"
AS_SITE_ADMIN = "as site admin"


def row(**answers) -> dict[str, object]:
    """Build a row; `signed_in=` and `members=` fill several roles at once. A site
    admin (a superuser with TOTP, a resident but no co-lead term) holds every
    permission, so answers as a co-lead unless the row says otherwise."""
    values: dict[str, object] = {}
    if "everyone" in answers:
        values.update(dict.fromkeys(ROLES, answers.pop("everyone")))
    if "signed_in" in answers:
        values.update(dict.fromkeys(SIGNED_IN, answers.pop("signed_in")))
    if "members" in answers:
        values.update(dict.fromkeys(SIGNED_IN[1:], answers.pop("members")))
    if "logged_out" in answers:
        values.update(
            dict.fromkeys(("anonymous", "unverified"), answers.pop("logged_out"))
        )
    values.pop("admin_no_profile", None)  # only ever given by name
    values.update(answers)
    values.setdefault("site_admin", values.get("co_lead"))
    values.setdefault("admin_no_profile", AS_SITE_ADMIN)
    assert set(values) == set(ROLES), f"row is missing {set(ROLES) - set(values)}"
    return values


R = "→reauth"
MATRIX: dict[str, dict[str, object]] = {
    # --- The portal's own pages.
    # Visitors get the public front door (issue 22), members their home.
    "home": row(logged_out=200, pending=P, members=200),
    "healthz": row(everyone=200),
    # No beat or worker runs beside these tests: the deep check is red (503).
    "healthz_deep": row(everyone=503, admin_no_profile=503),
    "system": row(logged_out=L, signed_in=403, site_admin=200, admin_no_profile=200),
    "ping": row(everyone=200),
    "ping_signed_in": row(logged_out=L, signed_in=200),
    "group_css": row(everyone=200),
    "members:pending": row(logged_out=L, pending=200, members=H, admin_no_profile=H),
    # An account without a member profile (a site admin made by createsuperuser)
    # is sent here from every member page; everyone with a profile goes home.
    "members:no_profile": row(logged_out=L, signed_in=H, admin_no_profile=200),
    "members:join_requests": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=403, co_lead=200
    ),
    # POST only: co-leads get 405 for a GET, everyone else is refused first.
    "members:join_request_decide": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=403, co_lead=405
    ),
    # --- Members: the directory and profiles (any approved member).
    "members:directory": row(logged_out=L, pending=P, members=200),
    # Visitors are sent to the front door, which names the co-leads now.
    "members:about": row(logged_out=H, pending=P, members=200),
    "members:detail": row(logged_out=L, pending=P, members=200),
    "members:me": row(logged_out=L, pending=P, members="→profile"),
    "members:profile_edit": row(logged_out=L, pending=P, members=200),
    "members:my_data": row(logged_out=L, pending=P, members=200),
    "members:my_data_page": row(logged_out=L, pending=P, members=200),
    "members:deletion_request": row(logged_out=L, pending=P, members=200),
    "members:leadership_add": row(logged_out=L, pending=P, members=200),
    "members:leadership_csv": row(logged_out=L, pending=P, members=200),
    "members:leadership_cv": row(logged_out=L, pending=P, members=200),
    # The sample role belongs to the resident: anyone else's answers 404.
    "members:leadership_edit": row(
        logged_out=L, pending=P, resident=200, mentor=404, gme_staff=404, co_lead=404
    ),
    "members:leadership_delete": row(logged_out=L, pending=P, members=405),
    # The sample invitation is addressed to the mentor.
    "members:handoff_answer": row(
        logged_out=L, pending=P, resident=404, mentor=200, gme_staff=404, co_lead=404
    ),
    # --- Member list, export and dashboard: GME staff (read-only) and co-leads.
    "members:manage": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=200, co_lead=200
    ),
    "members:export": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=200, co_lead=200
    ),
    "members:dashboard": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=200, co_lead=200
    ),
    # --- Co-leads only (POST-only actions answer a co-lead's GET with 405).
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=403,
            co_lead=200,
        )
        for name in (
            "members:edit",
            "members:import",
            "members:rollover",
            "members:handoff",
            "members:deletion_requests",
        )
    },
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=403,
            co_lead=405,
        )
        for name in (
            "members:bulk",
            "members:rollover_undo",
            "members:handoff_step_down",
            "members:deletion_request_decide",
        )
    },
    # --- Newsletters: members read the archive and set their own preferences;
    # GME staff and co-leads write and send. Unsubscribing needs no sign-in.
    "newsletters:archive": row(logged_out=L, pending=P, members=200),
    "newsletters:detail": row(logged_out=L, pending=P, members=200),
    "notifications:preferences": row(logged_out=L, pending=P, members=200),
    "notifications:unsubscribe": row(everyone=200),  # GET only asks to confirm
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=200,
            co_lead=200,
        )
        for name in (
            "newsletters:manage",
            "newsletters:create",
            "newsletters:manage_detail",
            "newsletters:manage_progress",
            # Preview as email: the page, and the HTML part it frames.
            "newsletters:manage_email",
            "newsletters:manage_email_raw",
        )
    },
    # The sample newsletter was sent: it can no longer be edited.
    "newsletters:edit": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=404, co_lead=404
    ),
    # --- Events: members browse, answer and check in; GME staff and co-leads
    # create and run them. The sample event is published and upcoming; the
    # mentor organises it (organisers run check-in, the waitlist and feedback).
    # Visitors see the upcoming public events, and a public event's page (the
    # sample for events:detail is public; a members-only one sends them to sign
    # in: tests/test_front_door.py). Pending members see them as visitors do
    # (tests/events/test_public_for_pending.py).
    "events:list": row(logged_out=200, pending=200, members=200),
    "events:calendar": row(logged_out=L, pending=P, members=200),
    "events:my_calendar": row(logged_out=L, pending=P, members=200),
    "events:detail": row(logged_out=200, pending=200, members=200),
    "events:ics": row(logged_out=L, pending=P, members=200),
    "events:series_ics": row(logged_out=L, pending=P, members=200),
    "events:rsvp": row(logged_out=L, pending=P, members=405),  # POST only
    "events:code_checkin": row(logged_out=L, pending=P, members=200),
    "events:feedback": row(logged_out=L, pending=P, members=200),
    # A secret-token address: the token is the key (calendar apps can't sign in).
    "events:feed": row(everyone=200),
    "events:offer": row(everyone=200),  # GET only asks to confirm
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=200,
            co_lead=200,
        )
        for name in (
            "events:create",
            "events:edit",
            "events:copy",
            "events:repeat",
            "events:reminders",
            "events:report",
            "events:report_csv",
            "events:report_print",
            # The announcement publishing sends, as email (page and HTML part).
            "events:announcement_email",
            "events:announcement_email_raw",
        )
    },
    "events:action": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=405, co_lead=405
    ),
    # POST only (approve or decline a request): the check runs on the POST.
    "events:approval": row(logged_out=L, pending=P, members=405),
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=200,
            gme_staff=200,
            co_lead=200,
        )
        for name in (
            "events:checkin",
            "events:waitlist",
            "events:feedback_results",
            "events:questions",
            "events:attendees",
            "events:attendees_csv",
            "events:sign_in_sheet",
            "events:message",
            # Preview as email of a message being written (none yet: says so).
            "events:message_email",
        )
    },
    # Its HTML part: nothing written yet in this session, so nothing to show.
    "events:message_email_raw": row(
        logged_out=L, pending=P, resident=403, mentor=404, gme_staff=404, co_lead=404
    ),
    # --- Handbook: published pages are public; members suggest and watch;
    # editors (co-leads here) draft, review and see history; co-leads pick editors.
    **{
        name: row(everyone=200)
        for name in (
            "handbook:index",
            "handbook:search",
            "handbook:changes",
            "handbook:timelines",
            "handbook:chapter",
            "handbook:chapter_print",
            "handbook:page",
            # The sample file belongs to a published page everyone may read.
            "handbook:attachment",
        )
    },
    "handbook:page_suggest": row(logged_out=L, pending=P, members=200),
    "handbook:chapter_watch": row(logged_out=L, pending=P, members=405),
    "handbook:page_watch": row(logged_out=L, pending=P, members=405),
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=403,
            co_lead=200,
        )
        for name in (
            "handbook:reviews",
            "handbook:editors",
            "handbook:chapter_create",
            "handbook:chapter_edit",
            "handbook:page_create",
            "handbook:page_edit",
            "handbook:page_history",
            "handbook:page_as_of",
            "handbook:page_settings",
            "handbook:revision",
            "handbook:revision_restore",
            "handbook:timeline_create",
            "handbook:timeline_edit",
            "handbook:timeline_history",
        )
    },
    # Without ?from=&to= the comparison is refused with a message.
    "handbook:diff": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=403, co_lead=400
    ),
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=403,
            co_lead=405,
        )
        for name in (
            "handbook:revision_review",
            "handbook:preview",
            "handbook:page_verify",
            "handbook:timeline_delete",
            # A button of the page editor's form: POST only.
            "handbook:attachment_delete",
        )
    },
    # --- Leadership board: approved members read, save and suggest; GME staff and
    # co-leads (leadership.post_openings) post, edit and approve. The sample
    # opening is open. Saving, "I got it" and actions are POST only.
    **{
        name: row(logged_out=L, pending=P, members=200)
        for name in (
            "leadership:board",
            "leadership:shortlist",
            "leadership:detail",
        )
    },
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=200,
            co_lead=200,
        )
        for name in ("leadership:create", "leadership:edit", "leadership:suggestions")
    },
    **{
        name: row(logged_out=L, pending=P, members=405)
        for name in ("leadership:action", "leadership:save", "leadership:got_it")
    },
    # Members suggest; those who may post are sent to the posting form.
    "leadership:suggest": row(
        logged_out=L,
        pending=P,
        resident=200,
        mentor=200,
        gme_staff="→/leadership/new/",
        co_lead="→/leadership/new/",
    ),
    # --- My contacts log: each member's own, nobody else's (the sample contact
    # and import belong to the resident: anyone else gets 404, never 403).
    **{
        name: row(logged_out=L, pending=P, members=200)
        for name in (
            "contacts:list",
            "contacts:create",
            "contacts:export",
            "contacts:import",
        )
    },
    "contacts:edit": row(
        logged_out=L, pending=P, resident=200, mentor=404, gme_staff=404, co_lead=404
    ),
    "contacts:import_detail": row(
        logged_out=L, pending=P, resident=200, mentor=404, gme_staff=404, co_lead=404
    ),
    # GET: the confirm page naming the contact; its POST deletes.
    "contacts:delete": row(
        logged_out=L, pending=P, resident=200, mentor=404, gme_staff=404, co_lead=404
    ),
    "contacts:logged_today": row(logged_out=L, pending=P, members=405),
    # --- My status tracker: each member's own, nobody else's (the sample rows
    # belong to the resident: anyone else gets 404, never 403, so nothing leaks).
    # GME staff who are not members are not offered it (403, issue 22).
    "tracker:status": row(logged_out=L, pending=P, members=200, gme_staff=403),
    "tracker:document_create": row(logged_out=L, pending=P, members=200, gme_staff=403),
    "tracker:trip_create": row(logged_out=L, pending=P, members=200, gme_staff=403),
    "tracker:document_edit": row(
        logged_out=L, pending=P, resident=200, mentor=404, gme_staff=403, co_lead=404
    ),
    "tracker:trip_edit": row(
        logged_out=L, pending=P, resident=200, mentor=404, gme_staff=403, co_lead=404
    ),
    **{
        name: row(logged_out=L, pending=P, members=405, gme_staff=403)
        for name in (
            "tracker:document_delete",
            "tracker:trip_delete",
            "tracker:checklist",
            "tracker:sharing",
        )
    },
    "tracker:totals": row(
        logged_out=L, pending=P, resident=403, mentor=403, gme_staff=200, co_lead=200
    ),
    # --- Mentoring: members request and offer mentoring; the sample match pairs
    # the mentor (mentor) with the resident (mentee); co-leads run rounds.
    **{
        name: row(logged_out=L, pending=P, members=200)
        for name in (
            "mentorship:hub",
            "mentorship:profile",
            "mentorship:request",
            "mentorship:mentors",
        )
    },
    "mentorship:ask": row(logged_out=L, pending=P, members=405),
    "mentorship:match": row(
        logged_out=L, pending=P, resident=200, mentor=200, gme_staff=404, co_lead=200
    ),
    "mentorship:match_action": row(logged_out=L, pending=P, members=405),
    # The signed link is the key (a mentor answers from their phone's mail).
    "mentorship:answer": row(everyone=200),
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=403,
            co_lead=200,
        )
        for name in (
            "mentorship:rounds",
            "mentorship:round",
            "mentorship:round_progress",
            "mentorship:swap",
            "mentorship:overview",
            "mentorship:overview_csv",
            "mentorship:bars",
        )
    },
    # --- Signing in and out (django-allauth). Pending people may manage their
    # account (email, password, 2FA, sessions) while they wait.
    "account_login": row(logged_out=200, signed_in=H),
    "account_signup": row(logged_out=200, signed_in=H),
    "account_logout": row(logged_out=H, signed_in=200),
    "account_inactive": row(everyone=200),
    "account_reauthenticate": row(logged_out=L, signed_in=200),
    "account_email": row(logged_out=L, signed_in=200),
    "account_email_verification_sent": row(everyone=200),
    "account_confirm_email": row(everyone=200),  # a bad key shows "invalid link"
    "account_change_password": row(logged_out=L, signed_in=200),
    "account_set_password": row(logged_out=L, signed_in="→/accounts/password/change/"),
    "account_reset_password": row(everyone=200),
    "account_reset_password_done": row(everyone=200),
    "account_reset_password_from_key": row(everyone=200),  # a bad key: "invalid"
    "account_reset_password_from_key_done": row(everyone=200),
    "account_confirm_login_code": row(logged_out=L, signed_in=H),  # not enabled
    # --- Two-factor sign-in (allauth.mfa). gme_staff and co_lead have TOTP set up.
    "mfa_index": row(logged_out=L, signed_in=200),
    "mfa_authenticate": row(logged_out=L, signed_in=H),  # no sign-in in progress
    "mfa_reauthenticate": row(
        logged_out=L, pending=R, resident=R, mentor=R, gme_staff=200, co_lead=200
    ),
    "mfa_activate_totp": row(logged_out=L, signed_in=R),
    "mfa_deactivate_totp": row(
        logged_out=L, pending=404, resident=404, mentor=404, gme_staff=R, co_lead=R
    ),
    "mfa_generate_recovery_codes": row(logged_out=L, signed_in=R),
    "mfa_view_recovery_codes": row(logged_out=L, signed_in=404),
    "mfa_download_recovery_codes": row(logged_out=L, signed_in=404),
    "usersessions_list": row(logged_out=L, signed_in=200),
    # --- Institution sign-in (allauth.socialaccount). No IdP is configured here,
    # so the provider pages are 404 (tests/members/test_institution_sign_in.py
    # signs in through real ones).
    "openid_connect_login": row(everyone=404),
    "openid_connect_callback": row(everyone=404),
    "saml_login": row(everyone=404),
    # The ACS keeps what was posted for the finishing step, which finds no IdP.
    "saml_acs": row(everyone="→/accounts/saml/1/acs/finish/"),
    "saml_finish_acs": row(everyone=404),
    "saml_sls": row(everyone=404),
    "saml_metadata": row(everyone=404),
    "socialaccount_connections": row(logged_out=L, signed_in=200),
    "socialaccount_login_cancelled": row(everyone=200),
    "socialaccount_login_error": row(everyone=401),  # the refusal page
    "socialaccount_signup": row(everyone="→login"),  # no sign-up in progress
    # An import (and its progress) belongs to the co-lead who uploaded it.
    **{
        name: row(
            logged_out=L,
            pending=P,
            resident=403,
            mentor=403,
            gme_staff=403,
            co_lead=200,
            site_admin=404,
        )
        for name in ("members:import_detail", "members:import_progress")
    },
    # --- Django admin: superusers only (tested in tests/test_admin.py). Its sign-in
    # is allauth's (password, then the 2FA step); members not on the staff are
    # refused it.
    "admin:login": row(logged_out=L, signed_in=403, site_admin="→/admin/"),
    "admin:logout": row(everyone="→/admin/", site_admin=405),
    "admin:index": row(everyone="→admin-login", site_admin=200),
}

# Answers that refuse the visitor; a POST from them must be refused the same way.
DENIALS = {L, P, 403, 404, "→admin-login", NO_PROFILE}
# Any answer but a server error: the site admin's pages of the Django admin,
# each opened in tests/test_admin.py.
ANSWERED = "answered"
# Names are matched first exactly, then by namespace ("admin:*").
NAMESPACE_RULES: dict[str, dict[str, object]] = {
    "admin:*": row(everyone="→admin-login", site_admin=ANSWERED),
}


def describe(response) -> object:
    if response.status_code in (301, 302):
        path = response["Location"].split("?")[0]
        if re.fullmatch(r"/members/\d+/", path):
            return "→profile"
        return {
            "/accounts/login/": L,
            "/members/pending/": P,
            "/": H,
            "/admin/login/": "→admin-login",
            "/accounts/reauthenticate/": "→reauth",
            "/accounts/2fa/": "→2fa",
            "/accounts/2fa/totp/activate/": "→2fa-setup",
            "/members/no-profile/": NO_PROFILE,
        }.get(path, f"→{path}")
    return response.status_code


@pytest.fixture
def site_admin(db):
    member = MemberFactory()
    member.user.is_superuser = member.user.is_staff = True
    member.user.save()
    give_totp(member.user)
    return member


@pytest.fixture
def admin_no_profile(db):
    user = User.objects.create_superuser("root@example.org", PASSWORD)
    give_totp(user)
    return user


@pytest.fixture
def clients(
    db,
    pending_member,
    resident,
    mentor,
    gme_staff,
    co_lead,
    site_admin,
    admin_no_profile,
    unverified_user,
):
    unverified = Client()
    unverified.post(
        reverse("account_login"), {"login": unverified_user.email, "password": PASSWORD}
    )
    result = {"anonymous": Client(), "unverified": unverified}
    for role, member in (
        ("pending", pending_member),
        ("resident", resident),
        ("mentor", mentor),
        ("gme_staff", gme_staff),
        ("co_lead", co_lead),
        ("site_admin", site_admin),
    ):
        client = Client()
        client.force_login(member.user)
        result[role] = client
    result["admin_no_profile"] = Client()
    result["admin_no_profile"].force_login(admin_no_profile)
    return result


# Pages that need no member profile: the admin, sign-in and 2FA pages, the
# public handbook, token links and health checks.
PROFILE_FREE = re.compile(
    r"admin:.*|account_.*|mfa_.*|usersessions_.*|socialaccount_.*|saml_.*"
    r"|openid_connect_.*|healthz|ping|ping_signed_in|group_css"
    r"|events:feed|events:offer|mentorship:answer"
    r"|notifications:unsubscribe|handbook:(index|search|changes|timelines|chapter"
    r"|chapter_print|page|attachment)"
)


def _expected(name: str):
    if name in MATRIX:
        expected = MATRIX[name]
    else:
        namespace = name.split(":")[0] + ":*" if ":" in name else None
        expected = NAMESPACE_RULES.get(namespace)
    if expected and expected["admin_no_profile"] == AS_SITE_ADMIN:
        bare = expected["site_admin"] if PROFILE_FREE.fullmatch(name) else NO_PROFILE
        expected = {**expected, "admin_no_profile": bare}
    return expected


def test_every_url_has_a_row():
    missing = sorted(name for name in ALL_URLS if _expected(name) is None)
    assert missing == [], f"add these URLs to the permission matrix: {missing}"


@pytest.mark.parametrize("name", sorted(ALL_URLS))
def test_url_answers_each_role_as_expected(name, clients, url_context):
    expected = _expected(name)
    if expected is None:
        pytest.fail(f"{name} has no row in the permission matrix")
    url = reverse(name, kwargs=kwargs_for(name, ALL_URLS[name], url_context))
    actual = {role: describe(clients[role].get(url)) for role in ROLES}
    for role, answer in expected.items():
        if answer == ANSWERED and actual[role] != 500:
            actual[role] = ANSWERED
    assert actual == expected, url
    # The POST row: whoever may not read a page may not post to it either, and an
    # empty POST answers nobody with a server error.
    denied = {role for role, answer in expected.items() if answer in DENIALS}
    for role in ROLES:
        answer = describe(clients[role].post(url, {}))
        assert answer != 500, f"POST {url} as {role}: a server error"
        if role in denied or expected[role] == NO_PROFILE:
            # 405: the page takes no POST at all, from anyone.
            assert answer in (expected[role], 405), f"POST {url} as {role}: {answer}"
