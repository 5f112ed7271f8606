from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from members.demo import DEMO_ACCOUNTS
from members.models import CoLeadTerm, Member, Program, User

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(
        User.objects.values_list(
            "email",
            "password",
            "first_name",
            "is_active",
            "member__status",
            "member__visa_status",
            "member__training_stage",
        )
    )


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first
    assert len(first) == len(DEMO_ACCOUNTS) + 300


def test_seed_demo_makes_one_account_per_role_with_their_home(settings, client):
    call_command("seed_demo", "--force")
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.emailaddress_set.get().verified
        assert set(user.groups.values_list("name", flat=True)) == set(account.roles)
    assert User.objects.get(email__startswith="admin@").is_superuser


def test_seed_demo_members_are_varied_like_a_real_group(settings):
    call_command("seed_demo", "--force")
    members = Member.objects.exclude(user__email__in=[a.email for a in DEMO_ACCOUNTS])
    visas = Counter(members.values_list("visa_status", flat=True))
    assert visas[Member.VisaStatus.J1] > visas[Member.VisaStatus.H1B] > 0
    assert len(visas) >= 4
    assert members.values("home_country").distinct().count() >= 20
    assert members.values("specialty").distinct().count() >= 15
    assert members.values("training_stage").distinct().count() >= 5
    assert 3 <= members.filter(status=Member.Status.PENDING).count() <= 10
    assert members.filter(status=Member.Status.ALUMNI).exists()
    assert Program.objects.count() >= 70
    assert members.values("program").distinct().count() >= 60
    visas_share = visas[Member.VisaStatus.J1] / sum(visas.values())
    assert 0.45 < visas_share < 0.75


def test_seed_demo_has_past_and_current_co_lead_terms(settings):
    call_command("seed_demo", "--force")
    terms = CoLeadTerm.objects.order_by("start")
    assert terms.first().start.year == 2019
    assert terms.filter(end__isnull=True).get().member.user.email.startswith("colead@")
    colead = User.objects.get(email__startswith="colead@")
    assert colead.has_perm("members.manage_members")


def test_every_demo_address_is_one_the_sign_in_form_accepts(settings):
    from django.core.validators import validate_email

    call_command("seed_demo", "--force")
    for email in User.objects.values_list("email", flat=True):
        validate_email(email)


def test_seed_demo_adds_two_academic_years_of_events(settings):
    from events.models import Attendance, Event, Rsvp

    settings.DEBUG = True
    call_command("seed_demo", "--members", "120")
    events = Event.objects.all()
    assert 42 <= events.count() <= 50
    orientations = events.filter(kind="img_orientation")
    assert orientations.count() == 2
    assert {e.starts_at.month for e in orientations} == {6}
    assert events.filter(kind="orientation_panel").exists()
    assert events.filter(kind="social").count() >= 10
    assert Rsvp.objects.filter(status="yes").count() > 300
    assert Attendance.objects.exists()
    past = events.filter(ends_at__lt=timezone.now())
    assert past.exists() and events.filter(starts_at__gt=timezone.now()).exists()
    assert not past.filter(actual_cost__isnull=True, budget__isnull=False).exists()
    # Issue 20's parts are there to try: questions with answers, named guests
    # (some checked in), an approval-only panel with requests waiting, and a
    # monthly series, seeded without a single email.
    from django.core import mail

    from events.models import Answer, Guest
    from notifications.models import OutboundEmail

    assert Answer.objects.filter(question__label="Dietary needs").exists()
    assert Guest.objects.exclude(name="").filter(checked_in_at__isnull=False).exists()
    approval = events.get(requires_approval=True)
    assert approval.starts_at > timezone.now()
    assert approval.rsvps.filter(status=Rsvp.Status.PENDING).exists()
    coffee = events.filter(title="IMG coffee hour").order_by("starts_at")
    assert coffee.count() == 6 and len({e.series_id for e in coffee}) == 1
    assert {timezone.localtime(e.starts_at).weekday() for e in coffee} == {3}
    assert not OutboundEmail.objects.exists() and not mail.outbox
    call_command("seed_demo", "--members", "120")
    assert Event.objects.count() == events.count()
