"""Local development: ``make run``."""

from .base import *  # noqa: F403

DEBUG = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}

# Serve static files from the finders, so no collectstatic is needed before running.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Readable log lines for a developer's terminal; production and tests write JSON.
LOGGING["handlers"]["console"]["formatter"] = "plain"  # noqa: F405
