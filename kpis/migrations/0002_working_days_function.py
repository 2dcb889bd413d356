from django.db import migrations

# fs_working_days(a, b, holidays): working days d with a < d <= b (negative when b < a),
# skipping weekends and the given bank holidays; the same rule as
# safeguarding.lib.working_days.working_days_between, for set-based KPI SQL.
CREATE = """
CREATE OR REPLACE FUNCTION fs_working_days(from_day date, to_day date, holidays date[])
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN to_day >= from_day THEN 1 ELSE -1 END * (
        SELECT count(*)::integer
        FROM generate_series(least(from_day, to_day) + 1, greatest(from_day, to_day), interval '1 day') AS d
        WHERE extract(isodow FROM d) < 6 AND NOT (d::date = ANY(coalesce(holidays, '{}'::date[])))
    )
$$;
"""
DROP = "DROP FUNCTION IF EXISTS fs_working_days(date, date, date[]);"


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]
