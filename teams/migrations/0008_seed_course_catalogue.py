from django.db import migrations

from teams.workforce.catalogue import seed_catalogue


class Migration(migrations.Migration):
    """The default learning and development catalogue (rerunnable: get_or_create)."""

    dependencies = [
        ("teams", "0007_workforce"),
    ]

    operations = [migrations.RunPython(seed_catalogue, migrations.RunPython.noop)]
