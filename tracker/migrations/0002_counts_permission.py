"""GME staff and co-leads see anonymous totals (never whose)."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission


def grant(apps, schema_editor):
    grant_permission(
        apps, "tracker", "view_tracker_counts", ("GME staff", "Co-lead")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("members", "0007_backfill_co_lead_terms"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
