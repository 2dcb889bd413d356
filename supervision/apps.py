from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "Group case supervision"

    def ready(self) -> None:
        from . import clock_facts, panels  # noqa: F401 - register the clocks and the family page section
