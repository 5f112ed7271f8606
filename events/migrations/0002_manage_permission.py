"""GME staff and co-leads create, publish and run events."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission


def grant(apps, schema_editor):
    grant_permission(apps, "events", "manage_events", ("GME staff", "Co-lead"))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("members", "0007_backfill_co_lead_terms"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
