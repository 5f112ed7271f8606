"""The outbox (from imgportal) and email choices (from newsletters) move here.

Only Django's idea of where the models live changes: both tables keep their
names and their rows (`SeparateDatabaseAndState`, no SQL on the tables). The
content types are renamed so admin history and permissions follow the models.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MOVED = [("imgportal", "outboundemail"), ("newsletters", "emailpreferences")]


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model in MOVED:
        if not ContentType.objects.filter(app_label="notifications", model=model).exists():
            ContentType.objects.filter(app_label=app_label, model=model).update(
                app_label="notifications"
            )


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model in MOVED:
        ContentType.objects.filter(app_label="notifications", model=model).update(
            app_label=app_label
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('members', '0008_user_name_index'),
        ('imgportal', '0003_outbound_attachments'),
        ('newsletters', '0005_handbook_and_status_categories'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                        migrations.CreateModel(
                            name='EmailPreferences',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('unsubscribed', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('newsletter', 'Newsletters'), ('event_announcements', 'Event announcements'), ('event_reminders', 'Event reminders'), ('mentorship', 'Mentorship notices'), ('handbook', 'Handbook updates (watched pages, reviews)'), ('status_reminders', 'Reminders of my own visa and document dates'), ('digest', 'Weekly digest')], max_length=30), blank=True, default=list, size=None)),
                                ('hard_bounces', models.PositiveSmallIntegerField(default=0)),
                                ('suspended_at', models.DateTimeField(blank=True, help_text='Set after repeated hard bounces, until the member confirms.', null=True, verbose_name='mail suspended')),
                                ('last_digest_at', models.DateTimeField(blank=True, null=True)),
                                ('member', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='email_preferences', to='members.member')),
                            ],
                            options={
                                'verbose_name': 'email preferences',
                                'verbose_name_plural': 'email preferences',
                                'db_table': 'newsletters_emailpreferences',
                            },
                        ),
                        migrations.CreateModel(
                            name='OutboundEmail',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('idempotency_key', models.CharField(help_text='Queueing twice with the same key sends one email.', max_length=200, unique=True, verbose_name='idempotency key')),
                                ('to', models.EmailField(max_length=254, verbose_name='to')),
                                ('subject', models.CharField(max_length=255, verbose_name='subject')),
                                ('body_text', models.TextField(verbose_name='plain-text body')),
                                ('body_html', models.TextField(blank=True, verbose_name='HTML body')),
                                ('headers', models.JSONField(blank=True, default=dict, verbose_name='extra headers')),
                                ('attachments', models.JSONField(blank=True, default=list, help_text="[{'filename', 'content' (text), 'mimetype'}], e.g. an .ics", verbose_name='attachments')),
                                ('status', models.CharField(choices=[('queued', 'Queued'), ('sent', 'Sent'), ('failed', 'Failed'), ('skipped', 'Skipped (the person opted out)'), ('cancelled', 'Cancelled (no longer true when sent)')], default='queued', max_length=10, verbose_name='status')),
                                ('category', models.CharField(blank=True, help_text='Blank for transactional mail (no unsubscribe link).', max_length=30, verbose_name='category')),
                                ('stale_check', models.JSONField(blank=True, default=dict, help_text="{'kind': …, …}: re-checked when sending; false means cancel.", verbose_name='send-time check')),
                                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='last handed to Celery')),
                                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='failed attempts')),
                                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued at')),
                                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                                ('member', models.ForeignKey(blank=True, help_text='Set for notifications a member can turn off.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='outbound_emails', to='members.member')),
                            ],
                            options={
                                'verbose_name': 'outbound email',
                                'verbose_name_plural': 'outbound emails',
                                'db_table': 'imgportal_outboundemail',
                                'ordering': ['-created_at'],
                                'indexes': [models.Index(fields=['status', 'created_at'], name='imgportal_o_status_488d7f_idx')],
                                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'sent', 'failed', 'skipped', 'cancelled'])), name='imgportal_outboundemail_status_valid'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='imgportal_outboundemail_sent_has_time')],
                            },
                        ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
