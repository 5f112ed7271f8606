""""My status" is for members (residents, fellows, mentors; co-leads hold every
permission): GME staff who are not also members no longer get it (issue 22)."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission


def grant(apps, schema_editor):
    grant_permission(
        apps, "tracker", "keep_own_status", ("Resident", "Mentor", "Co-lead")
    )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_counts_permission")]

    operations = [
        migrations.AlterModelOptions(
            name="trackersettings",
            options={
                "permissions": [
                    (
                        "view_tracker_counts",
                        "Can see anonymous status and checklist totals",
                    ),
                    ("keep_own_status", "Can keep their own status tracker"),
                ]
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
