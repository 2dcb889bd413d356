from django.apps import AppConfig


class WorkbookConfig(AppConfig):
    name = "workbook"
    verbose_name = "Family Safeguarding Workbook"

    def ready(self) -> None:
        from . import clock_facts  # noqa: F401 - registers the workbook's part of the clocks
