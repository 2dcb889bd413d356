"""The synthetic demo council, loaded by ``manage.py load_demo_council``: one module per part, in load order (teams, workforce, families, notifications, workbooks, supervisions, kpis)."""
