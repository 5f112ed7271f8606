"""Audit entries can be added, never changed or removed (not even by the app)."""

from django.db import migrations

FORBID = """
CREATE FUNCTION members_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER members_auditentry_no_update_delete
    BEFORE UPDATE OR DELETE ON members_auditentry
    FOR EACH ROW EXECUTE FUNCTION members_auditentry_append_only();
"""
ALLOW = """
DROP TRIGGER members_auditentry_no_update_delete ON members_auditentry;
DROP FUNCTION members_auditentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("members", "0004_profile_and_management")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
