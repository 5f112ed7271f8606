"""Saved revisions keep their text forever (only their review state may change),
and the Handbook editor role with the handbook's permissions."""

from django.db import migrations

from imgportal.migration_helpers import grant_permission

FORBID = """
CREATE FUNCTION handbook_revision_text_is_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'handbook revisions cannot be deleted';
    END IF;
    IF (NEW.page_id, NEW.number, NEW.title, NEW.body, NEW.summary, NEW.author_id,
        NEW.created_at, NEW.based_on_id, NEW.restored_from_id, NEW.is_suggestion)
       IS DISTINCT FROM
       (OLD.page_id, OLD.number, OLD.title, OLD.body, OLD.summary, OLD.author_id,
        OLD.created_at, OLD.based_on_id, OLD.restored_from_id, OLD.is_suggestion) THEN
        RAISE EXCEPTION 'the text of a saved handbook revision cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER handbook_revision_final
    BEFORE UPDATE OR DELETE ON handbook_revision
    FOR EACH ROW EXECUTE FUNCTION handbook_revision_text_is_final();
"""
ALLOW = """
DROP TRIGGER handbook_revision_final ON handbook_revision;
DROP FUNCTION handbook_revision_text_is_final();
"""


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Handbook editor")
    grant_permission(apps, "members", "access_portal", ("Handbook editor",))
    grant_permission(apps, "handbook", "edit_handbook", ("Handbook editor", "Co-lead"))
    grant_permission(apps, "handbook", "publish_handbook_alone", ("Co-lead",))
    grant_permission(apps, "handbook", "manage_handbook_editors", ("Co-lead",))


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Handbook editor").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("handbook", "0001_initial"),
        ("members", "0007_backfill_co_lead_terms"),
    ]

    operations = [
        migrations.RunSQL(FORBID, ALLOW),
        migrations.RunPython(grant, remove_role),
    ]
