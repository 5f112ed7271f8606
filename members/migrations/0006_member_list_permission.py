"""GME staff and co-leads read the full member list (GME staff read-only)."""

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
        content_type__app_label="members", codename="view_member_list"
    )
    for name in ("GME staff", "Co-lead"):
        Group.objects.get(name=name).permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="members", codename="view_member_list"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0005_audit_append_only")]

    operations = [migrations.RunPython(grant, revoke)]
