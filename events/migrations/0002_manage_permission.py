"""GME staff and co-leads create, publish and run events."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="events", codename="manage_events"
    )
    for name in ("GME staff", "Co-lead"):
        Group.objects.get(name=name).permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("members", "0007_backfill_co_lead_terms"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
