"""Tests: real PostgreSQL and Redis (never SQLite), fast password hashing."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}

# Each pytest-xdist worker gets its own Redis database so parallel tests never share
# a broker queue or cache keys (the embedded Redis is started with 64 databases).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
_redis_db = 1 + int(_worker) if _worker.isdigit() else 1
TEST_REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{_redis_db}"
CACHES["default"]["LOCATION"] = TEST_REDIS_URL  # noqa: F405
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = TEST_REDIS_URL
AXES_ENABLED = True

# Tests never read from a replica configured in the environment: the router's tests make their
# own second database (tests/safeguarding/test_db_routers.py).
DATABASES.pop("replica", None)

# Serve static files from the finders, so no collectstatic is needed before running.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Attachments written by tests go to a throwaway folder per xdist worker.
PRIVATE_STORAGE_ROOT = (
    BASE_DIR / "var" / "test-private" / (os.environ.get("PYTEST_XDIST_WORKER") or "main")
)
