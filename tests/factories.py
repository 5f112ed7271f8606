import time
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
)
from django.contrib.auth.models import Group
from django.utils import timezone

from members.models import CoLeadTerm, Member, Role, Specialty, User

PASSWORD = "correct-horse-battery-staple-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def email_verified(self, create, extracted, **kwargs):
        """A verified primary address, as allauth keeps it (False: unverified)."""
        if create:
            verified = True if extracted is None else extracted
            EmailAddress.objects.create(
                user=self, email=self.email, verified=verified, primary=True
            )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    status = Member.Status.ACTIVE
    visa_status = Member.VisaStatus.J1
    training_stage = Member.TrainingStage.PGY1
    specialty = factory.LazyFunction(
        lambda: Specialty.objects.get(name="Internal Medicine")
    )
    home_country = "IN"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """Groups to join; active members are Residents unless told otherwise."""
        if not create:
            return
        if extracted is None:
            extracted = [Role.RESIDENT] if self.status == Member.Status.ACTIVE else []
        self.user.groups.add(*Group.objects.filter(name__in=list(extracted)))
        if Role.CO_LEAD in extracted:
            # Co-lead rights follow terms (members.handoff.co_lead_terms_apply).
            CoLeadTerm.objects.create(
                member=self, start=timezone.localdate() - timedelta(days=200)
            )


class EventFactory(factory.django.DjangoModelFactory):
    """A published GME event a week from now, 18:00–20:00, open to everybody."""

    class Meta:
        model = "events.Event"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"IMG happy hour {n}")
    kind = "social"
    description = "Drinks and snacks on **GME**."
    description_html = "<p>Drinks and snacks on <strong>GME</strong>.</p>"
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(
            hour=23, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    place = "Faculty Club, 2nd floor"
    status = "published"
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    created_by = factory.LazyFunction(lambda: UserFactory())
    budget = 500
    actual_cost = None


def event_on_the_day(**fields):
    """An event starting in an hour: RSVPs still open, check-in open (it opens
    two hours before the start)."""
    return EventFactory(starts_at=timezone.now() + timedelta(hours=1), **fields)


def bulk_members(n: int, **fields) -> list[Member]:
    """Many active members quickly (the factory is too slow for a thousand)."""
    stamp = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"bulk{stamp}-{i}@example.org", first_name="Bulk", last_name=str(i))
        for i in range(n)
    )
    defaults = {"status": "active", "visa_status": "j1", "training_stage": "pgy1"}
    return Member.objects.bulk_create(
        Member(user=user, **{**defaults, **fields}) for user in users
    )


def bulk_published_pages(chapter, n: int, *, author: User) -> None:
    """`n` published handbook pages with their search vectors, in a few queries."""
    from django.contrib.postgres.search import SearchVector
    from django.db.models import OuterRef, Subquery

    from handbook.models import Page, Revision

    start = chapter.pages.count()
    pages = Page.objects.bulk_create(
        Page(
            chapter=chapter,
            slug=f"bulk-{start + i}",
            title=f"Flat hunting {start + i}",
            body_html="<p>Flat deposits and leases.</p>",
            body_text="Flat deposits and leases.",
            published_at=timezone.now(),
        )
        for i in range(n)
    )
    Revision.objects.bulk_create(
        Revision(
            page=page,
            number=1,
            title=page.title,
            body="Flat deposits and leases.",
            summary="First version",
            author=author,
            state="published",
            published_at=timezone.now(),
        )
        for page in pages
    )
    first = Revision.objects.filter(page=OuterRef("pk")).values("pk")[:1]
    Page.objects.filter(pk__in=[p.pk for p in pages]).update(
        published_revision=Subquery(first),
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body_text", weight="C", config="english"),
    )


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "handbook.Chapter"

    title = factory.Sequence(lambda n: f"Housing {n}")
    slug = factory.Sequence(lambda n: f"housing-{n}")
    order = factory.Sequence(lambda n: n)


class TimelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "handbook.VisaTimeline"

    country = "IN"
    visa_type = "J-1"
    post = factory.Sequence(lambda n: f"Mumbai {n}")
    wait_days = 45
    last_verified = factory.LazyFunction(timezone.localdate)
    source_url = "https://travel.state.gov/wait-times"


HANDBOOK_BODY = """Start looking six weeks before you arrive.

## Without a credit history

Offer a larger deposit and a letter from the GME office.
"""


def published_page(
    *,
    by: User,
    chapter=None,
    title: str = "Finding a flat",
    body: str = HANDBOOK_BODY,
    slug: str | None = None,
    members_only: bool = False,
):
    """A page published by `by` (a co-lead, who may publish alone)."""
    from django.utils.text import slugify

    from handbook import services

    return services.page_create(
        chapter=chapter or ChapterFactory(),
        title=title,
        slug=slug or slugify(title),
        body=body,
        summary="First version",
        members_only=members_only,
        author=by,
        publish=True,
    )


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user: User) -> Authenticator:
    """Set up a TOTP authenticator, as if the person had scanned the QR code."""
    return TOTP.activate(user, TOTP_SECRET).instance


def current_totp_code() -> str:
    """The code for the current 30-second window. (allauth's counter generator
    starts one window back, to allow for drift: that code stops being accepted
    when the window turns, which made browser tests fail now and then.)"""
    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(TOTP_SECRET, counter))


def newsletter_sending(by: User, n: int, sent: int):
    """A newsletter halfway through its send: `n` deliveries, the first `sent`
    of them sent, the rest waiting."""
    from newsletters.models import Delivery, Newsletter

    newsletter = Newsletter.objects.create(
        subject="Orientation",
        body="Hi",
        created_by=by,
        status=Newsletter.Status.SENDING,
        started_at=timezone.now(),
    )
    Delivery.objects.bulk_create(
        Delivery(
            newsletter=newsletter,
            member=member,
            email=f"reader{i}@example.org",
            status=Delivery.Status.SENT if i < sent else Delivery.Status.PENDING,
        )
        for i, member in enumerate(bulk_members(n))
    )
    return newsletter
