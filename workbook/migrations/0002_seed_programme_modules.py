from django.db import migrations

from workbook.reference_data import PROGRAMME_MODULES


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rerunnable: adds missing modules, never overwrites a council's edits."""
    ProgrammeModule = apps.get_model("workbook", "ProgrammeModule")
    for number, title in PROGRAMME_MODULES:
        ProgrammeModule.objects.get_or_create(number=number, defaults={"title": title})


class Migration(migrations.Migration):
    dependencies = [("workbook", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
