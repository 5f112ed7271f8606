"""GME staff and co-leads read the full member list (GME staff read-only)."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission


def grant(apps, schema_editor):
    grant_permission(apps, "members", "view_member_list", ("GME staff", "Co-lead"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="members", codename="view_member_list"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0005_audit_append_only")]

    operations = [migrations.RunPython(grant, revoke)]
