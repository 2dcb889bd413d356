from django.db import migrations

from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rerunnable: updates labels of codes already present, adds missing ones."""
    ReferenceCode = apps.get_model("cases", "ReferenceCode")
    for code_list, codes in CODE_LISTS.items():
        for order, (code, label) in enumerate(codes):
            ReferenceCode.objects.update_or_create(
                code_list=code_list,
                code=code,
                valid_from=CENSUS_YEAR_START,
                defaults={"label": label, "sort_order": order},
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
