"""Tests: fast password hashing, the sandbox installed, the same database choice as the environment."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, INSTALLED_APPS, STATIC_ROOT

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "ketnoi.sandbox"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "ketnoi.core.storage.PrivateStorage"},  # no public URL: served through views
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so the worker and dispatcher processes that tests start share the test database.
    # One file per test run, so parallel runs on one machine never meet.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}

# Uploaded files go to a temporary folder, never into the work tree; processes the tests start inherit it.
MEDIA_ROOT = Path(os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="ketnoi-test-media-")))

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Calendar rows are read fresh in tests: a per-process cache would carry one test's holidays into the next.
WORKDAY_CACHE_SECONDS = 0
# Likewise notice wordings and API clients (a test that pins query counts turns them on, as in production).
NOTICE_TEMPLATE_CACHE_SECONDS = 0
API_CLIENT_CACHE_SECONDS = 0
PROCEDURE_VOCABULARY_CHECK_SECONDS = 0

# Tests open and close connections as each test's threads come and go.
DATABASES["default"]["CONN_MAX_AGE"] = 0
