from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "Group case supervision"

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the family page section
