"""Co-lead rights now follow co-lead terms: give everyone who holds the Co-lead
role today an open term, or the nightly sync would take the role away."""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    CoLeadTerm = apps.get_model("members", "CoLeadTerm")
    today = timezone.localdate()
    for member in Member.objects.filter(user__groups__name="Co-lead"):
        if not CoLeadTerm.objects.filter(member=member, end__isnull=True).exists():
            CoLeadTerm.objects.create(member=member, start=today)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_member_list_permission")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
