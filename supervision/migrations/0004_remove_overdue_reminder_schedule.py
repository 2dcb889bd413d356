"""The daily escalations (cases migration 0010) already tell a chair, once, when the supervision
they chair has passed its date, through their notification settings. The separate reminder
job sent a second notice for the same thing, so its schedule is removed. The
``overdue_notified_at`` column it kept stays until a later release drops it (columns are removed
in two steps)."""

import importlib

from django.db import migrations

reminder = importlib.import_module("supervision.migrations.0002_overdue_reminder_schedule")


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_revision_editor_token"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(reminder.unschedule, reminder.schedule)]
