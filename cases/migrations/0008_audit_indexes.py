"""Indexes for the auditor's pages (cases/audit_selectors.py).

The access events table grows by a row for every record anyone opens (millions a year), so the
indexes are built CONCURRENTLY: the table keeps taking inserts while they build. That needs a
migration outside a transaction, with nothing else in it."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0007_partner_clients"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="accessevent",
            index=models.Index(fields=["-occurred_at", "-id"], name="access_event_newest"),
        ),
        AddIndexConcurrently(
            model_name="accessevent",
            index=models.Index(
                fields=["record_type", "record_id", "-occurred_at"], name="access_event_record"
            ),
        ),
        AddIndexConcurrently(
            model_name="disclosurelog",
            index=models.Index(fields=["-occurred_at", "-id"], name="disclosure_log_newest"),
        ),
    ]
