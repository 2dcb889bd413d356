from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for fuzzy name search; btree_gist for exclusion constraints on date ranges."""

    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [TrigramExtension(), BtreeGistExtension()]
