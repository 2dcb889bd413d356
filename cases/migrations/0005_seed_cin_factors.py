from django.db import migrations

from cases.reference_data import CENSUS_YEAR_START, CIN_FACTORS


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rerunnable: CIN census factors at the end of assessment."""
    ReferenceCode = apps.get_model("cases", "ReferenceCode")
    for order, (code, label) in enumerate(CIN_FACTORS):
        ReferenceCode.objects.update_or_create(
            code_list="cin_factor",
            code=code,
            valid_from=CENSUS_YEAR_START,
            defaults={"label": label, "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_cin_factor_code_list")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
