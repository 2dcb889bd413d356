from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Teams and people who use the service"

    def ready(self) -> None:
        from . import sessions  # noqa: F401  (connects the session signal receivers)
