"""GME staff and co-leads post and approve leadership openings."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission


def grant(apps, schema_editor):
    grant_permission(apps, "leadership", "post_openings", ("GME staff", "Co-lead"))


class Migration(migrations.Migration):
    dependencies = [
        ("leadership", "0001_initial"),
        ("members", "0007_backfill_co_lead_terms"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
