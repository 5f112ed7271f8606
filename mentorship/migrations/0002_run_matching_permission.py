"""Co-leads run matching rounds and see every match."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission


def grant(apps, schema_editor):
    grant_permission(apps, "mentorship", "run_matching", ("Co-lead",))


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0001_initial"),
        ("members", "0007_backfill_co_lead_terms"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
