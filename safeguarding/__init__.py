"""The project package. Loading Celery here makes ``shared_task`` use the project's app."""

from .celery import app as celery_app

__all__ = ("celery_app",)
