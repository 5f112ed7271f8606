from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
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
            # Co-lead rights follow terms (members.services.co_lead_terms_apply).
            CoLeadTerm.objects.create(
                member=self, start=timezone.localdate() - timedelta(days=200)
            )


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user: User) -> Authenticator:
    """Set up a TOTP authenticator, as if the person had scanned the QR code."""
    return TOTP.activate(user, TOTP_SECRET).instance


def current_totp_code() -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(TOTP_SECRET, counter))
