from django.db import migrations

# DOMAIN.md: no public source gave the Family Programme's module titles; these are shipped
# defaults that the council edits in admin.
MODULES = [
    (1, "Our family story"),
    (2, "Basic care and home conditions"),
    (3, "Keeping children safe"),
    (4, "Emotional warmth and relationships"),
    (5, "Guidance, boundaries and routines"),
    (6, "How domestic abuse, substance use and mental health affect children"),
    (7, "Support networks"),
    (8, "Sustaining change"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rerunnable: adds missing modules, never overwrites a council's edits."""
    ProgrammeModule = apps.get_model("workbook", "ProgrammeModule")
    for number, title in MODULES:
        ProgrammeModule.objects.get_or_create(number=number, defaults={"title": title})


class Migration(migrations.Migration):
    dependencies = [("workbook", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
