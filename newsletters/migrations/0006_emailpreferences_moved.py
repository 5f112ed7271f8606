"""EmailPreferences now lives in the notifications app; its table and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsletters", "0005_handbook_and_status_categories"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="EmailPreferences")],
        ),
    ]
