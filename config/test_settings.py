"""Settings for the test suite: the real settings with a test secret and a fast hasher."""

import os

# The suite tests production behaviour whatever a developer's .env says
# (python-dotenv never overrides variables that are already set).
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-that-is-long-enough-and-random-3f9c1a7e")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Playwright's sync API runs an event loop in the test thread; the live
# server and ORM calls in the tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings import *  # noqa: E402,F403

# Password hashing is deliberately slow in production; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SECURE_SSL_REDIRECT = False
# Static files come from the finders in tests; there is no collected folder.
STATIC_ROOT = None
# Limits far above what any test sends; the tests of the limits lower them.
COMMUNITY_RATE_LIMITS = {"post": "10000/m", "comment": "10000/m", "like": "10000/m"}
# Each test computes the leaderboard live unless it sets a tick of its own.
COMMUNITY_LEADERBOARD_TICK = 0
# This process's memory: query-count pins measure the site's own queries.
# The tests of the shared cache choose the database or Redis themselves.
CACHE_URL = "locmem://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
